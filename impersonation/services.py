"""Writes for impersonation reports and warnings."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import identity
from accounts.models import Service
from core import ratelimit
from core.errors import DomainError, NotAllowed
from impersonation import permissions
from impersonation.models import ImpersonationReport, KnownImpersonation, ReportStatus

if TYPE_CHECKING:
    from impersonation.forms import KnownImpersonationForm
    from organization.models import User

REPORTS_PER_HOUR = 5


class TooManyReports(DomainError):
    message = gettext_lazy(
        "短い時間に多くの報告を受け付けたため、一時的に受付を止めています。"
        "時間をおいてお試しください。"
    )


def check_rate(address: str) -> None:
    """Count one report from ``address``, or refuse it: at most REPORTS_PER_HOUR an hour.
    Kept in the database (core/ratelimit.py), so every worker sees the same count and no cache
    eviction or Redis outage resets or breaks it; only a keyed hash of the address is kept,
    for one hour, never with the report."""
    try:
        ratelimit.hit(
            scope="report", who=address, limit=REPORTS_PER_HOUR, window=timedelta(hours=1)
        )
    except ratelimit.RateLimited as exc:
        raise TooManyReports from exc


def report_create(
    *, reported_text: str, description: str = "", contact_email: str = ""
) -> ImpersonationReport:
    """A citizen's report, with the account recognised where possible."""
    service = None
    identifier = ""
    try:
        key = identity.canonicalize(reported_text)
    except identity.IdentityError:
        key = None
    if key is not None:
        service = Service.objects.filter(slug=key.service).first()
        identifier = key.identifier
    report = ImpersonationReport(
        reported_text=reported_text.strip()[:500],
        service=service,
        identifier=identifier,
        description=description.strip(),
        contact_email=contact_email.strip(),
    )
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def report_close(
    *, report: ImpersonationReport, actor: User, status: ReportStatus, note: str = ""
) -> ImpersonationReport:
    if not permissions.can_manage_impersonations(actor):
        raise NotAllowed
    report = ImpersonationReport.objects.select_for_update().get(pk=report.pk)
    if report.status != ReportStatus.NEW:
        raise DomainError(_("この報告は既に対応済みです。"))
    report.status = status
    report.handled_by = actor
    report.handled_at = timezone.now()
    report.staff_note = note.strip()
    report.save()
    return report


@transaction.atomic
def impersonation_record(*, form: KnownImpersonationForm, actor: User) -> KnownImpersonation:
    if not permissions.can_manage_impersonations(actor):
        raise NotAllowed
    item: KnownImpersonation = form.save(commit=False)
    item.created_by = actor
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def impersonation_resolve(*, item: KnownImpersonation, actor: User) -> KnownImpersonation:
    """The fake account is gone: the public warning comes down."""
    if not permissions.can_manage_impersonations(actor):
        raise NotAllowed
    item = KnownImpersonation.objects.select_for_update().get(pk=item.pk)
    if item.resolved_at is None:
        item.resolved_at = timezone.now()
        item.save()
    return item
