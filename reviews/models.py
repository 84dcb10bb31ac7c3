"""The periodic review of an account (棚卸し, R12) and the confirmation of who holds its
credentials (R10). One row per confirmation: the latest one says when the next is due."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.keys import AccountKey


class ReviewOutcome(models.TextChoices):
    # R12 (003 §5(9)): still used and the record is right — nothing else to do.
    CONFIRMED = "confirmed", _("引き続き使っていて、台帳の記録も正しい")
    # The record must change: the 管理者 files a change request (approvals).
    NEEDS_CHANGE = "needs_change", _("使っているが、台帳の記録に変更が必要")
    # No longer used: the 管理者 files a closure request (R13).
    NOT_USED = "not_used", _("もう使っていない（廃止する）")


class AccountReview(models.Model):
    """R12: the account's 管理者 (or 責任者) confirmed it once per review period."""

    account = models.ForeignKey(
        "accounts.OfficialAccount",
        verbose_name=_("公式アカウント"),
        on_delete=models.PROTECT,
        related_name="reviews",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("見直した職員"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_on = models.DateField(_("見直した日"))
    outcome = models.CharField(_("結果"), max_length=12, choices=ReviewOutcome.choices)
    # The last post as the reviewer confirmed it (also written to the account).
    last_activity_on = models.DateField(_("最終投稿日"), null=True, blank=True)
    # Issue 14: where the service cannot be asked automatically, the reviewer confirms the
    # account's ID (handle) is still the one the registry has. None: not asked (older rows).
    handle_unchanged = models.BooleanField(_("アカウントIDに変更がない"), null=True, blank=True)
    # What the service shows now, when the reviewer says it changed (an incident follows).
    observed_handle = models.CharField(_("サービス上の現在のID"), max_length=255, blank=True)
    note = models.TextField(_("メモ"), blank=True)
    created_at = models.DateTimeField(_("記録日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("定期見直し（棚卸し）")
        verbose_name_plural = _("定期見直し（棚卸し）")
        ordering = ["-reviewed_on", "-pk"]
        indexes = [models.Index(fields=["account", "-reviewed_on"], name="review_latest")]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=ReviewOutcome.values), name="review_outcome_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.reviewed_on} {self.get_outcome_display()}"

    @property
    def observed_handle_display(self) -> str:
        """The ID the reviewer saw, as people write it on the service ("@new_name")."""
        if not self.observed_handle:
            return ""
        return AccountKey(self.account.service.slug, self.observed_handle).display_handle

    @property
    def still_used(self) -> bool:
        return self.outcome != ReviewOutcome.NOT_USED

    @property
    def record_correct(self) -> bool:
        return self.outcome == ReviewOutcome.CONFIRMED


class CredentialCheck(models.Model):
    """R10 (000 §4(3), 001 §3(3)ウ, 003 §5(8), 002 §3(5)): who holds the credentials and when
    the password was last changed, as the 管理者 confirmed them. The password is never stored."""

    account = models.ForeignKey(
        "accounts.OfficialAccount",
        verbose_name=_("公式アカウント"),
        on_delete=models.PROTECT,
        related_name="credential_checks",
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("確認した職員"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_on = models.DateField(_("確認した日"))
    rotated_on = models.DateField(_("パスワード最終変更日"))
    # Who held the credentials, as names at the time (officers change; the record stays).
    holders = models.TextField(_("ログイン情報を管理している職員"))
    note = models.TextField(_("メモ"), blank=True)
    created_at = models.DateTimeField(_("記録日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("ログイン情報の確認")
        verbose_name_plural = _("ログイン情報の確認")
        ordering = ["-checked_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.account_id} {self.checked_on}"
