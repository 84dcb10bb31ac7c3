"""Run the daily jobs for one day (``manage.py run_daily_jobs``, the scheduler), ADR 0014.

Each job runs in its own transaction (a job registered with ``atomic=False`` opens its own,
e.g. one per account) and leaves a ``JobRun`` (start, end, success, summary);
a job that fails is logged and recorded and the next one still runs. A lease in the database
(jobs.lease) keeps two runners (two schedulers, or cron and a scheduler) from running the
jobs at the same moment; the jobs themselves are idempotent, so running them again later the
same day, or a week late, does no harm (jobs.schedule).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from jobs import lease
from jobs.models import JobRun
from jobs.schedule import DailyJob, JobFailed, daily_jobs

logger = logging.getLogger(__name__)

LOCK = "daily-jobs"
# Renewed before each job: a job longer than this lets another runner start.
LOCK_FOR = timedelta(hours=1)


@dataclass(frozen=True)
class Outcome:
    name: str
    succeeded: bool
    summary: str
    seconds: float


class AlreadyRunning(Exception):
    """Another process holds the daily-jobs lease."""


class FutureDay(ValueError):
    """The daily jobs never run for a day after today: a closure scheduled for that day would
    take effect early, and the digest would record reminders as mailed in the future."""


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def selected(names: list[str] | None = None) -> list[DailyJob]:
    jobs = daily_jobs()
    if names:
        jobs = [job for job in jobs if job.name in names]
    return jobs


def run_daily_jobs(day: date, *, names: list[str] | None = None) -> list[Outcome]:
    """Run the registered daily jobs (or only ``names``) for ``day`` (today or a past day),
    in order."""
    if day > timezone.localdate():
        raise FutureDay(day.isoformat())
    holder = holder_name()
    if not lease.acquire(LOCK, holder, LOCK_FOR):
        raise AlreadyRunning
    try:
        outcomes = []
        for job in selected(names):
            lease.acquire(LOCK, holder, LOCK_FOR)
            outcomes.append(_run_one(job, day))
        return outcomes
    finally:
        lease.release(LOCK, holder)


def _run_one(job: DailyJob, day: date) -> Outcome:
    record = JobRun.objects.create(name=job.name, day=day, started_at=timezone.now())
    started = time.perf_counter()
    try:
        if job.atomic:
            with transaction.atomic():
                summary = str(job.function(day))
        else:
            summary = str(job.function(day))
        succeeded = True
    except JobFailed as error:  # part of the work done (and kept), the rest failed
        logger.error("Daily job %s for %s failed: %s", job.name, day.isoformat(), error)
        summary = str(error)[:2000]
        succeeded = False
    except Exception as error:
        logger.exception("Daily job %s for %s failed", job.name, day.isoformat())
        summary = f"{type(error).__name__}: {error}"[:2000]
        succeeded = False
    seconds = time.perf_counter() - started
    record.finished_at = timezone.now()
    record.succeeded = succeeded
    record.summary = summary
    record.save(update_fields=["finished_at", "succeeded", "summary"])
    return Outcome(job.name, succeeded, summary, seconds)


def day_succeeded(day: date) -> bool:
    """Has every registered daily job a successful run for ``day``?"""
    names = {job.name for job in daily_jobs()}
    done = set(
        JobRun.objects.filter(day=day, succeeded=True, name__in=names).values_list(
            "name", flat=True
        )
    )
    return names <= done
