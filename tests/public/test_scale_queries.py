"""Issue 12 §4: every public page and API read costs the same number of queries with the demo's
dozen accounts as with many more (listed, closed, searched for, deep in the list)."""

from __future__ import annotations

import io

from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AccountStatus, OfficialAccount

URLS = [
    "/",
    "/?page=2",
    "/?q=観光",
    "/?q=かんこう",
    "/?q=観",
    "/?q=sample",
    "/?q=観光&page=2",
    "/closed/",
    "/impersonations/",
    "/verify/?q=観光",  # a name: the suggestions
    "/verify/?q=@sample_city_kanko",
    "/feed/",
    "/api/v1/accounts/",
    "/api/v1/accounts/?q=観光",
    "/api/v1/accounts/?page=2",
    "/api/v1/verify/?q=観光",
]


def _queries(client, url: str) -> int:
    cache.clear()  # a miss, with the count and the filter choices computed again
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def _grow(count: int) -> None:
    """``count`` more listed accounts, a third of them then closed (the closed page, the
    feed's closures)."""
    call_command("seed_demo", accounts=count, stdout=io.StringIO())
    newest = OfficialAccount.objects.filter(status=AccountStatus.LISTED).order_by("-pk")
    closing = list(newest.values_list("pk", flat=True)[: count // 3])
    OfficialAccount.objects.filter(pk__in=closing).update(
        status=AccountStatus.CLOSED, closed_at=timezone.now()
    )


def test_no_public_read_costs_more_queries_with_more_accounts(demo, client):
    # Enough for a second page of the list, of a search and of the API from the start.
    _grow(120)
    some = {url: _queries(client, url) for url in URLS}
    _grow(240)
    many = {url: _queries(client, url) for url in URLS}
    assert many == some
    # The feed is an open-data file now (public/files.py): built once per change, however many.
    pages = {url: n for url, n in many.items() if url != "/feed/"}
    assert max(pages.values()) <= 8, pages
