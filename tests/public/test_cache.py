"""The public cache (core/cache.py, ADR 0006 and 0008) on a shared cache — the real Redis of
production — and when the cache fails, is hung or drops its connections (tests/redis_faults.py).

The generation lives in the database only, so a closure is never followed by a stale "official"
answer, whatever the cache does (R5: the list is what citizens trust); and a page that depends
on who asked is never stored (issue 8 §3).
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid

import pytest
import redis
from django.contrib import messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers

from accounts.models import OfficialAccount
from core import cache as public_cache
from core import page_store
from core.redis_cache import DEFAULT_TIMEOUT
from tests.redis_faults import FaultyRedis
from tests.workflow import close_account

# Redis db 13; with pytest-xdist, one db per worker (gw0 → 13, gw1 → 12, … gw7 → 6; scripts/
# test.sh starts at most 8): a test that flushes the cache must not flush another worker's pages.
REDIS_DB = 13 - int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")) % 8
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
DOWN_URL = "redis://127.0.0.1:1/0"  # nothing listens there
VERIFY_TOURISM = "/api/v1/verify/?q=https://www.instagram.com/sample_city_kanko/"


def redis_cache(location: str, **params) -> dict:
    """CACHES as production has them with CACHE_URL=redis://… (config/settings/base.py)."""
    return {"default": {"BACKEND": "core.redis_cache.RedisCache", "LOCATION": location, **params}}


def _redis_up() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def use_redis(settings):
    """Point the cache at a Redis (by default the real one), under a key prefix of this test's
    own, deleted afterwards."""
    if not _redis_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379 (the CI machine has it)")
    prefix = f"test-{uuid.uuid4().hex}"

    def use(location: str = REDIS_URL, **options) -> None:
        settings.CACHES = redis_cache(location, KEY_PREFIX=prefix, OPTIONS=options)

    yield use
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def shared_cache(use_redis):
    use_redis()


@pytest.fixture(params=["local memory", "redis"])
def any_cache(request):
    """The default per-process cache, and the shared Redis of production."""
    if request.param == "redis":
        request.getfixturevalue("shared_cache")


@pytest.fixture
def faulty_redis():
    """A proxy in front of the real Redis (``REDIS_DB``) that the test can cut or hang."""
    if not _redis_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379 (the CI machine has it)")
    proxy = FaultyRedis()
    yield proxy
    proxy.close()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what a block registers with ``on_commit`` as its commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def listed_count(response) -> str:
    return re.search(r'aria-live="polite">(\d+)件', response.content.decode()).group(1)


# --- Hits, and what makes them stale -------------------------------------------------------


def test_a_hit_on_a_shared_cache_costs_one_query(
    client, shared_cache, tourism_account, django_assert_num_queries
):
    """A hit reads the generation from the database (one primary-key query), the authority that
    no cache failure can leave behind, and the page from Redis."""
    url = reverse("public:account_detail", args=[tourism_account.pk])
    assert client.get(url)["X-Cache"] == "miss"
    with django_assert_num_queries(1):
        response = client.get(url)
    assert response["X-Cache"] == "hit"
    assert tourism_account.display_name in response.content.decode()


def test_a_closure_is_never_followed_by_a_stale_official_answer_on_a_shared_cache(
    client, shared_cache, committed, users, tourism_account
):
    assert client.get(VERIFY_TOURISM).json()["verdict"] == "official"
    assert client.get(VERIFY_TOURISM)["X-Cache"] == "hit"
    with committed():
        close_account(tourism_account, users)
    response = client.get(VERIFY_TOURISM)
    assert response["X-Cache"] == "miss"
    assert response.json()["verdict"] == "closed"


def test_a_generation_never_comes_back(client, any_cache, tourism_account):
    """A page rendered under a generation that is then undone (a rolled-back transaction, a
    database restored from a backup) is never served again: the next change draws a new value,
    not the next number."""
    url = reverse("public:account_detail", args=[tourism_account.pk])
    before = public_cache.current()
    with transaction.atomic():
        OfficialAccount.objects.filter(pk=tourism_account.pk).update(
            display_name="取り消される名前"
        )
        public_cache.bump()
        assert "取り消される名前" in client.get(url).content.decode()  # stored under it
        transaction.set_rollback(True)
    assert public_cache.current() == before
    tourism_account.purpose = "観光情報の発信（改訂）"
    tourism_account.save()  # the next change
    response = client.get(url)
    assert response["X-Cache"] == "miss"
    assert "取り消される名前" not in response.content.decode()


def test_a_flushed_cache_only_means_misses(client, shared_cache, tourism_account):
    url = reverse("public:account_detail", args=[tourism_account.pk])
    page = client.get(url).content
    assert client.get(url)["X-Cache"] == "hit"
    cache.clear()  # Redis restarted, evicted, or someone flushed it
    # This worker still has the page of this generation in its own memory (core/page_store.py)
    assert client.get(url).content == page
    page_store.clear_local()  # another worker, or this one restarted
    assert client.get(url)["X-Cache"] == "miss"
    assert client.get(url)["X-Cache"] == "hit"


def test_the_list_count_follows_a_closure(client, shared_cache, committed, users, demo):
    """The count of the list is computed once per generation, and recomputed after one."""
    listed = OfficialAccount.objects.filter(status__in=["listed", "suspended"]).count()
    assert listed_count(client.get("/")) == str(listed)
    assert listed_count(client.get("/?page=1")) == str(listed)  # another URL, the same count
    account = OfficialAccount.objects.get(service__slug="instagram", identifier="sample_city_kanko")
    with committed():
        close_account(account, users)
    assert listed_count(client.get("/")) == str(listed - 1)


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


# --- What depends on who asked is never stored (issue 8 §3) --------------------------------

PERMISSION_DENIED = "この操作を行う権限がありません。"


@pytest.mark.parametrize("url", ["/about/?x=1", "/?x=1", "/verify/?q=@sample_bousai"])
def test_a_staff_flash_message_is_never_served_to_citizens(client, any_cache, users, url):
    """The reproduction: ``head`` posts to /staff/requests/new/ without following the redirect
    (a flash message is queued), then opens a public page; a citizen then opens the same URL."""
    head = Client()
    head.force_login(users["head"])
    assert head.post(reverse("staff:request_new")).status_code == 302
    own = head.get(url)
    assert PERMISSION_DENIED in own.content.decode()  # the message reaches its owner …
    assert not own.has_header("X-Cache")  # … on a page rendered for them, stored nowhere
    for _ in range(2):  # the citizen's first request (a miss) and the next (a hit)
        page = client.get(url)
        assert page.status_code == 200
        assert PERMISSION_DENIED not in page.content.decode()
        assert 'role="alert"' not in page.content.decode()
    assert page["X-Cache"] == "hit"
    assert PERMISSION_DENIED not in head.get(reverse("staff:dashboard")).content.decode()


def test_a_logged_in_member_of_staff_is_never_served_from_the_cache(client, any_cache, users):
    """A request that carries a session gets a page rendered for it (staff see their own
    messages, and public pages may one day show who is logged in) and stores nothing."""
    assert client.get("/about/")["X-Cache"] == "miss"
    assert client.get("/about/")["X-Cache"] == "hit"
    head = Client()
    head.force_login(users["head"])
    for _ in range(2):
        response = head.get("/about/")
        assert response.status_code == 200
        assert not response.has_header("X-Cache")
    head.get("/?from=staff")
    assert client.get("/?from=staff")["X-Cache"] == "miss"  # the staff member stored nothing


def _csrf_token(request, response):
    get_token(request)  # a form's {% csrf_token %}
    return response


def _message(request, response):
    messages.success(request, "申請を提出しました。")
    return response


def _session_write(request, response):
    request.session["seen"] = True
    return response


def _session_read(request, response):
    request.session.get("seen")
    return response


def _cookie(request, response):
    response.set_cookie("preferences", "large-text")
    return response


def _vary_cookie(request, response):
    patch_vary_headers(response, ["Cookie"])
    return response


def _private(request, response):
    patch_cache_control(response, private=True)
    return response


def _no_store(request, response):
    patch_cache_control(response, no_store=True)
    return response


@pytest.mark.parametrize(
    "personal",
    [
        _csrf_token,
        _message,
        _session_write,
        _session_read,
        _cookie,
        _vary_cookie,
        _private,
        _no_store,
    ],
)
def test_a_response_that_depends_on_who_asked_is_never_stored(any_cache, db, personal):
    """Whatever a public view did that makes its answer someone's, the middleware sees it on the
    way out (the session, CSRF and messages middleware add their cookies after the view) and
    stores nothing."""

    @public_cache.cached_public
    def view(request):
        return personal(request, HttpResponse("<p>公開ページ</p>"))

    stack = public_cache.PublicCacheMiddleware(
        SessionMiddleware(CsrfViewMiddleware(MessageMiddleware(view)))
    )
    # A cookie of the site's own (not a session): what a page that varies on it must not share.
    request = RequestFactory().get("/about/", HTTP_COOKIE="preferences=large-text")
    first = stack(request)
    assert first.status_code == 200
    assert not first.has_header("X-Cache")
    assert cache.get(public_cache.page_key(request)) is None
    second = stack(RequestFactory().get("/about/"))  # a citizen: never served the first
    assert second.get("X-Cache") != "hit"


def test_the_same_public_view_is_stored_when_nothing_depends_on_who_asked(any_cache, db):
    """The counterpart of the test above: the same stack stores a plain answer."""

    @public_cache.cached_public
    def view(request):
        return HttpResponse("<p>公開ページ</p>")

    stack = public_cache.PublicCacheMiddleware(
        SessionMiddleware(CsrfViewMiddleware(MessageMiddleware(view)))
    )
    assert stack(RequestFactory().get("/about/"))["X-Cache"] == "miss"
    assert stack(RequestFactory().get("/about/"))["X-Cache"] == "hit"


# --- When the cache fails -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    # The CSV and the feed are files now (public/files.py), not cached pages.
    ["/", "/?page=2", "/verify/?q=@sample_bousai", "/api/v1/verify/?q=@sample_bousai"],
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
    client, settings, committed, users, tourism_account
):
    """Nothing has to reach the cache for a change to commit: the generation is in the
    database, bumped in the change's own transaction."""
    settings.CACHES = redis_cache(DOWN_URL)
    with committed():
        close_account(tourism_account, users)
    assert OfficialAccount.objects.get(pk=tourism_account.pk).status == "closed"
    assert client.get(VERIFY_TOURISM).json()["verdict"] == "closed"


def test_a_closure_is_never_answered_official_when_redis_drops_the_connection(
    client, use_redis, faulty_redis, committed, users, tourism_account
):
    """The reproduction: Redis drops its connections while the closure is finally approved
    (and refuses new ones until it is back). Before, the generation token in Redis could not
    be advanced and the verifier kept answering "official" from the cache for ten minutes."""
    use_redis(faulty_redis.url(REDIS_DB), circuit_breaker_seconds=0.2)
    detail = reverse("public:account_detail", args=[tourism_account.pk])
    assert client.get(VERIFY_TOURISM).json()["verdict"] == "official"
    assert client.get(VERIFY_TOURISM)["X-Cache"] == "hit"
    assert "廃止しました" not in client.get(detail).content.decode()
    faulty_redis.cut()
    with committed():
        close_account(tourism_account, users)
    faulty_redis.heal()  # Redis is back, with the pages cached before the closure
    for _ in range(3):
        assert client.get(VERIFY_TOURISM).json()["verdict"] == "closed"
    time.sleep(0.3)  # past the circuit breaker: the cache is used again …
    for _ in range(2):
        response = client.get(VERIFY_TOURISM)
        assert response.json()["verdict"] == "closed"  # … and right
    assert response["X-Cache"] == "hit"
    assert "廃止しました" in client.get(detail).content.decode()
    assert "廃止しました" in client.get(detail).content.decode()


def test_a_hung_redis_costs_milliseconds_not_seconds(client, use_redis, faulty_redis, demo, caplog):
    """The reproduction: a Redis that accepts connections and never answers made / take 15 s
    (redis-py waits 5 s for each of three calls). With the time-outs and the circuit breaker of
    core/redis_cache.py it costs one short time-out, then nothing."""
    faulty_redis.hang()
    use_redis(faulty_redis.url(REDIS_DB))  # the defaults production gets from CACHE_URL
    listed = OfficialAccount.objects.filter(status__in=["listed", "suspended"]).count()
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="core.cache"):
        responses = [client.get("/") for _ in range(5)]
    elapsed = time.monotonic() - started
    assert elapsed < 2, f"5 requests took {elapsed:.1f} s"
    assert faulty_redis.accepted == 1  # one time-out, then the breaker: not one per call
    for response in responses:
        assert response.status_code == 200
        assert not response.has_header("X-Cache")
        assert listed_count(response) == str(listed)
    assert "public cache unavailable" in caplog.text


def test_the_cache_is_used_again_once_redis_answers(client, use_redis, faulty_redis, demo):
    faulty_redis.hang()
    use_redis(faulty_redis.url(REDIS_DB), circuit_breaker_seconds=0.2)
    assert not client.get("/about/").has_header("X-Cache")
    faulty_redis.heal()
    time.sleep(0.3)
    assert client.get("/about/")["X-Cache"] == "miss"
    assert client.get("/about/")["X-Cache"] == "hit"


def test_cache_url_sets_the_time_outs_and_the_circuit_breaker(settings):
    """What an operator writes in CACHE_URL reaches redis-py and the breaker (README)."""
    import environ
    from django.core.cache import caches

    config = environ.Env.cache_url_config(
        "redis://127.0.0.1:6379/13?socket_timeout=0.5&circuit_breaker_seconds=10"
    )
    settings.CACHES = {"default": {**config, "BACKEND": "core.redis_cache.RedisCache"}}
    client = caches["default"]._cache
    pool = client._get_connection_pool(write=True)
    assert pool.connection_kwargs["socket_timeout"] == 0.5
    assert pool.connection_kwargs["socket_connect_timeout"] == DEFAULT_TIMEOUT
    assert client._breaker_seconds == 10
