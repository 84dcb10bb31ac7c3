from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import FormerIdentifier, Officer, OfficialAccount, Service
from accounts.search import terms
from accounts.text_match import contains_term
from core.admin import LargeTableMixin, ViewOnlyAdminMixin, ViewOnlyInlineMixin
from organization.admin import DepartmentListFilter

# As the staff and public lists (staff.filters.Q_LENGTH): longer keywords are cut.
SEARCH_LENGTH = 100


class FoldedAccountSearchMixin(LargeTableMixin):
    """Issue 12 §4: the admin searches accounts (or the rows of an account) as the public and
    staff lists do: keywords folded (full/half width, kana, case, the name's reading) and
    found in ``search_text`` (name, reading, ID, service, department, purpose) through its
    trigram index on PostgreSQL — not Django's ILIKE over five columns of 100 000 rows
    (620 ms for 観光)."""

    account_path = ""  # "account__" for the rows of an account
    search_help_text = _(
        "アカウント名・よみ・ID・サービス・部署・目的で探します"
        "（全角・半角、ひらがな・カタカナの違いは区別しません）。"
    )

    def get_search_results(self, request, queryset, search_term):
        for term in terms(search_term[:SEARCH_LENGTH]):
            queryset = queryset.filter(contains_term(term, f"{self.account_path}search_text"))
        return queryset, False


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "offers_verified_badge", "is_active", "sort_order")
    list_editable = ("offers_verified_badge", "is_active", "sort_order")
    search_fields = ("name", "slug")

    def get_readonly_fields(self, request, obj=None):
        # The name is what the verifier says an account is official on ("Instagramでは公式"):
        # renaming "X" to "Instagram" would make it vouch for a handle the city does not own.
        return ("slug", "name") if obj else ()

    def has_delete_permission(self, request, obj=None) -> bool:
        # Accounts refer to services; a service is switched off, never deleted.
        return False


class OfficerInline(ViewOnlyInlineMixin, admin.TabularInline):
    model = Officer
    fields = ("role", "user", "name", "title", "holds_credentials")


class FormerIdentifierInline(ViewOnlyInlineMixin, admin.TabularInline):
    model = FormerIdentifier
    fk_name = "account"
    fields = ("service", "identifier", "used_from", "used_until", "source", "note", "recorded_by")


@admin.register(OfficialAccount)
class OfficialAccountAdmin(FoldedAccountSearchMixin, ViewOnlyAdminMixin, SimpleHistoryAdmin):
    """View-only (ADR 0010): an account changes only through a request that the department
    head and the PR division approved (R1, R2); the record is kept after closure
    (002 §3(8), 003 §5(1))."""

    list_display = (
        "display_name",
        "service",
        "identifier",
        "department",
        "status",
        "badge_status",
        "listed_at",
    )
    list_filter = (
        "status",
        "service",
        "badge_status",
        "info_class",
        ("department", DepartmentListFilter),
    )
    search_fields = ("search_text",)  # FoldedAccountSearchMixin
    list_select_related = ("service", "department__parent__parent")
    autocomplete_fields = ("department",)
    # policies.admin adds the rules and policy versions (policies sit above accounts).
    inlines: list[type[InlineModelAdmin[Any, Any]]] = [OfficerInline, FormerIdentifierInline]
    fieldsets = (
        (
            _("アカウント"),
            {
                "fields": (
                    "service",
                    "url",
                    "identifier",
                    # Issue 14: changed only by an approved change request, like the handle.
                    "platform_id",
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


@admin.register(FormerIdentifier)
class FormerIdentifierAdmin(LargeTableMixin, ViewOnlyAdminMixin, SimpleHistoryAdmin):
    """View-only (ADR 0010): the handle history is written by an approved rename, an import
    or the PR division on the staff account page (issue 14), and kept as evidence of what the
    registry vouched for when."""

    list_display = ("identifier", "service", "account", "used_from", "used_until", "source")
    list_filter = ("source", "service")
    search_fields = ("identifier", "account__display_name", "note")
    list_select_related = ("service", "account__service")
