from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("公式アカウント")

    def ready(self) -> None:
        from accounts.models import FormerIdentifier, OfficialAccount, Service
        from core.signals import watch_public

        watch_public(OfficialAccount, Service, FormerIdentifier)
        from accounts import signals

        signals.connect()
