"""Load Sweden's 21 regions with their official county codes."""

from django.db import migrations

REGIONS = [
    ("01", "Region Stockholm"), ("03", "Region Uppsala"), ("04", "Region Sörmland"),
    ("05", "Region Östergötland"), ("06", "Region Jönköpings län"), ("07", "Region Kronoberg"),
    ("08", "Region Kalmar län"), ("09", "Region Gotland"), ("10", "Region Blekinge"), ("12", "Region Skåne"),
    ("13", "Region Halland"), ("14", "Västra Götalandsregionen"), ("17", "Region Värmland"),
    ("18", "Region Örebro län"), ("19", "Region Västmanland"), ("20", "Region Dalarna"),
    ("21", "Region Gävleborg"), ("22", "Region Västernorrland"), ("23", "Region Jämtland Härjedalen"),
    ("24", "Region Västerbotten"), ("25", "Region Norrbotten"),
]


def load(apps, schema_editor):
    Region = apps.get_model("directory", "Region")
    for code, name in REGIONS:
        Region.objects.update_or_create(code=code, defaults={"name": name})


def unload(apps, schema_editor):
    apps.get_model("directory", "Region").objects.filter(code__in=[c for c, _ in REGIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
