"""人事異動: the accounts whose officers left (issue 10 §4).

When a member of staff is deactivated (退職) or moves department (異動), each live account where
they are 責任者, 管理者 or 担当者 — or hold the credentials (R10) — gets one open
``OfficerChangeNeeded`` per (account, role, person). It is resolved by itself when the officer
is replaced on that account (an approved request), when the account ends, or when the person
comes back (reactivated, or back in the department they left).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import OfficerRole


class OfficerChangeNeeded(models.Model):
    class Reason(models.TextChoices):
        RETIRED = "retired", _("退職")
        MOVED = "moved", _("異動")

    class Resolution(models.TextChoices):
        REPLACED = "replaced", _("交代した")
        RETURNED = "returned", _("職員が戻った")
        ACCOUNT_ENDED = "account_ended", _("アカウントが廃止された")

    account = models.ForeignKey(
        "accounts.OfficialAccount",
        verbose_name=_("公式アカウント"),
        on_delete=models.CASCADE,
        related_name="officer_changes_needed",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("職員"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField(_("役割"), max_length=12, choices=OfficerRole.choices)
    holds_credentials = models.BooleanField(_("ログイン情報を管理している"), default=False)
    reason = models.CharField(_("理由"), max_length=10, choices=Reason.choices)
    from_department = models.ForeignKey(
        "organization.Department",
        verbose_name=_("異動前の所属"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_department = models.ForeignKey(
        "organization.Department",
        verbose_name=_("異動後の所属"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    detected_at = models.DateTimeField(_("検知日時"))
    resolved_at = models.DateTimeField(_("解消日時"), null=True, blank=True)
    resolution = models.CharField(
        _("解消の理由"), max_length=15, choices=Resolution.choices, blank=True
    )

    class Meta:
        verbose_name = _("担当者の変更が必要なアカウント")
        verbose_name_plural = _("担当者の変更が必要なアカウント")
        ordering = ["detected_at", "pk"]
        constraints = [
            # Idempotent: one open flag per officer of an account, however often a user is saved.
            models.UniqueConstraint(
                fields=["account", "user", "role"],
                condition=Q(resolved_at__isnull=True),
                name="officer_change_one_open_per_officer",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, resolution="")
                | (Q(resolved_at__isnull=False) & ~Q(resolution="")),
                name="officer_change_resolved_with_reason",
            ),
        ]
        indexes = [models.Index(fields=["resolved_at", "account"])]

    def __str__(self) -> str:
        return (
            f"{self.account}：{self.get_role_display()} {self.user}（{self.get_reason_display()}）"
        )

    @property
    def reason_text(self) -> str:
        """「異動（観光プロモーション課 → 危機管理課）」 or 「退職」."""
        if self.reason == self.Reason.MOVED:
            before = self.from_department.name if self.from_department else "—"
            after = self.to_department.name if self.to_department else "—"
            return f"{self.get_reason_display()}（{before} → {after}）"
        return str(self.get_reason_display())
