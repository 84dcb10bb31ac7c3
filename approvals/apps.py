from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("申請と承認")

    def ready(self) -> None:
        # Daily jobs of this app (jobs.schedule): scheduled closures (issue 10 §5).
        from approvals import closures  # noqa: F401
