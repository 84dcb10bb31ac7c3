"""Tasks the worker runs (django-tasks; ``manage.py db_worker`` with django-tasks-db, ADR 0014).

Django 6 has the same API in ``django.tasks``: upgrading is ``from django.tasks import task``
here and ``TASKS`` pointing at the database backend.
"""

from __future__ import annotations

from django_tasks import task

from jobs import outbox


@task()
def deliver_mail(mail_id: int) -> bool:
    """Send one outbox mail (jobs.outbox.deliver): True when this run sent it. Enqueued
    after the commit that wrote the mail, and again for each retry."""
    return outbox.deliver(mail_id)
