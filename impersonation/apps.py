from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImpersonationConfig(AppConfig):
    name = "impersonation"
    verbose_name = _("なりすまし対策")

    def ready(self) -> None:
        from core.signals import watch_public
        from impersonation.models import KnownImpersonation

        watch_public(KnownImpersonation)
        # Reminders of reports waiting too long (jobs.reminders, issue 10 §2).
        from impersonation import reminders  # noqa: F401
