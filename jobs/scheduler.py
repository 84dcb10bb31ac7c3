"""``manage.py run_scheduler``: the clock of the job runner (ADR 0014).

Every minute it sends the due mail (jobs.outbox.flush_outbox); once a day, at
``DAILY_JOBS_AT`` (local time), it runs the daily jobs (jobs.runner) — and at start-up too when
today's run has not succeeded yet, so a scheduler that was down at six catches up when it comes
back. Two schedulers may run: each mail is claimed before it is sent and the daily jobs take a
lease in the database; the jobs are idempotent anyway.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, time

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections
from django.utils import timezone

from jobs import runner
from jobs.outbox import flush_outbox

logger = logging.getLogger(__name__)


def daily_time() -> time:
    """``settings.DAILY_JOBS_AT`` ("HH:MM") as a time."""
    value = str(getattr(settings, "DAILY_JOBS_AT", "06:00"))
    try:
        return datetime.strptime(value, "%H:%M").time()  # noqa: DTZ007 — a time of day
    except ValueError as error:
        raise ImproperlyConfigured(f"DAILY_JOBS_AT must be HH:MM, not {value!r}") from error


class Scheduler:
    def __init__(self, *, at: time | None = None, report: Callable[[str], None] = logger.info):
        self.at = at or daily_time()
        self.report = report
        self.started = False
        self.scheduled_on: object = None  # the day the run at ``at`` was made

    def tick(self, now: datetime | None = None) -> None:
        """One minute's work."""
        now = now or timezone.now()
        try:
            sent = flush_outbox()
            if sent:
                self.report(f"outbox: {sent} sent")
        except Exception:
            logger.exception("Flushing the outbox failed")
        try:
            self._daily(timezone.localtime(now))
        except Exception:
            logger.exception("Running the daily jobs failed")

    def _daily(self, local: datetime) -> None:
        today = local.date()
        due_now = local.time() >= self.at and self.scheduled_on != today
        catch_up = not self.started
        self.started = True
        if not (due_now or catch_up):
            return
        if due_now:
            self.scheduled_on = today
        if runner.day_succeeded(today):
            return
        try:
            outcomes = runner.run_daily_jobs(today)
        except runner.AlreadyRunning:
            self.report(f"daily jobs for {today}: another process is running them")
            return
        for outcome in outcomes:
            state = "ok" if outcome.succeeded else "FAILED"
            self.report(
                f"{today} {outcome.name}: {state} ({outcome.seconds:.1f} s) {outcome.summary}"
            )

    def run(self, stop: threading.Event, *, interval: float = 60.0) -> None:
        """Tick every ``interval`` seconds until ``stop`` is set (SIGTERM/SIGINT)."""
        while not stop.is_set():
            close_old_connections()  # a database restarted overnight: reconnect
            self.tick()
            stop.wait(interval)
