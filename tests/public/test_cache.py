"""The public cache (core/cache.py, ADR 0006 and 0008) on a shared cache — the real Redis of
production — and when the cache fails.

The rest of the suite runs on the default per-process cache, where the generation is read from
the database; here the generation is a token in Redis, advanced after each commit. Either way a
closure is never followed by a stale "official" answer (R5: the list is what citizens trust).
"""

from __future__ import annotations

import logging
import re
import uuid

import pytest
import redis
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from accounts.models import OfficialAccount
from core import cache as public_cache
from tests.workflow import close_account

REDIS_URL = "redis://127.0.0.1:6379/15"
DOWN_URL = "redis://127.0.0.1:1/0"  # nothing listens there


def redis_cache(location: str, **options) -> dict:
    """CACHES as production has them with CACHE_URL=redis://… (config/settings/base.py)."""
    return {"default": {"BACKEND": "core.redis_cache.RedisCache", "LOCATION": location, **options}}


def _redis_up() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def shared_cache(settings):
    """Django's Redis cache under a key prefix of this test's own (deleted afterwards)."""
    if not _redis_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379 (the CI machine has it)")
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = redis_cache(REDIS_URL, KEY_PREFIX=prefix)
    assert public_cache.shared()
    yield
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what a block registers with ``on_commit`` as its commit would."""

    def block():
        # What the test set up counts as committed before the block (under pytest-django the
        # test's own transaction never commits, so its callbacks would still be pending).
        for _savepoints, callback, _robust in connection.run_on_commit:
            callback()
        connection.run_on_commit.clear()
        return django_capture_on_commit_callbacks(execute=True)

    return block


def test_a_hit_on_a_shared_cache_costs_no_query(
    client, shared_cache, tourism_account, django_assert_num_queries
):
    url = reverse("public:account_detail", args=[tourism_account.pk])
    assert client.get(url)["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        response = client.get(url)
    assert response["X-Cache"] == "hit"
    assert tourism_account.display_name in response.content.decode()


def test_a_closure_is_never_followed_by_a_stale_official_answer_on_a_shared_cache(
    client, shared_cache, committed, users, tourism_account
):
    url = "/api/v1/verify/?q=https://www.instagram.com/sample_city_kanko/"
    assert client.get(url).json()["verdict"] == "official"
    assert client.get(url)["X-Cache"] == "hit"
    with committed():
        close_account(tourism_account, users)
    response = client.get(url)
    assert response["X-Cache"] == "miss"
    assert response.json()["verdict"] == "closed"


def test_the_token_advances_only_when_the_change_is_committed(
    client, shared_cache, committed, tourism_account
):
    """Until the commit, readers keep the old token (they still read the old data); after
    it, one advance, however many rows the transaction changed."""
    url = reverse("public:account_list")
    client.get(url)
    with committed() as callbacks:
        before = public_cache.current()
        tourism_account.purpose = "観光情報の発信（改訂）"
        tourism_account.save()
        tourism_account.save()
        assert public_cache.current() == before  # not yet committed
    assert len(callbacks) == 1
    assert public_cache.current() != before
    assert client.get(url)["X-Cache"] == "miss"


def test_an_evicted_token_makes_every_page_a_miss(client, shared_cache, tourism_account):
    url = reverse("public:account_detail", args=[tourism_account.pk])
    client.get(url)
    assert client.get(url)["X-Cache"] == "hit"
    cache.delete(public_cache.GENERATION_KEY)  # Redis evicted it, or someone flushed it
    assert client.get(url)["X-Cache"] == "miss"
    assert client.get(url)["X-Cache"] == "hit"


def test_the_list_count_follows_a_closure(client, shared_cache, committed, users, demo):
    """The count of the list is computed once per generation, and recomputed after one."""

    def count(response) -> str:
        return re.search(r'aria-live="polite">(\d+)件', response.content.decode()).group(1)

    listed = OfficialAccount.objects.filter(status__in=["listed", "suspended"]).count()
    assert count(client.get("/")) == str(listed)
    assert count(client.get("/?page=1")) == str(listed)  # another URL, the same count
    account = OfficialAccount.objects.get(service__slug="instagram", identifier="sample_city_kanko")
    with committed():
        close_account(account, users)
    assert count(client.get("/")) == str(listed - 1)


def test_a_new_configuration_never_serves_pages_rendered_under_the_old_one(
    client, shared_cache, configure, tourism_account
):
    url = reverse("public:account_detail", args=[tourism_account.pk])
    assert "サンプル市" in client.get(url).content.decode()
    configure(NAME="見本町")  # a restart with a new name; Redis still holds the old pages
    response = client.get(url)
    assert response["X-Cache"] == "miss"
    assert "見本町" in response.content.decode()


def test_a_staff_page_is_never_answered_from_the_cache(client, shared_cache, demo):
    """Only views marked ``cached_public`` are looked up: even an entry planted under a staff
    path's key is never served."""
    from django.test import RequestFactory

    request = RequestFactory().get("/staff/")
    key = public_cache.page_key(request)
    cache.set(key, (public_cache.current(), 200, {"Content-Type": "text/html"}, b"planted"))
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("staff:login"))


def test_a_hit_carries_the_security_headers_and_sets_no_cookie(client, shared_cache, demo):
    client.get("/")
    response = client.get("/")
    assert response["X-Cache"] == "hit"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert not response.cookies


def test_a_cached_api_answer_stays_open_to_other_sites(client, shared_cache, demo):
    url = "/api/v1/verify/?q=@sample_bousai"
    client.get(url, HTTP_ORIGIN="https://example.org")
    response = client.get(url, HTTP_ORIGIN="https://example.org")
    assert response["X-Cache"] == "hit"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "url",
    ["/", "/?page=2", "/verify/?q=@sample_bousai", "/api/v1/verify/?q=@sample_bousai", "/feed/"],
)
def test_citizens_are_served_when_the_cache_is_down(client, settings, demo, url, caplog):
    """Redis stopped: public pages are rendered uncached (and the failure is logged), never
    an error page for a citizen."""
    settings.CACHES = redis_cache(DOWN_URL)
    with caplog.at_level(logging.ERROR, logger="core.cache"):
        response = client.get(url)
    assert response.status_code == 200
    assert not response.has_header("X-Cache")
    assert "public cache unavailable" in caplog.text


def test_an_approval_survives_a_cache_that_is_down(
    client, settings, committed, users, tourism_account, caplog
):
    """The approval commits; the token cannot advance, which is logged (the pages under the old
    token expire by themselves within CACHE_SECONDS)."""
    settings.CACHES = redis_cache(DOWN_URL)
    with caplog.at_level(logging.ERROR, logger="core.cache"), committed():
        close_account(tourism_account, users)
    assert tourism_account.status == "closed"
    assert "could not advance the public cache generation" in caplog.text
