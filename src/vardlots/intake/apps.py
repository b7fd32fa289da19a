from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "vardlots.intake"
    label = "intake"
    verbose_name = "Intake (triage sessions)"
