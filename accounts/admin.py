from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.forms import OfficialAccountAdminForm
from accounts.models import Officer, OfficialAccount, Service
from policies.models import OperationPolicy, OperationRules


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "offers_verified_badge", "is_active", "sort_order")
    list_editable = ("offers_verified_badge", "is_active", "sort_order")
    search_fields = ("name", "slug")

    def has_delete_permission(self, request, obj=None) -> bool:
        # Accounts refer to services; a service is switched off, never deleted.
        return False


class OfficerInline(admin.TabularInline):
    model = Officer
    extra = 0
    fields = ("role", "user", "name", "title", "holds_credentials")
    autocomplete_fields = ("user",)


class OperationRulesInline(admin.StackedInline):
    model = OperationRules
    extra = 0
    can_delete = False


class PolicyVersionInline(admin.TabularInline):
    """Versions are listed here; they are edited on their own page (published ones never)."""

    model = OperationPolicy
    extra = 0
    fields = ("version", "status", "published_at", "created_by")
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    ordering = ("-version",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OfficialAccount)
class OfficialAccountAdmin(SimpleHistoryAdmin):
    form = OfficialAccountAdminForm
    list_display = (
        "display_name",
        "service",
        "identifier",
        "department",
        "status",
        "badge_status",
        "listed_at",
    )
    list_filter = ("status", "service", "badge_status", "info_class", "department")
    search_fields = ("display_name", "identifier", "url", "department__name", "purpose")
    list_select_related = ("service", "department__parent__parent")
    autocomplete_fields = ("department",)
    date_hierarchy = "listed_at"
    readonly_fields = ("identifier", "status", "listed_at", "closed_at", "created_at", "updated_at")
    inlines = [OfficerInline, OperationRulesInline, PolicyVersionInline]
    fieldsets = (
        (
            _("アカウント"),
            {
                "fields": (
                    "service",
                    "url",
                    "identifier",
                    "display_name",
                    "department",
                    "purpose",
                    "registration_email",
                    "badge_status",
                )
            },
        ),
        (_("運用の委託（R14）"), {"fields": ("contractor_name", "contract_start", "contract_end")}),
        (_("情報の取扱い（R15）"), {"fields": ("info_class", "info_class_justification")}),
        (
            _("管理（R10・R12）"),
            {"fields": ("credentials_rotated_on", "last_activity_on", "suspension_notice")},
        ),
        (_("状態"), {"fields": ("status", "listed_at", "closed_at", "created_at", "updated_at")}),
    )

    def has_delete_permission(self, request, obj=None) -> bool:
        # The record is kept after closure (002 §3(8), 003 §5(1)).
        return False
