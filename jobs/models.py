"""What the job runner keeps: every mail to be sent (the outbox) and every daily run (ADR 0014).

A mail is a row written in the same transaction as the change it reports, so a committed
approval always has its mail and a rolled-back one never does; delivery happens afterwards,
in the worker, and is retried until the SMTP server takes it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MailStatus(models.TextChoices):
    PENDING = "pending", _("送信待ち")
    SENT = "sent", _("送信済み")
    FAILED = "failed", _("送信できず（再送をあきらめた）")


class OutboxMail(models.Model):
    """One mail to send (jobs.mail.queue_mail), kept after it is sent as the record of it."""

    # Deduplication: a mail with the same non-empty key is queued once (the daily digest
    # "digest:<user>:<date>", so a second run of the day sends nothing).
    key = models.CharField(_("重複防止キー"), max_length=200, blank=True)
    to = models.JSONField(_("宛先"), default=list)
    subject = models.CharField(_("件名"), max_length=500)
    body = models.TextField(_("本文"))
    status = models.CharField(
        _("状態"), max_length=10, choices=MailStatus.choices, default=MailStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("送信を試みた回数"), default=0)
    last_error = models.TextField(_("最後のエラー"), blank=True)
    next_attempt_at = models.DateTimeField(_("次に送る日時"), null=True, blank=True)
    # While a worker is sending it (jobs.outbox.deliver claims the row with a conditional
    # UPDATE): nobody else may, so two workers never send it twice. A worker that dies
    # mid-send leaves a claim that expires, and the mail is sent again later.
    claimed_until = models.DateTimeField(_("送信中（期限）"), null=True, blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    sent_at = models.DateTimeField(_("送信日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("送信メール")
        verbose_name_plural = _("送信メール")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=~Q(key=""), name="outboxmail_unique_key"
            ),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False)
                | (~Q(status="sent") & Q(sent_at__isnull=True)),
                name="outboxmail_sent_iff_sent_at",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return self.subject


class JobRun(models.Model):
    """One run of one daily job (jobs.schedule) for one day: the record that it ran, how long
    it took and what it did."""

    name = models.CharField(_("処理"), max_length=50)
    day = models.DateField(_("対象日"))
    started_at = models.DateTimeField(_("開始"))
    finished_at = models.DateTimeField(_("終了"), null=True, blank=True)
    succeeded = models.BooleanField(_("成功"), default=False)
    summary = models.TextField(_("結果"), blank=True)

    class Meta:
        verbose_name = _("定期処理の実行")
        verbose_name_plural = _("定期処理の実行")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["name", "day"], name="jobrun_name_day")]

    def __str__(self) -> str:
        return f"{self.name} {self.day}"


class ReminderMailed(models.Model):
    """When one reminder item (jobs.reminders, by its stable key) was last in one person's
    digest: the digest mails it again only after ``repeat_days`` (never a flood), and a late
    or missed run still mails it (never forgotten)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, verbose_name=_("宛先")
    )
    key = models.CharField(_("催促の項目"), max_length=200)
    mailed_on = models.DateField(_("最後に送った日"))

    class Meta:
        verbose_name = _("催促の送信記録")
        verbose_name_plural = _("催促の送信記録")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="remindermailed_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.mailed_on}"


class JobLock(models.Model):
    """A lease held by whoever runs the daily jobs (jobs.runner): two schedulers, or a cron
    line and a scheduler, never run them at the same moment. Expires by itself if its holder
    dies."""

    name = models.CharField(_("名前"), max_length=50, unique=True)
    holder = models.CharField(_("実行中のプロセス"), max_length=100, blank=True)
    locked_until = models.DateTimeField(_("期限"), null=True, blank=True)

    class Meta:
        verbose_name = _("定期処理の実行権")
        verbose_name_plural = _("定期処理の実行権")

    def __str__(self) -> str:
        return self.name
