from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelephonyConfig(AppConfig):
    name = "vardlots.telephony"
    label = "telephony"
    verbose_name = _("Telephone advice")

    def ready(self) -> None:
        from vardlots.telephony import jobs  # noqa: F401 - registers the SMS job
