from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    """Staff pages that span several apps: the dashboard, login, the account page with its
    history. Pages about one concept stay in their app (requests in ``approvals``, the
    impersonation queue in ``impersonation``)."""

    name = "staff"
    verbose_name = _("職員の画面")
