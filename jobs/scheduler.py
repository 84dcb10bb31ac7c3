"""``manage.py run_scheduler``: the clock of the job runner (ADR 0014).

Every minute it sends the due mail (jobs.outbox.flush_outbox). Every day from ``DAILY_JOBS_AT``
(local time, 00:05 by default: a closure scheduled for a day takes effect at the start of that
day, and the digests wait in the morning's inbox) it runs the daily jobs (jobs.runner) — and at
start-up too, so a scheduler that was down catches up when it comes back. While today's run has
not succeeded (a job failed, another process held the lease) it tries again every hour
(``RETRY_EVERY``), never in a tight loop. Two schedulers may run: each mail is claimed before it
is sent and the daily jobs take a lease in the database; the jobs are idempotent anyway.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections
from django.utils import timezone

from jobs import runner
from jobs.outbox import flush_outbox

logger = logging.getLogger(__name__)

DEFAULT_DAILY_JOBS_AT = "00:05"
# While today's daily jobs have not all succeeded, they are tried again this often.
RETRY_EVERY = timedelta(hours=1)


def daily_time() -> time:
    """``settings.DAILY_JOBS_AT`` ("HH:MM") as a time."""
    value = str(getattr(settings, "DAILY_JOBS_AT", DEFAULT_DAILY_JOBS_AT))
    try:
        return datetime.strptime(value, "%H:%M").time()  # noqa: DTZ007 — a time of day
    except ValueError as error:
        raise ImproperlyConfigured(f"DAILY_JOBS_AT must be HH:MM, not {value!r}") from error


class Scheduler:
    def __init__(self, *, at: time | None = None, report: Callable[[str], None] = logger.info):
        self.at = at or daily_time()
        self.report = report
        self.started = False
        self.checked_at: datetime | None = None  # the last look at today's run (local time)
        self.done_on: date | None = None  # the day whose run is known to have succeeded

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
        """From ``at`` (or at start-up), run today's jobs unless they succeeded; when they did
        not, look again ``RETRY_EVERY`` later."""
        today = local.date()
        catch_up = not self.started
        self.started = True
        if self.done_on == today:
            return
        if not catch_up and local.time() < self.at:
            return
        checked = self.checked_at
        if checked is not None and checked.date() == today and local - checked < RETRY_EVERY:
            return
        self.checked_at = local
        if runner.day_succeeded(today):
            self.done_on = today
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
        if all(outcome.succeeded for outcome in outcomes):
            self.done_on = today
        else:
            self.report(f"daily jobs for {today}: tried again in {RETRY_EVERY}")

    def run(self, stop: threading.Event, *, interval: float = 60.0) -> None:
        """Tick every ``interval`` seconds until ``stop`` is set (SIGTERM/SIGINT)."""
        while not stop.is_set():
            close_old_connections()  # a database restarted overnight: reconnect
            self.tick()
            stop.wait(interval)
