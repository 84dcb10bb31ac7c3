"""Caching of public pages, invalidated by anything that changes what citizens see (ADR 0006).

A page is cached under ``public:<fingerprint>:<hash of the full path>`` together with the
generation it was rendered in, and served only while that is still the current generation:

- the *generation* changes whenever anything citizens see changes (signals in
  core/signals.py call ``bump()`` inside the writing transaction), so a closure is never
  followed by a stale "official" answer;
- the *fingerprint* changes with the deployment's configuration (the municipality's name …),
  so a restart with a new name never serves pages rendered under the old one.

Where the generation lives depends on the cache (ADR 0008):

- a cache shared by every worker (Redis, Memcached, the database cache …): the generation is
  a token *in the cache*, replaced with ``incr`` after each commit. A hit then costs one cache
  round trip for the token and one for the page, and no database query at all;
- a per-process cache (local memory, the default): other workers could not see a token
  changed in this process's memory, so the generation is read from the one-row table
  ``core.PublicGeneration`` (one primary-key query), which the bump updates in the writing
  transaction itself.

Hits are served by ``PublicCacheMiddleware`` before the session, authentication, CSRF,
messages and axes middleware run (a cached public page is the same for everyone and sets no
cookie); misses run the view, and ``cached_public`` stores what it answered. If the cache
fails, public pages are served uncached and the failure is logged: never a 500 for a citizen.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from typing import TypeVar

from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection, transaction
from django.db.models import F
from django.http import HttpResponse
from django.urls import Resolver404, resolve

from core.models import PublicGeneration
from core.municipality import get_municipality

logger = logging.getLogger(__name__)
T = TypeVar("T")
# The generation the current request's page is rendered under (set by the middleware).
_request_generation: ContextVar[int | str | None] = ContextVar("public_generation", default=None)

# Pages are also invalidated explicitly; the timeout only bounds what a deployment of new
# templates (same data, same generation) may still serve from before it.
CACHE_SECONDS = 600
# Headers that are part of what a cached response means (a CSV stays a download).
KEPT_HEADERS = (
    "Content-Type",
    "Content-Disposition",
    "Cache-Control",
    "Vary",
    "Allow",
    "Content-Language",
)
GENERATION_KEY = "public:generation"
# Set on the request by the middleware on a miss, so the view stores under the same key.
REQUEST_ATTR = "_public_cache_key"


def shared() -> bool:
    """Whether every worker process sees the same cache (then the generation lives there)."""
    return not isinstance(caches["default"], LocMemCache | DummyCache)


def fingerprint() -> str:
    """The deployment's configuration, which is rendered into public pages."""
    return hashlib.sha256(repr(get_municipality()).encode()).hexdigest()[:8]


def _database_generation() -> int:
    # Raw SQL: this runs on every request when the cache is per-process.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {PublicGeneration._meta.db_table} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else 0


def current() -> int | str:
    """The public generation that a page rendered now is cached under."""
    if not shared():
        return _database_generation()
    token = cache.get(GENERATION_KEY)
    if token is None:
        # Evicted, flushed or never set: a token no page was ever cached under. Concurrent
        # readers agree on whichever one ``add`` stored first.
        cache.add(GENERATION_KEY, secrets.randbits(62), timeout=None)
        token = cache.get(GENERATION_KEY)
    return token


def bump() -> None:
    """Make every cached public page stale. Call inside the transaction that changes data."""
    if not PublicGeneration.objects.filter(pk=1).update(value=F("value") + 1):
        PublicGeneration.objects.get_or_create(pk=1, defaults={"value": 2})
    # On a shared cache the token advances after the commit: a page rendered from the new data
    # must not be cached under a token that readers of the old data still use, and vice versa
    # (ADR 0008). Once per transaction, however many rows it changed.
    if shared() and not any(item[1] is _advance_token for item in connection.run_on_commit):
        transaction.on_commit(_advance_token, robust=True)


def _advance_token() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no token (evicted): the next reader draws a fresh one
        pass
    except Exception:
        # The cache is unreachable: pages under the old token expire within CACHE_SECONDS.
        logger.exception("could not advance the public cache generation")


def page_key(request) -> str:
    digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return f"public:{fingerprint()}:{digest}"


def _read(key: str) -> tuple[int | str, object]:
    """The current generation and the entry under ``key`` (one round trip on a shared cache)."""
    known = _request_generation.get()
    if known is not None:
        return known, cache.get(key)
    if shared():
        found = cache.get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY)
        return (current() if generation is None else generation), found.get(key)
    return current(), cache.get(key)


def _lookup(request) -> HttpResponse | None:
    """The cached response for this GET, or None (noting on the request what to store).

    An entry is ``(generation, status, headers, body)`` under a key of the path alone, so a
    hit on a shared cache is one round trip (the token and the page together), and a new
    generation simply overwrites the entries it makes stale.
    """
    key = page_key(request)
    try:
        generation, entry = _read(key)
    except Exception:
        logger.exception("public cache unavailable; serving uncached")
        setattr(request, REQUEST_ATTR, None)
        return None
    if not _current_entry(entry, generation):
        setattr(request, REQUEST_ATTR, (key, generation))
        return None
    _generation, status, headers, body = entry
    response = HttpResponse(body, status=status)
    for name, value in headers.items():
        response[name] = value
    response["X-Cache"] = "hit"
    return response


def per_generation(name: str, compute: Callable[[], T]) -> T:
    """A value derived from public data, computed once per generation and shared by every page
    that shows it (the number of listed accounts, the filter's choices …)."""
    key = f"public:{fingerprint()}:value:{hashlib.sha256(name.encode()).hexdigest()[:32]}"
    try:
        generation, entry = _read(key)
    except Exception:
        logger.exception("public cache unavailable; computing %s", name)
        return compute()
    if _current_entry(entry, generation):
        return entry[1]
    value = compute()
    _store(key, (generation, value))
    return value


def _current_entry(entry, generation) -> bool:
    """Whether a cached entry ``(generation, …)`` was made under the current generation."""
    return entry is not None and entry[0] == generation


def _store(key: str, entry: tuple) -> None:
    try:
        cache.set(key, entry, CACHE_SECONDS)
    except Exception:
        logger.exception("public cache unavailable; %s not stored", key)


class PublicCacheMiddleware:
    """Serve cached public pages before the per-user middleware runs.

    Only pages stored by ``cached_public`` (login-free views) are ever in the cache, so a path
    that is not public can never be answered here. It sits below the security, CORS and
    clickjacking middleware, so a hit carries the same headers as a miss.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "GET" or not _is_public(request.path_info):
            return self.get_response(request)
        response = _lookup(request)
        if response is not None:
            return response
        # A miss: values computed ``per_generation`` while rendering it use the generation
        # read above, instead of reading it again.
        slot = getattr(request, REQUEST_ATTR)
        token = _request_generation.set(slot[1] if slot else None)
        try:
            return self.get_response(request)
        finally:
            _request_generation.reset(token)


def _is_public(path: str) -> bool:
    """Whether the path resolves to a view wrapped in ``cached_public`` (staff pages never)."""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return getattr(match.func, "public_cache", False)


def cached_public(view):
    """Cache a public GET view's response per (configuration, generation, full path)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "GET":
            return view(request, *args, **kwargs)
        if not hasattr(request, REQUEST_ATTR):  # no middleware in front (a bare test request)
            hit = _lookup(request)
            if hit is not None:
                return hit
        slot = getattr(request, REQUEST_ATTR)
        response = view(request, *args, **kwargs)
        if slot is not None and _cacheable(response):
            key, generation = slot
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
            _store(key, (generation, response.status_code, headers, response.content))
            response["X-Cache"] = "miss"
        return response

    wrapper.public_cache = True
    # Read-only: no transaction per request (ATOMIC_REQUESTS would add three statements).
    return transaction.non_atomic_requests(wrapper)


def _cacheable(response) -> bool:
    # A response that sets a cookie (a CSRF token, a consumed message) belongs to one person.
    return (
        response.status_code in (200, 404)
        and not response.cookies
        and not getattr(response, "streaming", False)
    )
