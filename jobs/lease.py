"""A lease in the database (``JobLock``): at most one process does a named piece of work at a
time, on SQLite and PostgreSQL alike, and a holder that dies releases it by expiring."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from jobs.models import JobLock


def acquire(name: str, holder: str, duration: timedelta) -> bool:
    """Take (or renew, for the same holder) the lease ``name`` for ``duration``; False when
    another holder has it. One conditional UPDATE decides between two processes."""
    JobLock.objects.get_or_create(name=name)
    now = timezone.now()
    free = Q(locked_until__isnull=True) | Q(locked_until__lt=now) | Q(holder=holder)
    taken = (
        JobLock.objects.filter(name=name)
        .filter(free)
        .update(holder=holder, locked_until=now + duration)
    )
    return taken == 1


def release(name: str, holder: str) -> None:
    JobLock.objects.filter(name=name, holder=holder).update(holder="", locked_until=None)
