"""Daily jobs (ADR 0014): each app registers its own with ``@daily_job``; the scheduler and
``manage.py run_daily_jobs`` run them all, in order, for one day.

A daily job takes the day it runs for and returns a one-line summary for the record
(``JobRun``). Every job must be idempotent and catch up by itself: it works from the state of
the records on that day (what is due on or before it), never from "what happened since the
last run", so running it twice does nothing more, and running it after a week without runs
does what the week's runs would have done.

The runner (jobs.runner) runs each job in one transaction, so a job that fails leaves nothing
half done — unless the job is registered with ``atomic=False``: such a job opens its own
transactions (one per account, say), so what it finished stays when a later part fails. A job
that did part of its work and failed the rest raises ``JobFailed(summary)``: the run is
recorded as failed with that summary, and the scheduler tries again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

DailyFunction = Callable[[date], str]


@dataclass(frozen=True)
class DailyJob:
    name: str
    order: int
    function: DailyFunction
    atomic: bool = True


class JobFailed(Exception):
    """Raised by a job that could not do all of its work; ``str()`` is the summary recorded."""


_JOBS: dict[str, DailyJob] = {}


def daily_job(
    name: str, *, order: int = 50, atomic: bool = True
) -> Callable[[DailyFunction], DailyFunction]:
    """Register ``function(day) -> summary`` as the daily job ``name``. Lower ``order`` runs
    first (scheduled closures before reminders, so a closed account is not reminded of).
    ``atomic=False``: the job opens its own transactions, the runner none around it."""

    def register(function: DailyFunction) -> DailyFunction:
        _JOBS[name] = DailyJob(name, order, function, atomic)
        return function

    return register


def daily_jobs() -> list[DailyJob]:
    return sorted(_JOBS.values(), key=lambda job: (job.order, job.name))
