"""After a commit that changed what citizens see, ``public_changed`` is sent once (issue 12).

``core.cache.bump()`` runs inside the writing transaction and registers ``_send`` to run after
the commit. One approval saves several models, so several bumps share one commit: ``_send``
compares the generation now committed with the one this process last announced, and only
the first of them sends. Receivers (the ``public`` app's refresh task: the open-data files
and the hot pages) therefore run once per change, and never for a rolled-back one.

``core`` names no app above it (ADR 0013): the ``public`` app connects its receiver in
``AppConfig.ready``.
"""

from __future__ import annotations

import threading

from django.db import transaction
from django.dispatch import Signal

# Sent with ``generation=`` (core.cache.current() right after the commit).
public_changed = Signal()

_lock = threading.Lock()
_last_announced: dict[str, int] = {}


def announce_after_commit() -> None:
    """Send ``public_changed`` after the current transaction commits (now, in autocommit)."""
    transaction.on_commit(_send, robust=True)


def _send() -> None:
    from core.cache import current  # core.cache imports this module

    generation = current()
    with _lock:
        if _last_announced.get("generation") == generation:
            return  # another change of the same commit has announced it
        _last_announced["generation"] = generation
    public_changed.send(sender=None, generation=generation)
