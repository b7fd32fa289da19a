from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "vardlots.directory"
    label = "directory"
