from django.contrib import admin

from core.admin import LargeTableMixin, ViewOnlyAdminMixin
from impersonation.models import ImpersonationReport, KnownImpersonation


@admin.register(KnownImpersonation)
class KnownImpersonationAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """View-only (ADR 0010): the PR division records a fake on the staff pages, where the URL
    is canonicalised, and retires it there (resolved_at); the record is never deleted (R17)."""

    list_display = ("service", "identifier", "display_name", "found_on", "resolved_at")
    list_filter = ("service", "resolved_at")
    search_fields = ("identifier", "display_name", "warning")
    list_select_related = ("service",)
    autocomplete_fields = ("imitates",)


@admin.register(ImpersonationReport)
class ImpersonationReportAdmin(LargeTableMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    """View-only (ADR 0010): the PR division closes a report on the staff pages with a status
    (なりすましと確認 / 問題なし・対応不要); the report itself is kept."""

    list_display = ("created_at", "reported_text", "service", "status", "handled_at")
    list_filter = ("status", "service")
    search_fields = ("reported_text", "identifier", "description")
