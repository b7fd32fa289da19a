from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "vardlots.chat"
    label = "chat"
    verbose_name = "Chat"
