"""Writes for impersonation reports and warnings."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import identity
from accounts.models import Service
from core import ratelimit
from core.errors import DomainError, NotAllowed
from core.municipality import get_municipality
from impersonation import permissions
from impersonation.models import ImpersonationReport, KnownImpersonation, ReportStatus
from jobs.mail import queue_mail

if TYPE_CHECKING:
    from impersonation.forms import KnownImpersonationForm, TakedownForm
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


@transaction.atomic
def takedown_record(
    *, item: KnownImpersonation, form: TakedownForm, actor: User
) -> KnownImpersonation:
    """The takedown request to the platform, its answer and the removal (001 §8(1), issue 10
    §2). A removed fake is no longer warned about: the public warning comes down (the record
    stays, as 「削除済み」, on the PR division's page)."""
    if not permissions.can_manage_impersonations(actor):
        raise NotAllowed
    item = KnownImpersonation.objects.select_for_update().get(pk=item.pk)
    for field in ("takedown_requested_on", "platform_answer", "platform_answered_on", "removed_on"):
        setattr(item, field, form.cleaned_data[field])
    if item.removed_on and item.resolved_at is None:
        item.resolved_at = timezone.now()
    item.full_clean()
    item.save()
    return item


def reply_draft(report: ImpersonationReport) -> str:
    """The text the reply form starts with: what became of the report, in plain words."""
    return render_to_string(
        "impersonation/report_reply_draft.txt",
        {
            "report": report,
            "municipality": get_municipality(),
            "list_url": settings.SITE_URL.rstrip("/") + reverse("public:impersonations"),
        },
    ).strip()


@transaction.atomic
def report_reply(*, report: ImpersonationReport, actor: User, text: str) -> ImpersonationReport:
    """Mail the answer to the citizen who left an address, once; the text is kept with the
    report (issue 10 §2). The address is used for this mail only and never shown publicly."""
    if not permissions.can_manage_impersonations(actor):
        raise NotAllowed
    report = ImpersonationReport.objects.select_for_update().get(pk=report.pk)
    if not report.contact_email:
        raise DomainError(_("この報告には連絡先がないため、返信できません。"))
    if report.replied_at is not None:
        raise DomainError(_("この報告には既に返信しています。"))
    text = text.replace("\r\n", "\n").strip()  # stored text uses LF (browsers send CRLF)
    if not text:
        raise DomainError(_("返信の本文を入力してください。"))
    report.reply_text = text
    report.replied_at = timezone.now()
    report.replied_by = actor
    report.full_clean()
    report.save()
    municipality = get_municipality()
    queue_mail(
        [report.contact_email],
        _("不審なアカウントのご報告について"),
        render_to_string(
            "impersonation/email/report_reply.txt",
            {"report": report, "text": text, "municipality": municipality},
        ),
        key=f"impersonation-report-reply:{report.pk}",
    )
    return report
