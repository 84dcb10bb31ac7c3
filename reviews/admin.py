from django.contrib import admin

from core.admin import LargeTableMixin, ViewOnlyAdminMixin
from reviews.models import AccountReview, CredentialCheck


@admin.register(AccountReview)
class AccountReviewAdmin(LargeTableMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: reviews are recorded by the account's 管理者 on the staff pages (ADR 0010)."""

    list_display = ("account", "reviewed_on", "outcome", "reviewed_by", "last_activity_on")
    list_filter = ("outcome",)
    search_fields = ("account__display_name", "reviewed_by__username", "note")
    list_select_related = ("account__service", "reviewed_by")


@admin.register(CredentialCheck)
class CredentialCheckAdmin(LargeTableMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: confirmed by the account's 管理者 on the staff pages (R10, ADR 0010)."""

    list_display = ("account", "checked_on", "rotated_on", "checked_by")
    search_fields = ("account__display_name", "checked_by__username", "holders")
    list_select_related = ("account__service", "checked_by")
