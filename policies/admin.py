from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin import FoldedAccountSearchMixin, OfficialAccountAdmin
from accounts.models import OfficialAccount
from core.admin import HistoryReadOnlyMixin, ViewOnlyAdminMixin, ViewOnlyInlineMixin
from policies.models import OperationPolicy, OperationRules, PolicyTemplate


@admin.register(PolicyTemplate)
class PolicyTemplateAdmin(HistoryReadOnlyMixin, SimpleHistoryAdmin):
    fields = PolicyTemplate.TEMPLATE_FIELDS

    def has_add_permission(self, request) -> bool:
        return not PolicyTemplate.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OperationPolicy)
class OperationPolicyAdmin(FoldedAccountSearchMixin, ViewOnlyAdminMixin, SimpleHistoryAdmin):
    """View-only (ADR 0010): a version is written by an approved request (R1, R2) and a
    published one is frozen (R3, ADR 0004)."""

    list_display = ("account", "version", "status", "published_at", "created_by")
    list_filter = ("status", "account__service")
    # By the account (its folded search text): not through every version's full text.
    search_fields = ("account__search_text",)
    account_path = "account__"
    list_select_related = ("account__service", "created_by")
    autocomplete_fields = ("account",)
    fieldsets = (
        (None, {"fields": ("account", "version", "status", "published_at")}),
        (_("発信の目的と内容"), {"fields": ("purpose", "content", "related_url")}),
        (_("運用方法・ルール"), {"fields": PolicyTemplate.TEMPLATE_FIELDS}),
        (
            _("公開時のアカウント情報"),
            {"fields": ("service_name", "account_name", "account_url", "department_name")},
        ),
        (None, {"fields": ("created_at", "created_by")}),
    )


@admin.register(OperationRules)
class OperationRulesAdmin(FoldedAccountSearchMixin, ViewOnlyAdminMixin, SimpleHistoryAdmin):
    """View-only (ADR 0010): the internal rules (R4) change with the account's requests."""

    list_display = ("account", "devices_checked_by_ict", "updated_at")
    list_filter = ("devices_checked_by_ict",)
    search_fields = ("account__search_text",)
    account_path = "account__"
    autocomplete_fields = ("account",)
    list_select_related = ("account__service",)


# --- The account's page in the admin, with its rules and policy versions ------------------
# ``accounts`` sits below ``policies`` (ADR 0013), so the inlines that show policies are
# added here, to the account admin ``accounts.admin`` registered.


class OperationRulesInline(ViewOnlyInlineMixin, admin.StackedInline):
    model = OperationRules


class PolicyVersionInline(ViewOnlyInlineMixin, admin.TabularInline):
    """Versions are listed here and shown on their own page."""

    model = OperationPolicy
    fields = ("version", "status", "published_at", "created_by")
    show_change_link = True
    ordering = ("-version",)


class OfficialAccountWithPoliciesAdmin(OfficialAccountAdmin):
    inlines = [*OfficialAccountAdmin.inlines, OperationRulesInline, PolicyVersionInline]


admin.site.unregister(OfficialAccount)
admin.site.register(OfficialAccount, OfficialAccountWithPoliciesAdmin)
