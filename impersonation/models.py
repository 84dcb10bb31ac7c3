"""Known impersonations and citizens' reports (R17: 001 §8(1), 002 §5(1)).

A citizen's report stores only what the citizen chose to give (the account, what they saw,
and — if they want an answer — a contact address). Nothing about the sender's connection is
stored; the rate limit works on a salted hash kept in the cache for an hour.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_no_shortener


class KnownImpersonation(models.Model):
    """A fake account the PR division has confirmed; shown publicly as a warning."""

    service = models.ForeignKey(
        "accounts.Service", verbose_name=_("サービス"), on_delete=models.PROTECT
    )
    identifier = models.CharField(_("アカウントID"), max_length=255)
    url = models.URLField(_("URL"), max_length=500, validators=[validate_no_shortener])
    display_name = models.CharField(_("表示されている名前"), max_length=200, blank=True)
    warning = models.TextField(
        _("公開する注意文"),
        help_text=_(
            "市民向けの注意文（「公式ではありません」は自動で表示します）。"
            "例：市のロゴを使い、給付金の申請をDMで受け付けると書いています。"
        ),
    )
    imitates = models.ForeignKey(
        "accounts.OfficialAccount",
        verbose_name=_("なりすまされている公式アカウント"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="impersonations",
    )
    found_on = models.DateField(_("確認した日"), default=timezone.localdate)
    takedown_requested_on = models.DateField(
        _("運営者へ削除を依頼した日"), null=True, blank=True
    )  # 001 §8(1)
    # The follow-up of the takedown request (issue 10 §2): what the platform answered, and
    # when the fake was removed — which takes the public warning down (``resolved_at``).
    platform_answer = models.TextField(_("運営者からの回答"), blank=True)
    platform_answered_on = models.DateField(_("運営者から回答があった日"), null=True, blank=True)
    removed_on = models.DateField(_("運営者が削除した日"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("解消した日時"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登録した職員"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("なりすましアカウント")
        verbose_name_plural = _("なりすましアカウント")
        ordering = ["-found_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "identifier"],
                condition=Q(resolved_at__isnull=True),
                name="impersonation_unique_active_key",
                violation_error_message=_("このアカウントは既になりすましとして登録されています。"),
            ),
            # A removed fake is no longer warned about (issue 10 §2).
            models.CheckConstraint(
                condition=Q(removed_on__isnull=True) | Q(resolved_at__isnull=False),
                name="impersonation_removed_is_resolved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service.name} {self.identifier}"

    @property
    def display_handle(self) -> str:
        """How people write the fake's ID (@…), as on every other page."""
        from accounts.identity import AccountKey

        return AccountKey(self.service.slug, self.identifier).display_handle

    @property
    def is_active(self) -> bool:
        return self.resolved_at is None

    @property
    def takedown_stage(self) -> str:
        """Where the takedown request stands, in a word for the staff list."""
        if self.removed_on:
            return str(_("削除済み"))
        if self.platform_answered_on or self.platform_answer:
            return str(_("運営者が回答"))
        if self.takedown_requested_on:
            return str(_("削除を依頼中"))
        return str(_("削除依頼前"))


class ReportStatus(models.TextChoices):
    NEW = "new", _("未確認")
    CONFIRMED = "confirmed", _("なりすましと確認")
    DISMISSED = "dismissed", _("問題なし・対応不要")


class ImpersonationReport(models.Model):
    """「不審なアカウントを見つけた」 — a citizen's report, waiting in the PR division's queue."""

    reported_text = models.CharField(_("報告されたURL・ID"), max_length=500)
    service = models.ForeignKey(
        "accounts.Service",
        verbose_name=_("サービス"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    identifier = models.CharField(_("アカウントID"), max_length=255, blank=True)
    description = models.TextField(_("気づいたこと"), blank=True)
    contact_email = models.EmailField(_("連絡先（任意）"), blank=True)
    status = models.CharField(
        _("状態"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.NEW
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("対応した職員"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("対応日時"), null=True, blank=True)
    staff_note = models.TextField(_("対応メモ（内部）"), blank=True)
    # The answer mailed to the citizen who left an address (issue 10 §2); the address is
    # never shown publicly.
    reply_text = models.TextField(_("市民への返信"), blank=True)
    replied_at = models.DateTimeField(_("返信日時"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("返信した職員"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("受付日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("なりすましの報告")
        verbose_name_plural = _("なりすましの報告")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="new", handled_at__isnull=True)
                | (~Q(status="new") & Q(handled_at__isnull=False)),
                name="report_handled_iff_not_new",
            ),
            models.CheckConstraint(
                condition=Q(replied_at__isnull=True, reply_text="")
                | (Q(replied_at__isnull=False) & ~Q(reply_text="") & ~Q(contact_email="")),
                name="report_reply_has_text_and_address",
            ),
        ]

    def __str__(self) -> str:
        return self.reported_text
