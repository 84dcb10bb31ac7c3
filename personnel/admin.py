from django.contrib import admin

from core.admin import LargeTableMixin, ViewOnlyAdminMixin
from personnel.models import OfficerChangeNeeded


@admin.register(OfficerChangeNeeded)
class OfficerChangeNeededAdmin(LargeTableMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    """View-only: flags are raised and resolved by the signals (personnel.signals)."""

    list_display = ("account", "user", "role", "reason", "detected_at", "resolved_at")
    list_filter = ("reason", "role", "resolution")
    search_fields = ("account__display_name", "user__username", "user__last_name")
    list_select_related = ("account__service", "user")
