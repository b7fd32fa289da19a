"""The single chain-head row that appends lock to keep the hash chain linear."""

from django.db import migrations

GENESIS_HASH = "0" * 64


def create(apps, schema_editor):
    apps.get_model("audit", "ChainHead").objects.get_or_create(pk=1, defaults={"last_seq": 0,
                                                                              "last_hash": GENESIS_HASH})


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
