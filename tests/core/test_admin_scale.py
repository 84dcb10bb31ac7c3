"""The admin at 100 000 accounts (issue 12 §4): every changelist, searched or not, runs as many
queries with many accounts as with few (no query per department or row), counts only what it
shows, and the account search folds keywords like the public and staff lists."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from demo.data import seed_bulk_accounts
from organization.models import User

pytestmark = pytest.mark.django_db


def changelists() -> list[str]:
    """Every changelist of the site, and its search where it has one."""
    urls = []
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        urls.append(url)
        if model_admin.search_fields:
            urls.append(f"{url}?q={quote('観光')}")
    return urls


def query_counts(client, urls: list[str]) -> dict[str, int]:
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url] = len(ctx.captured_queries)
    return counts


def test_every_changelist_runs_as_many_queries_for_65_accounts_as_for_5(client, demo):
    client.force_login(User.objects.get(username="admin"))
    urls = changelists()
    accounts = reverse("admin:accounts_officialaccount_changelist")
    users = reverse("admin:organization_user_changelist")
    urls += [f"{accounts}?department__id__exact=13", f"{users}?department__id__exact=13"]
    seed_bulk_accounts(5)
    few = query_counts(client, urls)
    seed_bulk_accounts(60)
    many = query_counts(client, urls)
    grew = {url: (few[url], many[url]) for url in urls if few[url] != many[url]}
    assert not grew, f"queries (5 accounts, 65 accounts): {grew}"
    # The department filter names every unit by its full name without a query per unit.
    assert many[accounts] <= 10, many[accounts]
    assert many[users] <= 10, many[users]


@pytest.mark.parametrize("typed", ["観光", "かんこう", "ｶﾝｺｳ", "SAMPLE_CITY_KANKO"])
def test_the_account_search_folds_keywords_like_the_lists(client, demo, typed):
    client.force_login(User.objects.get(username="admin"))
    for name in ("officialaccount", "operationpolicy"):
        app = "accounts" if name == "officialaccount" else "policies"
        response = client.get(reverse(f"admin:{app}_{name}_changelist"), {"q": typed})
        html = response.content.decode()
        assert "サンプル市観光" in html, (name, typed)
        assert "サンプル市防災" not in html, (name, typed)


def test_the_account_changelist_counts_what_it_shows_only(client, demo):
    """No second COUNT of the whole table and no date drill-down over every account."""
    client.force_login(User.objects.get(username="admin"))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("admin:accounts_officialaccount_changelist"), {"q": "観光"})
    assert response.status_code == 200
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"]]
    assert len(counts) == 1, counts
    assert not [q for q in ctx.captured_queries if "listed_at" in q["sql"] and "MIN(" in q["sql"]]
