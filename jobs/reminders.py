"""Reminders (issue 10 §3): each app registers a source of reminder items; the daily digest
(one mail per person per day) and each person's dashboard read the same sources.

A source answers two questions: every item due for anyone on ``day`` (the digest), and the
items of one person (the dashboard). Both must agree — a test checks it for every source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class ReminderItem:
    """One thing one person must do by ``due_on`` (overdue when ``due_on`` < today)."""

    recipient_id: int
    source: str  # the source's name, e.g. "review"
    # Stable across days for the same open item ("review:account:12"): the digest remembers
    # per (recipient, key) when it last mailed it, so a late or missed run still reminds.
    key: str
    title: str  # one line, Japanese: 「観光課X：定期見直し（棚卸し）の期限」
    due_on: date
    url: str  # path of the page where it is done (reverse(...)), made absolute in mail
    # Who gets a copy in their digest (e.g. the requester of a waiting request).
    copy_to_ids: tuple[int, ...] = field(default=())


@dataclass(frozen=True)
class ReminderSource:
    name: str
    label: Any  # heading in the digest and on the dashboard (lazy Japanese string)
    everyone: Callable[[date], Iterable[ReminderItem]]
    for_user: Callable[[Any, date], Iterable[ReminderItem]]  # (organization.User, day)
    # The checklist item that switches it on (None: always on), e.g. "R12".
    switch: str | None = None
    # (user, day, limit, shared) -> the soonest ``limit`` of ``for_user`` and how many there
    # are, read without reading them all (issue 12 §4: a head over 100 000 accounts whose
    # officers do not sign in is reminded of every one). ``shared``: one dict per call, for
    # reads the sources of one app have in common. None: ``for_user`` whole, then cut.
    first_for_user: Callable[[Any, date, int, dict[str, Any]], First] | None = None


# The soonest items of one source (at most the limit asked for) and how many it has.
First = tuple[list[ReminderItem], int]

_SOURCES: dict[str, ReminderSource] = {}


def register(source: ReminderSource) -> ReminderSource:
    _SOURCES[source.name] = source
    return source


def sources() -> list[ReminderSource]:
    """The registered sources that apply in this deployment (their switch is on)."""
    from core.municipality import get_municipality

    municipality = get_municipality()
    return [s for s in _SOURCES.values() if s.switch is None or municipality.applies(s.switch)]


def items_for(user: Any, day: date) -> list[ReminderItem]:
    """Everything ``user`` must do, from every source that applies, soonest due first: the
    dashboard's list (the same items the digest mails, with their due dates)."""
    items = [item for source in sources() for item in source.for_user(user, day)]
    return sorted(items, key=_order)


def _order(item: ReminderItem) -> tuple[date, str, str]:
    return (item.due_on, item.title, item.key)


@dataclass(frozen=True)
class FirstItems:
    """The dashboard's bounded list: the soonest ``items``, ``count`` in all, per source."""

    items: list[ReminderItem]
    count: int
    counts: dict[str, int]  # source name -> how many (sources with none left out)


def first_items_for(user: Any, day: date, limit: int) -> FirstItems:
    """The first ``limit`` of ``items_for(user, day)`` (the same items, soonest due first;
    among items due the same day the sources pick by account name), and how many there are,
    from a number of queries that does not grow with the number of accounts."""
    shared: dict[str, Any] = {}
    items: list[ReminderItem] = []
    counts: dict[str, int] = {}
    for source in sources():
        if source.first_for_user is not None:
            first, count = source.first_for_user(user, day, limit, shared)
        else:
            every = sorted(source.for_user(user, day), key=_order)
            first, count = every[:limit], len(every)
        items.extend(first)
        if count:
            counts[source.name] = count
    return FirstItems(
        items=sorted(items, key=_order)[:limit], count=sum(counts.values()), counts=counts
    )


def label_of(source_name: str) -> Any:
    """The heading of a source (its name if it is not registered, or switched off)."""
    source = _SOURCES.get(source_name)
    return source.label if source is not None else source_name
