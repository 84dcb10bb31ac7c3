from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from policies.models import OperationPolicy, OperationRules, PolicyStatus, PolicyTemplate


@admin.register(PolicyTemplate)
class PolicyTemplateAdmin(SimpleHistoryAdmin):
    fields = PolicyTemplate.TEMPLATE_FIELDS

    def has_add_permission(self, request) -> bool:
        return not PolicyTemplate.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OperationPolicy)
class OperationPolicyAdmin(SimpleHistoryAdmin):
    list_display = ("account", "version", "status", "published_at", "created_by")
    list_filter = ("status", "account__service")
    search_fields = ("account__display_name", "account__identifier", "purpose", "content")
    list_select_related = ("account__service", "created_by")
    autocomplete_fields = ("account",)
    fieldsets = (
        (None, {"fields": ("account", "version", "status", "published_at")}),
        ("発信の目的と内容", {"fields": ("purpose", "content", "related_url")}),
        ("運用方法・ルール", {"fields": PolicyTemplate.TEMPLATE_FIELDS}),
        (
            "公開時のアカウント情報",
            {"fields": ("service_name", "account_name", "account_url", "department_name")},
        ),
        (None, {"fields": ("created_at", "created_by")}),
    )
    readonly_fields = (
        "status",
        "published_at",
        "service_name",
        "account_name",
        "account_url",
        "department_name",
        "created_at",
        "created_by",
    )

    def has_change_permission(self, request, obj=None) -> bool:
        # A published version is frozen (R3); the admin shows it read-only.
        if obj is not None and obj.status == PolicyStatus.PUBLISHED:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is None or obj.status == PolicyStatus.PUBLISHED:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(OperationRules)
class OperationRulesAdmin(SimpleHistoryAdmin):
    list_display = ("account", "devices_checked_by_ict", "updated_at")
    list_filter = ("devices_checked_by_ict",)
    search_fields = ("account__display_name", "account__identifier")
    autocomplete_fields = ("account",)
    list_select_related = ("account__service",)
