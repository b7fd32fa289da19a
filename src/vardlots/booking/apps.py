from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingConfig(AppConfig):
    name = "vardlots.booking"
    label = "booking"
    verbose_name = _("Booking")

    def ready(self) -> None:
        from vardlots.booking import jobs  # noqa: F401 - registers the reminder job
