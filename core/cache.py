"""Caching of public pages, invalidated by anything that changes what citizens see (ADR 0006,
0008, 0016).

A page is cached under ``public:<fingerprint>:<hash of the full path>`` together with the
generation it was rendered in, and served only while that is still the current generation:

- the *generation* is the one-row table ``core.PublicGeneration``, the only authority: the
  signals in core/signals.py call ``bump()`` inside the writing transaction, which gives it a
  new random value. A reader that sees the new value also sees the committed change, so a
  closure is never followed by a stale "official" answer — whatever the cache does: nothing
  has to reach Redis for a commit to make every cached page stale, and a value once replaced
  never comes back, so an old entry never matches again. A restore brings the backup's value
  back, under which a page rendered just after the backup may be stored: scripts/restore.sh
  therefore draws a new value (docs/operations/backup.md);
- the *fingerprint* changes with the deployment's configuration (the municipality's name …)
  and with the code and templates that render the pages (``core.page_store.build_version``),
  so neither a restart with a new name nor a deploy ever serves pages rendered before it.

Entries have no expiry that matters for freshness (ADR 0016): they are replaced when the
generation changes. A hit costs one primary-key ``SELECT``; the page comes from a small
in-process layer (core/page_store.py) or one cache read, and goes out with ``ETag`` and
``Content-Length`` — or as a 304 when the browser already has it. Hits are served by
``PublicCacheMiddleware`` before the session, authentication, CSRF, messages and axes
middleware run, and the same middleware stores a miss after all of them have run, so it sees
the response as it leaves: a response that depends on who asked (a flash message, the
session, a CSRF token, any cookie set, ``Vary: Cookie`` on a request that carried one,
``Cache-Control: private``) is never stored, and a request carrying a session or a flash
message is neither served from the cache nor stored. One request renders a missing page while
the others asking for it wait for it (no stampede). If the cache fails, public pages are
served uncached and the failure is logged: never a 500 for a citizen (and with
core/redis_cache.py a sick Redis costs milliseconds).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from typing import TypeVar

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection, transaction
from django.urls import Resolver404, get_resolver, get_urlconf
from django.utils.cache import cc_delim_re  # type: ignore[attr-defined]  # undocumented: no stub

from core import page_store, public_change
from core.models import PublicGeneration
from core.municipality import get_municipality
from core.page_store import unavailable

T = TypeVar("T")
# The generation the current request's page is rendered under (set by the middleware), or
# UNCACHED when the cache failed for this request.
UNCACHED = object()
_request_generation: ContextVar[object] = ContextVar("public_generation", default=None)

# Set by ``cached_public`` on what the view itself answered: only that is ever stored.
RESPONSE_ATTR = "_public_cacheable"
# Cache-Control directives in what a view answered that forbid storing it for everyone.
PRIVATE_DIRECTIVES = {"private", "no-store", "no-cache"}
# How long a request waits for another one rendering the same missing page before it renders
# the page itself: a public page renders in well under a second even at 100 000 accounts, and
# a waiting request must never hang (issue 12: 16 concurrent misses answered nothing for 10 s).
WAIT_SECONDS = 3.0
# The render lock's own lifetime: only matters when the request holding it died; the next
# waiter then takes it over.
LOCK_SECONDS = 10
# Paths whose answer to "is this a cached public view?" is remembered (bounded: any path may be
# asked for, and most of them are 404s).
RESOLVED_PATHS = 10_000
# ... of at most this length, so that a scan with long made-up paths cannot fill a worker's
# memory (10 000 × 256 characters at most); longer paths are resolved each time.
RESOLVED_PATH_LENGTH = 256

_last_fingerprint: tuple[object, str, str] | None = None


def fingerprint() -> str:
    """The deployment's configuration and code, which are rendered into public pages.

    Computed once per configuration (the municipality is read once per process, the build once
    per deploy version), not once per request.
    """
    global _last_fingerprint
    municipality = get_municipality()
    deploy = page_store.build_version()
    last = _last_fingerprint
    if last is not None and last[0] is municipality and last[1] == deploy:
        return last[2]
    value = hashlib.sha256(f"{municipality!r}|{deploy}".encode()).hexdigest()[:12]
    _last_fingerprint = (municipality, deploy, value)
    return value


def current() -> int:
    """The public generation now (raw SQL: this runs on every public request).

    With ``CONN_HEALTH_CHECKS`` Django sends a ``SELECT 1`` before the first query of each
    request on a kept connection: on a hit that doubled the database round trips. This query
    is its own health check instead: if the kept connection broke (the database restarted), it
    is closed and the query runs once more on a new one — what the health check would have
    done, without its round trip on every request.
    """
    optimistic = (
        connection.connection is not None
        and not connection.in_atomic_block
        and getattr(connection, "health_check_enabled", False)
        and not getattr(connection, "health_check_done", True)
    )
    if optimistic:
        connection.health_check_done = True  # type: ignore[attr-defined]  # Django internal
        try:
            return _select_generation()
        except (OperationalError, InterfaceError):
            connection.close()  # the next query connects again
    return _select_generation()


def _select_generation() -> int:
    with connection.cursor() as cursor:
        table = PublicGeneration._meta.db_table  # the model's own table name, no user input
        cursor.execute(f"SELECT value FROM {table} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else 0


def bump() -> None:
    """Make every cached public page stale. Call inside the transaction that changes data.

    The new value is random rather than the next number: a value is never used twice, even
    when the database goes back to a backup (or a test's transaction is rolled back) while the
    cache still holds pages rendered after it.
    """
    value = secrets.randbits(62) or 1
    if not PublicGeneration.objects.filter(pk=1).update(value=value):
        PublicGeneration.objects.update_or_create(pk=1, defaults={"value": value})
    public_change.announce_after_commit()


def page_key(request) -> str:
    return key_for_path(request.get_full_path())


def key_for_path(full_path: str) -> str:
    digest = hashlib.sha256(full_path.encode()).hexdigest()[:32]
    return f"public:{fingerprint()}:{digest}"


def per_generation(name: str, compute: Callable[[], T]) -> T:
    """A value derived from public data, computed once per generation and shared by every page
    that shows it (the number of listed accounts, the filter's choices …)."""
    generation = _request_generation.get()
    if generation is UNCACHED:
        return compute()
    key = f"public:{fingerprint()}:value:{hashlib.sha256(name.encode()).hexdigest()[:32]}"
    try:
        if generation is None:  # not under the middleware (a staff page)
            generation = current()
        entry = cache.get(key)
    except Exception as exc:
        unavailable(f"computing {name}", exc)
        return compute()
    if entry is not None and entry[0] == generation:
        return entry[1]
    value = compute()
    try:
        cache.set(key, (generation, value), page_store.CACHE_SECONDS)
    except Exception as exc:
        unavailable(f"{key} not stored", exc)
    return value


def _personal(request) -> bool:
    """Whether the page may be rendered for this person: a session (a member of staff) or a
    flash message waiting to be shown. They get a page of their own, never a stored one."""
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies


def _storable(request, response) -> bool:
    """Whether the response, as it leaves the whole middleware stack, is the same for anyone.

    Checked on the outgoing response rather than in the view: the messages, session and CSRF
    middleware only add their cookies and ``Vary: Cookie`` after the view has returned. The
    ``Cache-Control`` looked at is the view's own: the middleware adds ``public, no-cache``
    only after this decision.
    """
    if not getattr(response, RESPONSE_ATTR, False):
        return False  # not what a public view answered (a redirect of a middleware …)
    if response.status_code not in (200, 404) or response.streaming:
        return False
    if response.cookies:  # a CSRF token, a consumed message, a session
        return False
    # Every response says "Vary: Cookie": LoginRequiredMiddleware reads the session of every
    # request. Without a cookie, that session is empty and the page is the same for anyone
    # (requests with a session or a message were not even looked up); with one, the page may
    # have been rendered from it.
    vary = {v.strip().lower() for v in cc_delim_re.split(response.get("Vary", ""))}
    if "*" in vary or ("cookie" in vary and request.COOKIES):
        return False
    control = {
        d.split("=")[0].strip().lower()
        for d in cc_delim_re.split(response.get("Cache-Control", ""))
    }
    if control & PRIVATE_DIRECTIVES:
        return False
    messages = getattr(request, "_messages", None)
    if messages is not None and (messages.used or messages.added_new):
        return False  # a flash message was shown or queued: it is someone's
    session = getattr(request, "session", None)
    return session is None or not session.modified


class PublicCacheMiddleware:
    """Serve cached public pages before the per-user middleware runs, and store misses after.

    Only paths that resolve to a ``cached_public`` view are looked up, so a path that is not
    public can never be answered here. It sits below the security, CORS and clickjacking
    middleware, so a hit carries the same headers as a miss.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        page_store.build_version()  # hashed once at start-up, never on a citizen's request

    def __call__(self, request):
        if request.method != "GET" or _personal(request) or not _is_public(request.path_info):
            return self.get_response(request)
        key = page_key(request)
        generation: object  # the current generation (an int), or UNCACHED
        try:
            generation = current()
            page = page_store.lookup(key, generation)
        except Exception as exc:
            unavailable("serving uncached", exc)
            return self._render(request, UNCACHED, key)
        if page is not None:
            return page_store.answer(request, page, "hit")
        return self._miss(request, generation, key)

    def _miss(self, request, generation, key: str):
        """One request renders the page; others asking for it meanwhile wait for its result
        (for ``WAIT_SECONDS`` at most, then render it themselves)."""
        lock = f"{key}:render:{generation}"
        deadline = time.monotonic() + WAIT_SECONDS
        pause = 0.005
        while not page_store.acquire(lock, LOCK_SECONDS):
            if time.monotonic() >= deadline:
                return self._render(request, generation, key)
            time.sleep(pause)
            pause = min(pause * 2, 0.1)
            try:
                page = page_store.lookup(key, generation)
            except Exception as exc:
                unavailable("waiting for a page", exc)
                return self._render(request, UNCACHED, key)
            if page is not None:
                return page_store.answer(request, page, "hit")
        try:
            return self._render(request, generation, key)
        finally:
            page_store.release(lock)

    def _render(self, request, generation, key: str):
        # Values computed ``per_generation`` while rendering use the generation read above.
        # It was read before the page, so a page that already shows a change committed
        # meanwhile is at worst stored under the generation before it.
        token = _request_generation.set(generation)
        try:
            response = self.get_response(request)
        finally:
            _request_generation.reset(token)
        if not _storable(request, response):
            return response
        page = page_store.page_of(response, generation if generation is not UNCACHED else 0)
        if generation is UNCACHED:
            return page_store.finish(request, response, page, None)
        page_store.store(key, page)
        return page_store.finish(request, response, page, "miss")


_resolved: dict[str, bool] = {}
_resolved_by: list[object] = [None]  # the URL resolver ``_resolved`` was filled from


def _is_public(path: str) -> bool:
    """Whether the path resolves to a view wrapped in ``cached_public`` (staff pages never).

    Resolving costs more than the rest of a hit, so the answer is remembered per path (for
    the URLconf in use; the memory is bounded and starts again when full).
    """
    resolver = get_resolver(get_urlconf())
    if _resolved_by[0] is not resolver:
        _resolved.clear()
        _resolved_by[0] = resolver
    public = _resolved.get(path)
    if public is None:
        try:
            match = resolver.resolve(path)
        except Resolver404:
            public = False
        else:
            public = bool(getattr(match.func, "public_cache", False))
        if len(path) <= RESOLVED_PATH_LENGTH:
            if len(_resolved) >= RESOLVED_PATHS:
                _resolved.clear()
            _resolved[path] = public
    return public


def cached_public(view):
    """Mark a login-free GET view's responses as cacheable per (configuration, generation,
    full path); ``PublicCacheMiddleware`` serves and stores them."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if request.method == "GET":
            setattr(response, RESPONSE_ATTR, True)
        return response

    # A mark on the function, read by ``_is_public``; mypy cannot declare function attributes.
    wrapper.public_cache = True  # type: ignore[attr-defined]
    # Read-only: no transaction per request (ATOMIC_REQUESTS would add three statements).
    return transaction.non_atomic_requests(wrapper)
