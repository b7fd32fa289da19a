from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "vardlots.cases"
    label = "cases"
    verbose_name = "Cases and queues"

    def ready(self) -> None:
        from vardlots.cases import jobs  # noqa: F401 - registers the hand-over job
