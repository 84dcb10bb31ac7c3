from django.contrib import admin

from impersonation.models import ImpersonationReport, KnownImpersonation


@admin.register(KnownImpersonation)
class KnownImpersonationAdmin(admin.ModelAdmin):
    list_display = ("service", "identifier", "display_name", "found_on", "resolved_at")
    list_filter = ("service", "resolved_at")
    search_fields = ("identifier", "display_name", "warning")
    list_select_related = ("service",)
    autocomplete_fields = ("imitates",)
    readonly_fields = ("identifier", "created_by", "created_at")

    def has_add_permission(self, request) -> bool:
        # Recorded by the PR division on the staff pages, where the URL is canonicalised.
        return False


@admin.register(ImpersonationReport)
class ImpersonationReportAdmin(admin.ModelAdmin):
    list_display = ("created_at", "reported_text", "service", "status", "handled_at")
    list_filter = ("status", "service")
    search_fields = ("reported_text", "identifier", "description")
    readonly_fields = (
        "reported_text",
        "service",
        "identifier",
        "description",
        "contact_email",
        "created_at",
        "handled_by",
        "handled_at",
    )

    def has_add_permission(self, request) -> bool:
        return False
