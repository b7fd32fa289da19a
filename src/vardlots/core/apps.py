from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "vardlots.core"
    label = "core"
    verbose_name = "vardlots"
