"""Writes for impersonation reports and warnings."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts import identity
from accounts.models import Service
from core import permissions
from core.errors import DomainError, NotAllowed
from impersonation.models import ImpersonationReport, KnownImpersonation, ReportStatus

REPORTS_PER_HOUR = 5


class TooManyReports(DomainError):
    message = (
        "短い時間に多くの報告を受け付けたため、一時的に受付を止めています。"
        "時間をおいてお試しください。"
    )


def _rate_key(address: str) -> str:
    # Only a keyed hash of the address, for one hour, in the cache: never stored with a report.
    digest = hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256)
    return f"report-rate:{digest.hexdigest()[:32]}"


def check_rate(address: str) -> None:
    key = _rate_key(address)
    cache.add(key, 0, 3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, 3600)
        count = 1
    if count > REPORTS_PER_HOUR:
        raise TooManyReports


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
    *, report: ImpersonationReport, actor, status: str, note: str = ""
) -> ImpersonationReport:
    if not permissions.can_manage_impersonations(actor):
        raise NotAllowed
    report = ImpersonationReport.objects.select_for_update().get(pk=report.pk)
    if report.status != ReportStatus.NEW:
        raise DomainError("この報告は既に対応済みです。")
    report.status = status
    report.handled_by = actor
    report.handled_at = timezone.now()
    report.staff_note = note.strip()
    report.save()
    return report


@transaction.atomic
def impersonation_record(*, form, actor) -> KnownImpersonation:
    if not permissions.can_manage_impersonations(actor):
        raise NotAllowed
    item = form.save(commit=False)
    item.created_by = actor
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def impersonation_resolve(*, item: KnownImpersonation, actor) -> KnownImpersonation:
    """The fake account is gone: the public warning comes down."""
    if not permissions.can_manage_impersonations(actor):
        raise NotAllowed
    item = KnownImpersonation.objects.select_for_update().get(pk=item.pk)
    if item.resolved_at is None:
        item.resolved_at = timezone.now()
        item.save()
    return item
