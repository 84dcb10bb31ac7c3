"""Incidents on an official account and the temporary suspension they may lead to (R18).

001 §8(2)–(4) and 002 §5 ask that an account's trouble — wrong information, a 炎上, a hijack,
an impersonation, a post against the service's terms — is dealt with, recorded, reported to
the 責任者 and the PR division, and that the account can be suspended at once with a public
notice. The log is evidence: kept, never deleted (view-only in the admin, ADR 0010).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords


class IncidentKind(models.TextChoices):
    MISINFORMATION = "misinformation", _("誤った情報の発信")
    FLAMING = "flaming", _("炎上")
    HIJACK = "hijack", _("乗っ取り・不正ログイン")
    IMPERSONATION = "impersonation", _("なりすまし")
    VIOLATION = "violation", _("規約違反の書き込み")
    # Issue 14: the service says the account is called something else than the registry
    # does, and nobody filed a change (the daily check, or the 管理者's review).
    HANDLE_CHANGED = "handle_changed", _("未申請のID変更")
    OTHER = "other", _("その他")


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("対応中")
    CLOSED = "closed", _("対応済み")


class Incident(models.Model):
    """One incident on one account: what happened, what was done, who recorded it."""

    # Not a column: set on the dashboard's incidents by incidents.selectors.dashboard_panel.
    suspend_here: bool

    account = models.ForeignKey(
        "accounts.OfficialAccount",
        verbose_name=_("公式アカウント"),
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    kind = models.CharField(_("種類"), max_length=20, choices=IncidentKind.choices)
    occurred_at = models.DateTimeField(_("発生（発覚）日時"))
    description = models.TextField(_("起きたこと"))
    actions_taken = models.TextField(_("行った対応"), blank=True)
    status = FSMField(
        _("状態"), max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    # R18 (001 §8(4)): the notice citizens were shown when this incident suspended the
    # account; kept here after the account is resumed (the account's own copy is cleared).
    suspension_notice = models.TextField(_("一時停止のお知らせ"), blank=True)
    suspended_at = models.DateTimeField(_("一時停止した日時"), null=True, blank=True)
    # Empty when the registry itself found it (the daily handle check, issue 14).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("記録した職員"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents_recorded",
    )
    # Issue 14: the identifier the service (or the reviewer) reported, for a 未申請のID変更 —
    # one incident per observed name, however many days the check sees it.
    observed_identifier = models.CharField(_("確認されたID"), max_length=255, blank=True)
    recorded_at = models.DateTimeField(_("記録日時"), default=timezone.now)
    closed_at = models.DateTimeField(_("対応済みにした日時"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("インシデント")
        verbose_name_plural = _("インシデント")
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["status", "account"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=IncidentKind.values), name="incident_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=IncidentStatus.values), name="incident_status_known"
            ),
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False)
                | (Q(status="open") & Q(closed_at__isnull=True)),
                name="incident_closed_iff_closed_at",
            ),
            models.CheckConstraint(
                condition=~Q(description=""),
                name="incident_has_description",
                violation_error_message=_("起きたことを記入してください。"),
            ),
            # Something is recorded after it happened (or was found).
            models.CheckConstraint(
                condition=Q(occurred_at__lte=F("recorded_at")),
                name="incident_occurred_before_recorded",
                violation_error_message=_("発生日時は記録する日時より前にしてください。"),
            ),
            # A suspension comes with the notice citizens read (001 §8(4)).
            models.CheckConstraint(
                condition=Q(suspended_at__isnull=True, suspension_notice="")
                | (Q(suspended_at__isnull=False) & ~Q(suspension_notice="")),
                name="incident_suspension_with_notice",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{timezone.localtime(self.occurred_at):%Y/%m/%d}）"

    @property
    def is_open(self) -> bool:
        return self.status == IncidentStatus.OPEN

    # Transitions only change this row (services lock, record and notify).
    @transition(field=status, source=IncidentStatus.OPEN, target=IncidentStatus.CLOSED)
    def close(self) -> None:
        self.closed_at = timezone.now()

    @transition(field=status, source=IncidentStatus.CLOSED, target=IncidentStatus.OPEN)
    def reopen(self) -> None:
        self.closed_at = None
