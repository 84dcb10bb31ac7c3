from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.admin import LargeTableMixin, ViewOnlyAdminMixin
from incidents.models import Incident


@admin.register(Incident)
class IncidentAdmin(LargeTableMixin, ViewOnlyAdminMixin, SimpleHistoryAdmin):
    """View-only (ADR 0010): incidents are recorded and suspensions made on the staff pages,
    where permission is checked and the 責任者 and the PR division are told (R18); the log is
    evidence and is never changed or deleted here."""

    list_display = ("occurred_at", "account", "kind", "status", "suspended_at", "recorder")
    list_filter = ("kind", "status")
    search_fields = ("account__display_name", "account__identifier", "description")
    list_select_related = ("account__service", "recorded_by")

    @admin.display(description=_("記録した職員"), ordering="recorded_by")
    def recorder(self, obj: Incident) -> str:
        """Nobody recorded what the daily handle check found (issue 14): the registry did."""
        return str(obj.recorded_by) if obj.recorded_by_id else str(_("台帳の自動確認"))
