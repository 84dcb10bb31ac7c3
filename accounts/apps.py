from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "公式アカウント"

    def ready(self) -> None:
        from accounts import signals

        signals.connect()
