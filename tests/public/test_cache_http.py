"""Cached public pages as HTTP sees them (issue 12 §6, ADR 0016): ETag, Content-Length,
``Cache-Control: public, no-cache`` and 304 for a browser that has the page; entries kept until
the generation or the deploy changes; one render per missing page however many citizens ask at
once; the in-process layer; the pages warmed after a change.

A closure must still be seen at once (R5): every test that keeps a page longer also shows that
a change makes it stale.
"""

from __future__ import annotations

import threading
import time

import pytest
import redis
from django.core.cache import cache
from django.db import connection, connections
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import OfficialAccount
from core import cache as public_cache
from core import page_store
from public import warming
from tests.public.test_cache import REDIS_URL, redis_cache
from tests.workflow import close_account

pytest_plugins = ["tests.public.test_cache"]  # shared_cache, any_cache, use_redis, committed


@pytest.fixture(autouse=True)
def _fresh_local_layer():
    """Each test starts as a new worker process: nothing in this process's own layer."""
    page_store.clear_local()
    yield
    page_store.clear_local()


# --- ETag, Content-Length, Cache-Control, 304 ----------------------------------------------


def test_a_stored_miss_and_its_hits_carry_etag_length_and_cache_control(client, any_cache, demo):
    miss = client.get("/about/")
    hit = client.get("/about/")
    assert (miss["X-Cache"], hit["X-Cache"]) == ("miss", "hit")
    assert hit.content == miss.content
    assert hit["ETag"] == miss["ETag"]
    assert hit["ETag"][0] == hit["ETag"][-1] == '"'  # strong: no W/
    for response in (miss, hit):
        assert int(response["Content-Length"]) == len(response.content)
        # Browsers and proxies may keep it, but ask every time: a closure is seen at once.
        assert response["Cache-Control"] == "public, no-cache"


@pytest.mark.parametrize(
    "if_none_match",
    ["{etag}", "W/{etag}", '"other", {etag}', 'W/"other",W/{etag}', "*", " {etag} "],
)
def test_a_browser_that_has_the_page_gets_304_without_a_body(
    client, any_cache, demo, if_none_match
):
    etag = client.get("/about/")["ETag"]
    response = client.get("/about/", HTTP_IF_NONE_MATCH=if_none_match.format(etag=etag))
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert response["Cache-Control"] == "public, no-cache"
    assert response["X-Cache"] == "hit"


@pytest.mark.parametrize(
    "if_none_match",
    [
        '"0123456789abcdef0123456789abcdef"',
        "{bare}",  # the tag without its quotes: malformed, names nothing
        "W/",
        "",
        ",,,",
        "\u3042\u3044\u3046",
        ", ".join(f'"{n:032x}"' for n in range(200)),  # a huge header naming other pages
        "{etag}x",
    ],
)
def test_any_other_if_none_match_gets_the_page(client, any_cache, demo, if_none_match):
    first = client.get("/about/")
    etag = first["ETag"]
    header = if_none_match.format(etag=etag, bare=etag.strip('"'))
    response = client.get("/about/", HTTP_IF_NONE_MATCH=header)
    assert response.status_code == 200
    assert response.content == first.content


def test_a_missing_page_is_never_answered_304(client, any_cache, demo):
    """RFC 9110 §13.2.1: conditions apply only to a page that exists."""
    assert client.get("/accounts/999999/").status_code == 404
    for header in ("*", 'W/"anything"'):
        response = client.get("/accounts/999999/", HTTP_IF_NONE_MATCH=header)
        assert response.status_code == 404


def test_a_change_makes_the_browsers_copy_stale(client, shared_cache, committed, users, demo):
    """The ETag is the page's content: after a closure the list's tag is another, so the
    browser's copy is not confirmed; a page the change did not touch still is (a 304, after
    one render under the new generation)."""
    account = OfficialAccount.objects.get(service__slug="instagram", identifier="sample_city_kanko")
    about = client.get("/about/")["ETag"]
    before = client.get("/")
    assert f'href="/accounts/{account.pk}/"' in before.content.decode()
    listing = before["ETag"]
    with committed():
        close_account(account, users)
    fresh = client.get("/", HTTP_IF_NONE_MATCH=listing)
    assert fresh.status_code == 200
    assert fresh["ETag"] != listing
    assert f'href="/accounts/{account.pk}/"' not in fresh.content.decode()
    unchanged = client.get("/about/", HTTP_IF_NONE_MATCH=about)
    assert (unchanged.status_code, unchanged["X-Cache"]) == (304, "miss")


# --- Entries live until the generation or the deploy changes -------------------------------


def test_an_entry_does_not_expire_after_ten_minutes(client, use_redis, demo):
    """Freshness is the generation's job: Redis keeps the page for a day, only as a bound on
    what keys nobody asks for again occupy (ADR 0016)."""
    use_redis()
    client.get("/about/")
    key = cache.make_key(public_cache.key_for_path("/about/"))
    ttl = redis.Redis.from_url(REDIS_URL).ttl(key)
    assert 23 * 3600 < ttl <= page_store.CACHE_SECONDS


def test_a_new_deploy_never_serves_the_old_html(client, shared_cache, settings, demo):
    settings.DEPLOY_VERSION = "2026-11-01"
    assert client.get("/about/")["X-Cache"] == "miss"
    assert client.get("/about/")["X-Cache"] == "hit"
    settings.DEPLOY_VERSION = "2026-11-02"  # new templates, same data and generation
    assert client.get("/about/")["X-Cache"] == "miss"


def test_without_a_deploy_version_a_changed_template_is_a_new_build(tmp_path):
    template = tmp_path / "templates" / "page.html"
    template.parent.mkdir()
    template.write_text("<p>旧</p>")
    before = page_store.hash_sources([tmp_path])
    assert page_store.hash_sources([tmp_path]) == before
    template.write_text("<p>新</p>")
    assert page_store.hash_sources([tmp_path]) != before


def test_the_in_process_layer_never_serves_across_generations(client, shared_cache, demo):
    """The layer answers hits without Redis, but only under the generation read from the
    database on this request: a change committed by another server is seen at once."""
    account = OfficialAccount.objects.get(service__slug="instagram", identifier="sample_city_kanko")
    url = reverse("public:account_detail", args=[account.pk])
    client.get(url)
    cache.clear()  # Redis forgets: what follows can only come from this process's layer
    assert client.get(url)["X-Cache"] == "hit"
    OfficialAccount.objects.filter(pk=account.pk).update(display_name="別のサーバーで変更")
    public_cache.bump()  # what the other server's change did, in the database only
    response = client.get(url)
    assert response["X-Cache"] == "miss"
    assert "別のサーバーで変更" in response.content.decode()


# --- No stampede -----------------------------------------------------------------------------


def _stack(renders: list[int], seconds: float):
    @public_cache.cached_public
    def slow_page(request):
        renders.append(1)
        time.sleep(seconds)  # a page deep in a long list, just after an approval
        return HttpResponse("<p>公開ページ</p>")

    return public_cache.PublicCacheMiddleware(slow_page)


def _concurrently(stack, count: int) -> list:
    barrier = threading.Barrier(count)
    responses: list = [None] * count

    def ask(index: int) -> None:
        try:
            barrier.wait()
            responses[index] = stack(RequestFactory().get("/about/"))
        finally:
            connections.close_all()  # this thread's own database connection

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sixteen_concurrent_misses_render_the_page_once(shared_cache):
    renders: list[int] = []
    started = time.monotonic()
    responses = _concurrently(_stack(renders, 0.5), 16)
    elapsed = time.monotonic() - started
    assert len(renders) == 1
    assert all(r is not None and r.status_code == 200 for r in responses)
    assert {r.content for r in responses} == {
        b"<p>\xe5\x85\xac\xe9\x96\x8b\xe3\x83\x9a\xe3\x83\xbc\xe3\x82\xb8</p>"
    }
    assert sorted(r["X-Cache"] for r in responses) == ["hit"] * 15 + ["miss"]
    # One at a time would take 16 × 0.5 = 8 s; the bound leaves room for a loaded CI machine.
    assert elapsed < 6.0, f"16 concurrent misses took {elapsed:.1f} s"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_waiting_for_a_slow_render_is_bounded(shared_cache, monkeypatch):
    """A render slower than the wait: the others render the page themselves rather than hang."""
    monkeypatch.setattr(public_cache, "WAIT_SECONDS", 0.3)
    renders: list[int] = []
    started = time.monotonic()
    # A render (3 s) much longer than the wait (0.3 s): every thread has started and given up
    # waiting long before the first render is stored, even on a loaded machine.
    responses = _concurrently(_stack(renders, 3.0), 4)
    elapsed = time.monotonic() - started
    assert all(r is not None and r.status_code == 200 for r in responses)
    # Waiting for each other in turn would take 4 × 3 s.
    assert elapsed < 9.0, f"waiting took {elapsed:.1f} s"
    assert len(renders) == 4


# --- The database restarted under a kept connection ----------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_hit_survives_a_database_restart_under_a_kept_connection(client, shared_cache):
    """The generation's query is its own health check (core.cache.current): a connection
    killed by a database restart is replaced, and the citizen gets the page, not a 500."""
    settings_dict = connection.settings_dict
    saved = settings_dict["CONN_MAX_AGE"], settings_dict["CONN_HEALTH_CHECKS"]
    settings_dict["CONN_MAX_AGE"], settings_dict["CONN_HEALTH_CHECKS"] = 60, True
    try:
        connection.close()
        connection.ensure_connection()
        assert client.get("/about/")["X-Cache"] == "miss"
        killed = connection.connection.info.backend_pid
        other = connections["default"].copy()
        try:
            with other.cursor() as cursor:  # the restart, as the kept connection sees it
                cursor.execute("SELECT pg_terminate_backend(%s)", [killed])
        finally:
            other.close()
        connection.close_if_unusable_or_obsolete()  # what each request starts with
        response = client.get("/about/")
        assert (response.status_code, response["X-Cache"]) == (200, "hit")
        assert connection.connection.info.backend_pid != killed
    finally:
        settings_dict["CONN_MAX_AGE"], settings_dict["CONN_HEALTH_CHECKS"] = saved
        connection.close()


# --- Warming ---------------------------------------------------------------------------------


def test_warmed_pages_are_what_a_citizen_would_have_stored(client, shared_cache, demo):
    generation = public_cache.current()
    paths = warming.hot_paths()
    assert warming.warm(generation) == len(paths)
    warmed = {path: client.get(path) for path in paths}
    for path, response in warmed.items():
        assert (response.status_code, response["X-Cache"]) == (200, "hit"), path
    cache.clear()
    page_store.clear_local()
    for path, response in warmed.items():
        rendered = client.get(path)
        assert rendered["X-Cache"] == "miss", path
        assert rendered.content == response.content, path
        assert rendered["ETag"] == response["ETag"], path


def test_after_an_approval_the_changed_account_and_the_list_are_hits(
    client, shared_cache, settings, committed, users, tourism_account
):
    """The real path: the approval's commit sends public_changed, the job queue runs the
    refresh (immediately in tests), and the first citizen after it meets warmed pages that
    already show the closure."""
    settings.PUBLIC_REFRESH_ON_CHANGE = True
    with committed():
        close_account(tourism_account, users)
    detail = client.get(reverse("public:account_detail", args=[tourism_account.pk]))
    assert detail["X-Cache"] == "hit"
    assert "廃止しました" in detail.content.decode()
    listing = client.get("/")
    assert listing["X-Cache"] == "hit"
    assert f'href="/accounts/{tourism_account.pk}/"' not in listing.content.decode()


def test_warming_a_stale_generation_stores_nothing(client, shared_cache, demo):
    stale = public_cache.current()
    public_cache.bump()
    assert warming.warm(stale) == 0
    assert client.get("/")["X-Cache"] == "miss"


def test_warming_with_the_cache_down_renders_and_never_raises(settings, demo, caplog):
    settings.CACHES = redis_cache("redis://127.0.0.1:1/0")
    assert warming.warm(public_cache.current()) == 0
    assert "public cache unavailable" in caplog.text
