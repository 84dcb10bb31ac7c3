"""Caching of public pages, invalidated by anything that changes what citizens see (ADR 0006,
0008).

A page is cached under ``public:<fingerprint>:<hash of the full path>`` together with the
generation it was rendered in, and served only while that is still the current generation:

- the *generation* is the one-row table ``core.PublicGeneration``, the only authority: the
  signals in core/signals.py call ``bump()`` inside the writing transaction, which gives it a
  new random value. A reader that sees the new value also sees the committed change, so a
  closure is never followed by a stale "official" answer — whatever the cache does: nothing
  has to reach Redis for a commit to make every cached page stale, and a value once replaced
  never comes back (not even after a database restore), so an old entry never matches again;
- the *fingerprint* changes with the deployment's configuration (the municipality's name …),
  so a restart with a new name never serves pages rendered under the old one.

A hit costs one primary-key ``SELECT`` and one cache read. Hits are served by
``PublicCacheMiddleware`` before the session, authentication, CSRF, messages and axes
middleware run, and the same middleware stores a miss after all of them have run, so it sees
the response as it leaves: a response that depends on who asked (a flash message, the
session, a CSRF token, any cookie set, ``Vary: Cookie`` on a request that carried one,
``Cache-Control: private``) is never stored, and a request carrying a session or a flash
message is neither served from the cache nor stored. If the cache fails, public pages are
served uncached and the failure is logged: never a 500 for a citizen (and with
core/redis_cache.py a sick Redis costs milliseconds).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from typing import TypeVar

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import cc_delim_re  # type: ignore[attr-defined]  # undocumented: no stub

from core.models import PublicGeneration
from core.municipality import get_municipality
from core.redis_cache import CacheUnavailable

logger = logging.getLogger(__name__)
T = TypeVar("T")
# The generation the current request's page is rendered under (set by the middleware), or
# UNCACHED when the cache failed for this request.
UNCACHED = object()
_request_generation: ContextVar[object] = ContextVar("public_generation", default=None)

# Pages are invalidated by the generation; the timeout only bounds what a deployment of new
# templates (same data, same generation) may still serve from before it, and how long an entry
# of a path nobody asks for again occupies the cache.
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
# Set by ``cached_public`` on what the view itself answered: only that is ever stored.
RESPONSE_ATTR = "_public_cacheable"
# Cache-Control directives that forbid a shared cache to keep the response.
PRIVATE_DIRECTIVES = {"private", "no-store", "no-cache"}


def fingerprint() -> str:
    """The deployment's configuration, which is rendered into public pages."""
    return hashlib.sha256(repr(get_municipality()).encode()).hexdigest()[:8]


def current() -> int:
    """The public generation now (raw SQL: this runs on every public request)."""
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


def page_key(request) -> str:
    digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return f"public:{fingerprint()}:{digest}"


def _unavailable(what: str, exc: Exception) -> None:
    # A circuit left open by an earlier failure (core/redis_cache.py) needs no traceback.
    logger.error(
        "public cache unavailable; %s: %s",
        what,
        exc,
        exc_info=not isinstance(exc, CacheUnavailable),
    )


def _current_entry(entry, generation) -> bool:
    """Whether a cached entry ``(generation, …)`` was made under the current generation."""
    return entry is not None and entry[0] == generation


def _store(key: str, entry: tuple) -> None:
    try:
        cache.set(key, entry, CACHE_SECONDS)
    except Exception as exc:
        _unavailable(f"{key} not stored", exc)


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
        _unavailable(f"computing {name}", exc)
        return compute()
    if _current_entry(entry, generation):
        return entry[1]
    value = compute()
    _store(key, (generation, value))
    return value


def _personal(request) -> bool:
    """Whether the page may be rendered for this person: a session (a member of staff) or a
    flash message waiting to be shown. They get a page of their own, never a stored one."""
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies


def _storable(request, response) -> bool:
    """Whether the response, as it leaves the whole middleware stack, is the same for anyone.

    Checked on the outgoing response rather than in the view: the messages, session and CSRF
    middleware only add their cookies and ``Vary: Cookie`` after the view has returned.
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

    def __call__(self, request):
        if request.method != "GET" or not _is_public(request.path_info) or _personal(request):
            return self.get_response(request)
        key = page_key(request)
        generation: object  # the current generation (an int), or UNCACHED
        try:
            generation = current()
            entry = cache.get(key)
        except Exception as exc:
            _unavailable("serving uncached", exc)
            generation = UNCACHED
        else:
            if _current_entry(entry, generation):
                return _hit(entry)
        # A miss: values computed ``per_generation`` while rendering it use the generation
        # read above. It was read before the page, so a page that already shows a change
        # committed meanwhile is at worst stored under the generation before it.
        token = _request_generation.set(generation)
        try:
            response = self.get_response(request)
        finally:
            _request_generation.reset(token)
        if generation is not UNCACHED and _storable(request, response):
            headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
            _store(key, (generation, response.status_code, headers, response.content))
            response["X-Cache"] = "miss"
        return response


def _hit(entry) -> HttpResponse:
    _generation, status, headers, body = entry
    response = HttpResponse(body, status=status)
    for name, value in headers.items():
        response[name] = value
    response["X-Cache"] = "hit"
    return response


def _is_public(path: str) -> bool:
    """Whether the path resolves to a view wrapped in ``cached_public`` (staff pages never)."""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return getattr(match.func, "public_cache", False)


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
