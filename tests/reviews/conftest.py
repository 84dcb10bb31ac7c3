"""Fixtures of the reviews tests: a municipality with R4, R10 and R12 switched on, and
accounts whose dates the test sets (the demo is seeded at the real clock)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import OfficialAccount

DEFAULT = ["R6", "R7", "R8", "R11", "R14"]
ALL_ON = [*DEFAULT, "R4", "R10", "R12"]


@pytest.fixture
def all_on(configure):
    configure(CHECKLIST=ALL_ON)


def tokyo(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo("Asia/Tokyo"))


def set_dates(account: OfficialAccount, **fields) -> OfficialAccount:
    """Set date fields of ``account`` directly (``listed_on`` sets ``listed_at`` at 10:00)."""
    if "listed_on" in fields:
        fields["listed_at"] = tokyo(fields.pop("listed_on"))
    OfficialAccount.objects.filter(pk=account.pk).update(**fields)
    account.refresh_from_db()
    return account


@pytest.fixture
def only_tourism(demo):
    """Every demo account but the tourism one was listed today and is fresh: only the tourism
    account (whose officers are demo users) is reminded of in these tests."""
    OfficialAccount.objects.update(
        listed_at=timezone.now(),
        credentials_rotated_on=timezone.localdate(),
        last_activity_on=timezone.localdate(),
    )
