"""Two workers and two flushes at the same moment, each in its own thread and connection
(PostgreSQL): every mail reaches the SMTP server exactly once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker

from jobs.mail import queue_mail
from jobs.models import MailStatus, OutboxMail
from jobs.outbox import _enqueue_task, flush_outbox

MAILS = 12

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'",
        reason="needs PostgreSQL: SQLite serialises writers, so the claims cannot collide",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_workers_and_two_flushes_at_once_send_each_mail_exactly_once(smtp, db_queue):
    for n in range(MAILS):
        queue_mail([f"person{n}@example.jp"], f"同時{n}", "本文")
    for pk in OutboxMail.objects.values_list("pk", flat=True):
        _enqueue_task(pk)  # as the commit would, so the workers have a task per mail
    smtp.delay = 0.05  # each send takes a moment: the claims overlap
    connection.close()
    barrier = threading.Barrier(4, timeout=30)
    errors: list[BaseException] = []

    def flush() -> None:
        try:
            barrier.wait()
            flush_outbox()
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    def work(worker_id: str) -> None:
        try:
            barrier.wait()
            Worker(
                queue_names=["default"],
                interval=0,
                batch=True,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id=worker_id,
                excluded_queue_names=[],
            ).run()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=flush),
        threading.Thread(target=flush),
        threading.Thread(target=work, args=("worker-a",)),
        threading.Thread(target=work, args=("worker-b",)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert sorted(smtp.subjects) == sorted(OutboxMail.objects.values_list("subject", flat=True))
    assert len(smtp.messages) == MAILS
    assert set(OutboxMail.objects.values_list("status", "attempts")) == {(MailStatus.SENT, 1)}
