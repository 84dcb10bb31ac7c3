"""Reads of the impersonation list (R17) for the public pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import OfficialAccount
from core.cache import per_generation
from core.municipality import get_municipality
from core.workdays import add_working_days
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


@dataclass(frozen=True)
class WaitingReport:
    report: ImpersonationReport
    due_on: date  # ``report_working_days`` working days after it arrived


def report_due_on(report: ImpersonationReport) -> date:
    """When a citizen's report should have been handled: ``report_working_days`` working days
    (core.workdays: Monday–Friday, not holidays nor 12/29–1/3) after the day it arrived."""
    received = timezone.localdate(report.created_at)
    return add_working_days(received, get_municipality().intervals.report_working_days)


def overdue_reports(day: date) -> list[WaitingReport]:
    """Reports still unhandled whose due day has come by ``day`` (issue 10 §2), oldest first.

    Only unhandled reports are read (few: the queue is worked daily), so the working days are
    counted in Python."""
    waiting = [
        WaitingReport(report, report_due_on(report))
        for report in ImpersonationReport.objects.filter(status=ReportStatus.NEW)
        .select_related("service")
        .order_by("created_at", "pk")
    ]
    return [w for w in waiting if w.due_on <= day]
