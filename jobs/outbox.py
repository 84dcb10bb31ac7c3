"""The outbox: write the row, deliver it after the commit, retry what failed (ADR 0014).

- ``enqueue`` (behind ``jobs.mail.queue_mail``) writes the row in the caller's transaction and,
  once it commits, enqueues the ``deliver_mail`` task (jobs.tasks) for the worker.
- ``deliver`` claims the row with one conditional UPDATE (pending, due, not claimed by a live
  worker), so only one worker ever sends it, then marks it sent — or records the error and
  when to try again (``BACKOFF``), and after ``GIVE_UP_AFTER`` marks it failed and tells the
  system administrators once.
- ``flush_outbox`` (every minute, from the scheduler or ``manage.py deliver_mail``) sends
  every due mail: the retries, and mail whose task was lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs.models import MailStatus, OutboxMail

logger = logging.getLogger(__name__)

# Wait after the n-th failed attempt (the last one repeats) ...
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
)
# ... until the mail is this old: then it is marked failed and the system administrators are
# told. Ten days: a mail server down over 年末年始 (12/29–1/3) or Golden Week still gets its
# mail; failed mail can be sent again from the admin (jobs.admin, ``resend``).
GIVE_UP_AFTER = timedelta(days=10)
# How long a worker may take to send one mail before another may try (well above
# EMAIL_TIMEOUT, which bounds each SMTP step).
CLAIM_FOR = timedelta(minutes=5)
# The key prefix of the administrators' "could not send" mail: never reported itself.
FAILED_KEY = "outbox-failed:"


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
    # robust: should the queue be unreachable at that moment, the committed request still
    # answers normally and flush_outbox sends the mail within a minute.
    transaction.on_commit(lambda: _enqueue_task(mail.pk), robust=True)
    return True


def _enqueue_task(mail_id: int, *, run_after: datetime | None = None) -> None:
    from jobs.tasks import deliver_mail

    task = deliver_mail
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return  # flush_outbox retries it when it is due
        task = task.using(run_after=run_after)
    task.enqueue(mail_id)


def due(now: datetime | None = None) -> QuerySet[OutboxMail]:
    """Pending mail that may be sent now: due, and not being sent by a live worker."""
    now = now or timezone.now()
    return OutboxMail.objects.filter(status=MailStatus.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
    )


def _claim(mail_id: int) -> OutboxMail | None:
    """Take the mail for this worker, or None when it is sent, not due, or someone else has it.
    One UPDATE decides: of two workers, the database lets exactly one change the row."""
    now = timezone.now()
    claimed = (
        due(now)
        .filter(pk=mail_id)
        .update(claimed_until=now + CLAIM_FOR, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    return OutboxMail.objects.get(pk=mail_id)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after ``attempts`` failed attempts: 1, 5, 15, 60 minutes, then hourly."""
    return BACKOFF[min(attempts, len(BACKOFF)) - 1]


def deliver(mail_id: int) -> bool:
    """Send one outbox mail if it is due and nobody else is sending it; True when sent now."""
    mail = _claim(mail_id)
    if mail is None:
        return False
    try:
        send_mail(mail.subject, mail.body, settings.DEFAULT_FROM_EMAIL, mail.to)
    except Exception as error:
        _failed(mail, error)
        return False
    now = timezone.now()
    OutboxMail.objects.filter(pk=mail.pk).update(
        status=MailStatus.SENT, sent_at=now, claimed_until=None, last_error=""
    )
    return True


def _failed(mail: OutboxMail, error: Exception) -> None:
    now = timezone.now()
    message = f"{type(error).__name__}: {error}"[:2000]
    if now - mail.created_at >= GIVE_UP_AFTER:
        logger.error(
            "Outbox mail %d given up after %d attempts (recipients: %d): %s",
            mail.pk,
            mail.attempts,
            len(mail.to),
            message,
            exc_info=error,
        )
        with transaction.atomic():
            OutboxMail.objects.filter(pk=mail.pk).update(
                status=MailStatus.FAILED, last_error=message, claimed_until=None
            )
            if not mail.key.startswith(FAILED_KEY):
                _tell_sysadmins(mail, message)
        return
    next_attempt_at = now + retry_delay(mail.attempts)
    logger.warning(
        "Outbox mail %d not sent (attempt %d, recipients: %d), retry at %s: %s",
        mail.pk,
        mail.attempts,
        len(mail.to),
        next_attempt_at.isoformat(),
        message,
        exc_info=error,
    )
    OutboxMail.objects.filter(pk=mail.pk).update(
        last_error=message, next_attempt_at=next_attempt_at, claimed_until=None
    )
    try:
        _enqueue_task(mail.pk, run_after=next_attempt_at)
    except Exception:  # flush_outbox retries it anyway
        logger.exception("Outbox mail %d: the retry could not be queued", mail.pk)


def _tell_sysadmins(mail: OutboxMail, message: str) -> None:
    """One mail (keyed by the failed mail) to the active system administrators. It goes
    through the same outbox; if it fails in turn it is marked failed and not reported again,
    so a dead mail server never makes a loop."""
    admins = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(role="sysadmin") | Q(is_superuser=True))
    )
    from jobs.mail import queue_mail

    queue_mail(
        [u.email for u in admins],
        _("メールを送れませんでした：%(subject)s") % {"subject": mail.subject},
        render_to_string(
            "jobs/email/mail_failed.txt",
            {"mail": mail, "error": message, "days": GIVE_UP_AFTER.days},
        ),
        key=f"{FAILED_KEY}{mail.pk}",
    )


def resend(mail_ids: Iterable[int]) -> int:
    """Send failed (or pending) mail again: pending, due now, no longer claimed, and queued for
    the worker after the commit. Sent mail is never sent twice. The number put back."""
    ids = list(
        OutboxMail.objects.filter(
            pk__in=list(mail_ids), status__in=[MailStatus.FAILED, MailStatus.PENDING]
        ).values_list("pk", flat=True)
    )
    OutboxMail.objects.filter(pk__in=ids).update(
        status=MailStatus.PENDING, next_attempt_at=timezone.now(), claimed_until=None
    )
    for mail_id in ids:
        transaction.on_commit(partial(_enqueue_task, mail_id), robust=True)
    return len(ids)


def flush_outbox() -> int:
    """Send every due pending mail; the number sent. Safe to run in several processes at once:
    each mail is claimed before it is sent."""
    sent = 0
    for mail_id in list(due().order_by("pk").values_list("pk", flat=True)):
        if deliver(mail_id):
            sent += 1
    return sent
