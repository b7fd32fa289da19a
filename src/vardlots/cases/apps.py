from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "vardlots.cases"
    label = "cases"
    verbose_name = "Cases and queues"
