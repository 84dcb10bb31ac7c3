"""The reminder digest (issue 10 §3): one mail per person per day with everything due.

From every reminder source (jobs.reminders) the items due on or before the day, to their
recipient and to whoever gets a copy. An item goes into a person's digest when it is due and
was not in their digest in the last ``repeat_days`` days (``ReminderMailed``): never a flood,
and a run that comes late, or after a week without runs, still reminds. The mail's key
(``digest:<user>:<day>``) makes a second run of the same day send nothing. Inactive people and
people without an address get nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from core.municipality import get_municipality
from jobs import reminders
from jobs.mail import queue_mail
from jobs.models import ReminderMailed
from jobs.schedule import daily_job

CHUNK = 500  # ids per query (SQLite's limit on parameters)


@dataclass(frozen=True)
class Entry:
    item: reminders.ReminderItem
    copy: bool  # the person gets it as a copy (e.g. the requester of a waiting request)


def due_by_person(day: date) -> dict[int, list[Entry]]:
    """Every due item, per person (recipient and copies), one entry per item key."""
    per_person: dict[int, dict[str, Entry]] = defaultdict(dict)
    for source in reminders.sources():
        for item in source.everyone(day):
            if item.due_on > day:
                continue
            per_person[item.recipient_id].setdefault(item.key, Entry(item, copy=False))
            for user_id in item.copy_to_ids:
                if user_id != item.recipient_id:
                    per_person[user_id].setdefault(item.key, Entry(item, copy=True))
    return {user_id: list(entries.values()) for user_id, entries in per_person.items()}


def _reachable_people(ids: list[int]) -> dict[int, Any]:
    people: dict[int, Any] = {}
    model = get_user_model()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for user in model.objects.filter(pk__in=chunk, is_active=True).exclude(email=""):
            people[user.pk] = user
    return people


def _groups(entries: list[Entry], day: date) -> list[dict[str, Any]]:
    by_source: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_source[entry.item.source].append(entry)
    order = [source.name for source in reminders.sources()]
    site = settings.SITE_URL.rstrip("/")
    groups = []
    for name in sorted(by_source, key=lambda n: order.index(n) if n in order else len(order)):
        rows = sorted(by_source[name], key=lambda e: (e.item.due_on, e.item.title))
        groups.append(
            {
                "label": reminders.label_of(name),
                "entries": [
                    {
                        "title": e.item.title,
                        "due_on": e.item.due_on,
                        "overdue": e.item.due_on < day,
                        "copy": e.copy,
                        "link": site + e.item.url if e.item.url.startswith("/") else e.item.url,
                    }
                    for e in rows
                ],
            }
        )
    return groups


@daily_job("reminder_digest", order=90)
def send_digests(day: date) -> str:
    """One digest mail per person with the items due and not mailed to them recently."""
    repeat = get_municipality().intervals.repeat_days
    per_person = due_by_person(day)
    people = _reachable_people(sorted(per_person))
    # Mailed within the last ``repeat`` days (a run for an earlier day counts later ones too).
    recent = set(
        ReminderMailed.objects.filter(mailed_on__gt=day - timedelta(days=repeat)).values_list(
            "recipient_id", "key"
        )
    )
    dashboard = settings.SITE_URL.rstrip("/") + reverse("staff:dashboard")
    mails = items = 0
    mailed: list[ReminderMailed] = []
    for user_id, user in people.items():
        entries = [e for e in per_person[user_id] if (user_id, e.item.key) not in recent]
        if not entries:
            continue
        body = render_to_string(
            "jobs/email/digest.txt",
            {
                "user": user,
                "day": day,
                "groups": _groups(entries, day),
                "count": len(entries),
                "dashboard": dashboard,
                "repeat_days": repeat,
            },
        )
        subject = _("対応が必要なことが%(count)d件あります（%(date)s）") % {
            "count": len(entries),
            "date": f"{day.month}/{day.day}",
        }
        if not queue_mail([user.email], subject, body, key=f"digest:{user_id}:{day.isoformat()}"):
            continue  # already mailed today
        mails += 1
        items += len(entries)
        mailed += [
            ReminderMailed(recipient_id=user_id, key=e.item.key, mailed_on=day) for e in entries
        ]
    ReminderMailed.objects.bulk_create(
        mailed,
        batch_size=CHUNK,
        update_conflicts=True,
        unique_fields=["recipient", "key"],
        update_fields=["mailed_on"],
    )
    return _("まとめメール%(mails)d通（催促%(items)d件、対象%(people)d人）") % {
        "mails": mails,
        "items": items,
        "people": len(people),
    }
