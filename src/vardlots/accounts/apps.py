from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "vardlots.accounts"
    label = "accounts"
