from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ViewOnlyAdminMixin
from incidents.models import Incident


@admin.register(Incident)
class IncidentAdmin(ViewOnlyAdminMixin, SimpleHistoryAdmin):
    """View-only (ADR 0010): incidents are recorded and suspensions made on the staff pages,
    where permission is checked and the 責任者 and the PR division are told (R18); the log is
    evidence and is never changed or deleted here."""

    list_display = ("occurred_at", "account", "kind", "status", "suspended_at", "recorded_by")
    list_filter = ("kind", "status")
    search_fields = ("account__display_name", "account__identifier", "description")
    list_select_related = ("account__service", "recorded_by")
