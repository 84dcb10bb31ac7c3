"""How the accounts a city already ran got into the registry (issue 11 §1).

An ``AccountImport`` is one file imported by the PR division; an ``ImportedAccount`` is the
migration approval of one account in it: R1/R2 (the department head's approval and the PR
division's consent, 000 §4(1), 001 §3) were given on paper before the registry existed, so
the record says who imported it, when, from which file and which row, instead of two
decisions. Neither is ever edited or deleted through the application.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccountImport(models.Model):
    file_name = models.CharField(_("ファイル名"), max_length=255)
    # The same file imported twice is recognised by its content, whatever its name.
    file_sha256 = models.CharField(_("ファイルのSHA-256"), max_length=64, db_index=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("取り込んだ職員"),
        null=True,  # the command line (``manage.py import_accounts``) may run without a user
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("取り込み日時"), default=timezone.now)
    row_count = models.PositiveIntegerField(_("行数"), default=0)
    created_count = models.PositiveIntegerField(_("登録した件数"), default=0)

    class Meta:
        verbose_name = _("既存アカウントの取り込み")
        verbose_name_plural = _("既存アカウントの取り込み")
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.imported_at:%Y-%m-%d %H:%M}）"


class ImportedAccount(models.Model):
    """The migration approval of one account: 「台帳の導入前に承認済み」 (R1, R2)."""

    account = models.OneToOneField(
        "accounts.OfficialAccount",
        verbose_name=_("公式アカウント"),
        on_delete=models.PROTECT,
        related_name="migration",
    )
    batch = models.ForeignKey(
        AccountImport,
        verbose_name=_("取り込み"),
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    line = models.PositiveIntegerField(_("ファイルの行番号"))

    class Meta:
        verbose_name = _("移行による登録")
        verbose_name_plural = _("移行による登録")
        ordering = ["batch", "line"]

    def __str__(self) -> str:
        return f"{self.batch.file_name} {self.line}"
