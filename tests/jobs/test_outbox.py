"""Mail that is never lost (issue 10 §6, ADR 0014): the outbox, its worker and its retries,
against a real SMTP server on 127.0.0.1 that goes down, comes back, or hangs."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from approvals import services
from approvals.models import Action, RequestKind, RequestState
from jobs import outbox
from jobs.mail import queue_mail
from jobs.models import MailStatus, OutboxMail
from jobs.outbox import flush_outbox
from tests.jobs.conftest import run_worker
from tests.workflow import CHECKLIST_ON, staff_for

pytestmark = pytest.mark.django_db


def queued(subject="お知らせ", to=("a@example.jp",), key="") -> OutboxMail:
    assert queue_mail(list(to), subject, "本文", key=key)
    return OutboxMail.objects.get(subject__endswith=subject)


def later(minutes: float):
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=False)


# --- Done means: SMTP is down during an approval ------------------------------------------------


def test_smtp_down_during_an_approval_the_decision_stands_and_the_mail_arrives_once(
    client, users, tourism_account, smtp, db_queue, django_capture_on_commit_callbacks
):
    operator, head = staff_for(tourism_account, users)
    smtp.down()
    with django_capture_on_commit_callbacks(execute=True):
        req = services.request_create(
            kind=RequestKind.CHANGE, actor=operator, account=tourism_account
        )
        data = {**req.payload, "policy-operating_hours": "毎日9時から18時まで。", **CHECKLIST_ON}
        services.request_submit(req=req, actor=operator, data=data)
        services.request_decide(req=req, actor=head, action=Action.APPROVE)
    client.force_login(users["pr"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("staff:request_decide", args=[req.pk]), {"action": "approve"}
        )

    # The approval succeeded, and nobody saw an error page.
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "承認しました。" in page.content.decode()
    req.refresh_from_db()
    assert req.state == RequestState.APPROVED

    # The worker tried each mail once: refused; each waits in the outbox with its error.
    assert DBTaskResult.objects.count() == OutboxMail.objects.count() >= 3
    run_worker()
    assert smtp.messages == []
    for mail in OutboxMail.objects.all():
        assert (mail.status, mail.attempts) == (MailStatus.PENDING, 1)
        assert "ConnectionRefusedError" in mail.last_error
        assert mail.next_attempt_at > timezone.now()

    # SMTP comes back: two flushes and two workers later, every mail arrived exactly once.
    smtp.up()
    with later(2):
        assert flush_outbox() == OutboxMail.objects.count()
        assert flush_outbox() == 0
        run_worker()
        run_worker()
    subjects = sorted(OutboxMail.objects.values_list("subject", flat=True))
    assert sorted(smtp.subjects) == subjects
    assert any("承認" in s for s in subjects)
    assert set(OutboxMail.objects.values_list("status", "attempts")) == {(MailStatus.SENT, 2)}
    to_requester = [
        s for m, s in zip(smtp.messages, smtp.subjects, strict=True) if operator.email in m["To"]
    ]
    assert any("広報課" in s and "承認しました" in s for s in to_requester)


def rolled_back() -> None:
    try:
        with transaction.atomic():
            queue_mail(["a@example.jp"], "取り消された変更", "本文")
            raise RuntimeError
    except RuntimeError:
        pass


def test_the_worker_delivers_after_the_commit_and_a_rollback_leaves_no_mail(
    smtp, db_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        queue_mail(["a@example.jp"], "届く", "本文")
    with django_capture_on_commit_callbacks(execute=True):
        rolled_back()
    run_worker()
    assert len(smtp.subjects) == 1
    assert smtp.subjects[0].endswith("届く")
    assert "取り消された変更" not in str(OutboxMail.objects.values_list("subject", flat=True))
    assert OutboxMail.objects.get().status == MailStatus.SENT


def test_mail_whose_task_was_lost_is_sent_by_the_flush(smtp):
    mail = queued("タスクなし")  # no commit in this test: the task was never enqueued
    assert flush_outbox() == 1
    mail.refresh_from_db()
    assert mail.status == MailStatus.SENT
    assert mail.sent_at is not None
    assert len(smtp.messages) == 1
    assert flush_outbox() == 0


def test_the_same_key_is_queued_once():
    assert queue_mail(["a@example.jp"], "一度だけ", "本文", key="digest:1:2026-04-01")
    assert not queue_mail(["b@example.jp"], "一度だけ", "本文", key="digest:1:2026-04-01")
    assert OutboxMail.objects.count() == 1


def test_no_address_no_mail():
    assert not queue_mail(["", ""], "宛先なし", "本文")
    assert not OutboxMail.objects.exists()


# --- Retries ------------------------------------------------------------------------------------


def test_a_hung_smtp_server_times_out_and_the_mail_is_retried(smtp, settings):
    smtp.hang()
    mail = queued("止まったサーバー")
    started = time.monotonic()
    assert not outbox.deliver(mail.pk)
    assert time.monotonic() - started < 5  # EMAIL_TIMEOUT = 1 s, not forever
    mail.refresh_from_db()
    assert mail.status == MailStatus.PENDING
    assert "timed out" in mail.last_error.lower() or "Timeout" in mail.last_error
    assert mail.claimed_until is None  # free for the next attempt


def test_the_default_smtp_timeout_is_short():
    from django.conf import settings

    from config.settings import base

    assert base.EMAIL_TIMEOUT == 10
    assert settings.EMAIL_TIMEOUT


def test_retries_back_off_1_5_15_60_minutes_then_hourly(smtp):
    smtp.down()
    mail = queued("再送")
    waits = []
    now = timezone.now()
    for _ in range(6):
        with time_machine.travel(now, tick=False):
            assert not outbox.deliver(mail.pk)
            mail.refresh_from_db()
            waits.append(round((mail.next_attempt_at - now).total_seconds() / 60))
            assert flush_outbox() == 0  # not due yet: nothing tried
            now = mail.next_attempt_at
    assert waits == [1, 5, 15, 60, 60, 60]
    assert mail.attempts == 6
    smtp.up()
    with time_machine.travel(now, tick=False):
        assert flush_outbox() == 1
    assert len(smtp.messages) == 1


def test_an_outage_over_the_new_year_holidays_loses_no_mail(smtp):
    """年末年始 (12/29–1/3): six days and more without a mail server. Three days (the old
    ``GIVE_UP_AFTER``) would have given the mail up on 1/1; it is still retried and arrives."""
    assert timedelta(days=10) == outbox.GIVE_UP_AFTER
    smtp.down()
    start = timezone.now()
    mail = queued("年末年始")
    for days in (1, 3, 6, 9):
        with time_machine.travel(start + timedelta(days=days, minutes=1), tick=False):
            assert not outbox.deliver(mail.pk)
        mail.refresh_from_db()
        assert mail.status == MailStatus.PENDING
    smtp.up()
    with time_machine.travel(start + timedelta(days=9, hours=2), tick=False):
        assert flush_outbox() == 1
    assert len(smtp.messages) == 1


def test_after_ten_days_the_mail_is_failed_and_the_sysadmin_told_once(
    users, smtp, django_capture_on_commit_callbacks
):
    smtp.down()
    mail = queued("届かない通知", to=["head@example.jp"])
    start = timezone.now()
    with time_machine.travel(start + timedelta(days=10, minutes=1), tick=False):
        assert not outbox.deliver(mail.pk)
    mail.refresh_from_db()
    assert mail.status == MailStatus.FAILED
    alert = OutboxMail.objects.exclude(pk=mail.pk).get()
    assert users["admin"].email in alert.to
    assert "届かない通知" in alert.subject
    assert "再送をあきらめました" in alert.body
    assert "10日間" in alert.body
    # The alert fails too, for ten more days: marked failed, and no mail about the mail.
    with time_machine.travel(start + timedelta(days=20, minutes=2), tick=False):
        assert flush_outbox() == 0
        assert flush_outbox() == 0
    alert.refresh_from_db()
    assert alert.status == MailStatus.FAILED
    assert OutboxMail.objects.count() == 2
    assert not outbox.due(start + timedelta(days=60)).exists()


def test_the_sysadmin_sends_failed_mail_again_from_the_admin(
    client, users, smtp, db_queue, django_capture_on_commit_callbacks
):
    """After the outage: 「選択したメールを再送する」 on the admin's outbox list puts the failed
    mail back (pending, due now) and queues it; the worker sends it. Sent mail stays sent."""
    smtp.down()
    mail = queued("あきらめたメール", to=["head@example.jp"])
    sent = queued("送れたメール")
    OutboxMail.objects.filter(pk=sent.pk).update(status=MailStatus.SENT, sent_at=timezone.now())
    start = timezone.now()
    with time_machine.travel(start + timedelta(days=10, minutes=1), tick=False):
        outbox.deliver(mail.pk)
    mail.refresh_from_db()
    assert mail.status == MailStatus.FAILED
    smtp.up()
    client.force_login(users["admin"])
    changelist = reverse("admin:jobs_outboxmail_changelist")
    assert "選択したメールを再送する" in client.get(changelist).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            changelist,
            {"action": "resend", "_selected_action": [mail.pk, sent.pk]},
            follow=True,
        )
    page = response.content.decode()
    assert "1通を送信待ちに戻しました" in page
    assert "送信済みの1通は再送しません" in page
    mail.refresh_from_db()
    assert mail.status == MailStatus.PENDING
    assert mail.next_attempt_at <= timezone.now()
    run_worker()  # the task queued by the action
    mail.refresh_from_db()
    assert mail.status == MailStatus.SENT
    assert len(smtp.messages) == 1  # the failed mail, and not the one already sent
    assert smtp.messages[0]["To"] == "head@example.jp"
    sent.refresh_from_db()
    assert sent.status == MailStatus.SENT


def test_only_the_system_administrator_may_send_mail_again(client, users):
    """The PR division's staff have no admin; a staff user with admin access but not a
    system administrator gets no resend action."""
    mail = queued("権限")
    OutboxMail.objects.filter(pk=mail.pk).update(status=MailStatus.FAILED)
    changelist = reverse("admin:jobs_outboxmail_changelist")
    client.force_login(users["pr"])
    response = client.post(changelist, {"action": "resend", "_selected_action": [mail.pk]})
    assert response.status_code in (302, 403)
    mail.refresh_from_db()
    assert mail.status == MailStatus.FAILED


# --- Exactly once ---------------------------------------------------------------------------------


def test_a_mail_being_sent_by_one_worker_is_not_sent_by_another(smtp):
    """Worker A has claimed the mail (it is talking to the SMTP server): B's flush and B's task
    leave it alone; after A's claim expires (A died), it is sent."""
    mail = queued("一人だけが送る")
    claimed = outbox._claim(mail.pk)
    assert claimed is not None
    assert outbox._claim(mail.pk) is None
    assert flush_outbox() == 0
    assert not outbox.deliver(mail.pk)
    assert smtp.messages == []
    with later(outbox.CLAIM_FOR.total_seconds() / 60 + 1):
        assert flush_outbox() == 1
    assert len(smtp.messages) == 1
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (MailStatus.SENT, 2)


def test_a_sent_mail_is_never_sent_again(smtp, db_queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queue_mail(["a@example.jp"], "一度", "本文")
    mail = OutboxMail.objects.get()
    assert outbox.deliver(mail.pk)
    assert not outbox.deliver(mail.pk)
    run_worker()  # the task enqueued at the commit finds it sent
    assert flush_outbox() == 0
    assert len(smtp.messages) == 1
