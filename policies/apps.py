from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = _("運用ポリシー・運用ルール")

    def ready(self) -> None:
        from core.signals import watch_public
        from policies.models import OperationPolicy

        watch_public(OperationPolicy)
