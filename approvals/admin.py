from django.contrib import admin

from approvals.models import ApprovalRequest, Decision, OfficerReplacement
from core.admin import LargeTableMixin, ViewOnlyAdminMixin, ViewOnlyInlineMixin


class DecisionInline(ViewOnlyInlineMixin, admin.TabularInline):
    model = Decision
    fields = ("created_at", "round", "step", "action", "actor", "comment")


class ReadOnlyAdmin(LargeTableMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    """The workflow's record: changed only through the workflow, never deleted (ADR 0010)."""


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnlyAdmin):
    """Read-only: requests change only through the workflow, and their record is kept."""

    list_display = ("pk", "kind", "title", "department", "requester", "state", "updated_at")
    list_filter = ("kind", "state")
    search_fields = ("title", "requester__username", "requester__last_name", "department__name")
    list_select_related = ("department__parent__parent", "requester")
    inlines = [DecisionInline]
    readonly_fields = (
        "kind",
        "state",
        "account",
        "department",
        "requester",
        "title",
        "payload",
        "round",
        "submitted_at",
        "decided_at",
        "created_at",
        "updated_at",
    )


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "request", "step", "action", "actor")
    list_filter = ("step", "action")
    search_fields = ("request__title", "actor__username", "comment")
    list_select_related = ("request", "actor")


@admin.register(OfficerReplacement)
class OfficerReplacementAdmin(ReadOnlyAdmin):
    """The officers a bulk change (人事異動) replaced: part of the request's record."""

    list_display = ("request", "account", "role", "old_user", "old_name", "new_user", "outcome")
    list_filter = ("role", "outcome")
    search_fields = ("request__title", "account__display_name", "old_name", "new_name")
    list_select_related = ("request", "account__service", "old_user", "new_user")
