from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "vardlots.audit"
    label = "audit"
