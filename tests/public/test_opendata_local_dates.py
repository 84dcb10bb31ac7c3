"""The open data speaks of days in Japan (TIME_ZONE), not in UTC (issue 10 review): an account
closed or listed at 06:00 JST on 4/1 — 21:00 UTC on 3/31 — was closed or listed on 4/1."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.models import AccountStatus, OfficialAccount

pytestmark = pytest.mark.django_db

EARLY_MORNING = datetime(2026, 4, 1, 6, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # 3/31 21:00 UTC


def test_the_csv_gives_the_listing_day_in_japan(client, tourism_account):
    OfficialAccount.objects.filter(pk=tourism_account.pk).update(listed_at=EARLY_MORNING)
    cache.clear()
    response = client.get(reverse("public:accounts_csv"))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    row = next(r for r in rows if r["アカウント名"] == tourism_account.display_name)
    assert row["掲載開始日"] == "2026-04-01"


def test_the_feed_gives_the_closing_day_in_japan(client, tourism_account):
    OfficialAccount.objects.filter(pk=tourism_account.pk).update(
        status=AccountStatus.CLOSED, closed_at=EARLY_MORNING
    )
    cache.clear()
    feed = client.get(reverse("public:feed")).content.decode()
    assert "2026年04月01日に廃止しました" in feed
    assert "2026年03月31日" not in feed
