"""The outbox: write the row, deliver it after the commit, retry what failed (ADR 0014).

First version (to be replaced by the job-runner work): delivery right after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from jobs.models import MailStatus, OutboxMail

logger = logging.getLogger(__name__)


def enqueue(addresses: Iterable[str], subject: str, body: str, *, key: str = "") -> bool:
    to = sorted({a for a in addresses if a})
    if not to:
        return False
    if key and OutboxMail.objects.filter(key=key).exists():
        return False
    try:
        with transaction.atomic():
            mail = OutboxMail.objects.create(key=key, to=to, subject=subject, body=body)
    except IntegrityError:  # the same key queued at the same moment by another run
        return False
    transaction.on_commit(lambda: deliver(mail.pk))
    return True


def deliver(mail_id: int) -> None:
    mail = OutboxMail.objects.filter(pk=mail_id, status=MailStatus.PENDING).first()
    if mail is None:
        return
    mail.attempts += 1
    try:
        send_mail(mail.subject, mail.body, settings.DEFAULT_FROM_EMAIL, mail.to)
    except Exception as error:
        logger.exception("メールを送れませんでした（宛先 %d 件）：%s", len(mail.to), mail.subject)
        mail.last_error = repr(error)[:2000]
        mail.save(update_fields=["attempts", "last_error"])
        return
    mail.status = MailStatus.SENT
    mail.sent_at = timezone.now()
    mail.save(update_fields=["attempts", "status", "sent_at"])
