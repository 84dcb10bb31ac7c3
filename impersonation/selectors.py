"""Reads of the impersonation list (R17) for the public pages."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import OfficialAccount
from core.cache import per_generation
from impersonation.models import ImpersonationReport, KnownImpersonation, ReportStatus


def impersonation_warnings(account: OfficialAccount) -> list[KnownImpersonation]:
    """Current warnings about fakes of this account (R17). Few accounts have any: which ones
    is known once per generation, so the others' pages need no query for it."""
    if account.pk not in per_generation("imitated-accounts", _imitated_accounts):
        return []
    return list(account.impersonations.filter(resolved_at__isnull=True).select_related("service"))


def _imitated_accounts() -> frozenset[int]:
    return frozenset(
        KnownImpersonation.objects.filter(resolved_at__isnull=True, imitates__isnull=False)
        .values_list("imitates_id", flat=True)
        .distinct()
    )


def open_impersonations() -> QuerySet[KnownImpersonation]:
    """The public 「なりすまし注意」 list: known fakes not yet taken down (R17)."""
    return KnownImpersonation.objects.filter(resolved_at__isnull=True).select_related(
        "service", "imitates__service"
    )


def new_report_count() -> int:
    """Citizens' reports the PR division has not looked at yet."""
    return ImpersonationReport.objects.filter(status=ReportStatus.NEW).count()
