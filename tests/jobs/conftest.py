"""The job runner's tests: a real SMTP server, the database queue and its worker."""

from __future__ import annotations

import io
import signal
from unittest import mock

import pytest
from django.core.management import call_command
from django_tasks_db.management.commands import db_worker

from jobs import reminders, schedule
from tests.jobs.smtp import FakeSMTP

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def smtp(settings):
    """Mail goes to a real SMTP server on 127.0.0.1 (up; ``.down()``/``.hang()`` to break it)."""
    server = FakeSMTP()
    server.up()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 1
    yield server
    server.close()


@pytest.fixture
def db_queue(settings):
    """Tasks go to the database queue (as in production), run by ``run_worker()``."""
    settings.TASKS = DATABASE_TASKS


def run_worker() -> str:
    """One `manage.py db_worker --batch`: runs every ready task, then exits. Inside the test's
    transaction: the worker's check for stale connections is skipped (it would close the
    connection holding the transaction, as Django's test client skips it for requests)."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    out = io.StringIO()
    try:
        with mock.patch.object(db_worker, "close_old_connections", return_value=None):
            call_command(
                "db_worker",
                "--batch",
                "--no-startup-delay",
                "--no-reload",
                "--interval=0",
                verbosity=0,
                stdout=out,
            )
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    return out.getvalue()


@pytest.fixture
def only_sources(monkeypatch):
    """Replace the registered reminder sources by the test's own."""
    monkeypatch.setattr(reminders, "_SOURCES", {})

    def register(*sources: reminders.ReminderSource) -> None:
        for source in sources:
            reminders.register(source)

    return register


@pytest.fixture
def only_jobs(monkeypatch):
    """Replace the registered daily jobs by the test's own (``only_jobs(name=fn, …)``)."""
    monkeypatch.setattr(schedule, "_JOBS", {})

    def register(**functions) -> None:
        for order, (name, function) in enumerate(functions.items()):
            schedule.daily_job(name, order=order)(function)

    return register
