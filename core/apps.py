from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("共通")

    def ready(self) -> None:
        # Fail at start-up, not on the first form, when a deployment is misconfigured.
        from core.municipality import get_municipality

        get_municipality()
