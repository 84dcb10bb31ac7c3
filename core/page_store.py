"""How cached public pages are kept and answered (core/cache.py decides what and when; ADR 0016).

- **Entries** are ``(generation, status, headers, body)``: the body as bytes and the few headers
  that are part of what it means, among them its ``ETag`` (a hash of status, type and body, so
  it changes whenever the body can and stays the same when a re-render gives the same bytes)
  and ``Cache-Control: public, no-cache`` (browsers and proxies may keep a page but ask every
  time: a closure must be seen at once).
- **No expiry for freshness.** An entry is replaced when the generation changes. The long
  ``CACHE_SECONDS`` only bounds what a key nobody asks for again — a path with an odd query
  string, a page of the previous deploy — keeps occupying Redis (production also sets
  ``maxmemory`` with ``maxmemory-policy allkeys-lru``, docs/decisions/0016).
- **An in-process layer** of recent hits (``LOCAL_BYTES`` per process) in front of a shared
  cache: a hit then costs no cache round trip and no unpickling. It is as safe as the shared
  cache: an entry is served only under the generation it was rendered in, and the generation
  is still read from the database on every request. Off for per-process caches (local memory,
  dummy), which are in the process already.
- **304.** ``If-None-Match`` is compared the way RFC 9110 §13.1.2 says (weak comparison, a list,
  ``*``), only for 200 pages, before the body is touched.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache as once
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache, caches
from django.http import HttpResponse, HttpResponseNotModified

from core.redis_cache import CacheUnavailable

logger = logging.getLogger("core.cache")

# A safety bound, not freshness (the generation is): how long an entry of a key nobody asks for
# again stays in the cache. A page that stays current longer is rendered once more a day.
CACHE_SECONDS = 24 * 3600
PUBLIC_CACHE_CONTROL = "public, no-cache"
# Headers that are part of what a cached response means (a CSV stays a download).
KEPT_HEADERS = (
    "Content-Type",
    "Content-Disposition",
    "Cache-Control",
    "Vary",
    "Allow",
    "Content-Language",
    "ETag",
)
# RFC 9110 §15.4.5: a 304 carries what the 200 would have, of these.
NOT_MODIFIED_HEADERS = ("Cache-Control", "Content-Location", "ETag", "Expires", "Vary")
# The in-process layer's budget per worker process; a page larger than an eighth of it is
# never kept there.
LOCAL_BYTES = 32 * 1024 * 1024
# The files a build's pages are rendered from (hashed when no DEPLOY_VERSION is set).
SOURCE_SUFFIXES = {".py", ".html", ".txt", ".xml", ".json", ".mo", ".svg"}
# Caches that live in the process already: no second copy in front of them.
PER_PROCESS_BACKENDS = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


def unavailable(what: str, exc: Exception) -> None:
    # A circuit left open by an earlier failure (core/redis_cache.py) needs no traceback.
    logger.error(
        "public cache unavailable; %s: %s",
        what,
        exc,
        exc_info=not isinstance(exc, CacheUnavailable),
    )


# --- The build ------------------------------------------------------------------------------


def build_version() -> str:
    """What this deploy renders pages with: ``settings.DEPLOY_VERSION`` (env DEPLOY_VERSION,
    e.g. the git commit), or else a hash of the code, templates, translations, the locked
    requirements and the static manifest — read once per process."""
    return getattr(settings, "DEPLOY_VERSION", "") or source_version()


@once
def source_version() -> str:
    return hash_sources(_source_roots())


def _source_roots() -> list[Path]:
    base = Path(settings.BASE_DIR)
    roots = [
        Path(app.path) for app in apps.get_app_configs() if Path(app.path).is_relative_to(base)
    ]
    for template in settings.TEMPLATES:
        roots += [Path(d) for d in template.get("DIRS", [])]  # type: ignore[attr-defined]
    roots += [base / "config", base / "requirements"]
    roots += [Path(p) for p in getattr(settings, "LOCALE_PATHS", [])]
    manifest = Path(settings.STATIC_ROOT or base / "staticfiles") / "staticfiles.json"
    return [*roots, manifest]


def hash_sources(roots: list[Path]) -> str:
    digest = hashlib.sha256()
    files: set[Path] = set()
    for root in roots:
        if root.is_file():
            files.add(root)
        elif root.is_dir():
            files.update(
                p
                for p in root.rglob("*")
                if p.suffix in SOURCE_SUFFIXES and "__pycache__" not in p.parts and p.is_file()
            )
    for path in sorted(files):
        # The path relative to the project: hosts with checkouts in other folders agree.
        try:
            name = path.resolve().relative_to(settings.BASE_DIR.resolve())
        except ValueError:
            name = Path(path.name)
        digest.update(str(name).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# --- Entries --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    generation: int
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    etag: str

    def entry(self) -> tuple:
        return (self.generation, self.status, self.headers, self.body)

    @classmethod
    def of_entry(cls, entry) -> Page | None:
        try:
            generation, status, headers, body = entry
            etag = dict(headers)["ETag"]
        except (TypeError, ValueError, KeyError):
            return None  # not an entry of this code (a planted or an older value)
        return cls(generation, status, headers, body, etag)


def page_of(response, generation: int) -> Page:
    """The storable part of a response a public view answered (core.cache._storable)."""
    if not response.has_header("Cache-Control"):
        response["Cache-Control"] = PUBLIC_CACHE_CONTROL
    body = response.content
    digest = hashlib.sha256(f"{response.status_code} {response.get('Content-Type', '')}\n".encode())
    digest.update(body)
    response["ETag"] = f'"{digest.hexdigest()[:32]}"'
    headers = tuple((name, response[name]) for name in KEPT_HEADERS if response.has_header(name))
    return Page(generation, response.status_code, headers, body, response["ETag"])


def lookup(key: str, generation: int) -> Page | None:
    """The page stored under ``key`` for ``generation``, or None. Raises if the cache fails."""
    local = _local()
    if local is not None:
        page = local.get(key, generation)
        if page is not None:
            return page
    entry = cache.get(key)
    page = Page.of_entry(entry) if entry is not None else None
    if page is None or page.generation != generation:
        return None
    if local is not None:
        local.put(key, page)
    return page


def store(key: str, page: Page) -> None:
    local = _local()
    if local is not None:
        local.put(key, page)
    try:
        cache.set(key, page.entry(), CACHE_SECONDS)
    except Exception as exc:
        unavailable(f"{key} not stored", exc)


def acquire(lock: str, seconds: int) -> bool:
    """Take the lock to render a missing page; True too if the cache cannot say (render)."""
    try:
        return bool(cache.add(lock, 1, seconds))
    except Exception as exc:
        unavailable("no render lock", exc)
        return True


def release(lock: str) -> None:
    try:
        cache.delete(lock)
    except Exception as exc:
        unavailable("render lock left to expire", exc)


# --- Answers --------------------------------------------------------------------------------


def answer(request, page: Page, state: str) -> HttpResponse:
    """A stored page as a response: a 304 if the browser has it, else the page."""
    if _not_modified(request, page):
        return _not_modified_response(page, state)
    response = HttpResponse(page.body, status=page.status)
    for name, value in page.headers:
        response[name] = value
    response["Content-Length"] = str(len(page.body))
    response["X-Cache"] = state
    return response


def finish(request, response, page: Page, state: str | None) -> HttpResponse:
    """A rendered (and stored) response as it leaves: a 304 if the browser has it already."""
    if _not_modified(request, page):
        return _not_modified_response(page, state)
    response["Content-Length"] = str(len(page.body))
    if state is not None:
        response["X-Cache"] = state
    return response


def _not_modified_response(page: Page, state: str | None) -> HttpResponse:
    response = HttpResponseNotModified()
    for name, value in page.headers:
        if name in NOT_MODIFIED_HEADERS:
            response[name] = value
    if state is not None:
        response["X-Cache"] = state
    return response


def _not_modified(request, page: Page) -> bool:
    header = request.META.get("HTTP_IF_NONE_MATCH")
    return header is not None and page.status == 200 and none_match_fails(header, page.etag)


def none_match_fails(header: str, etag: str) -> bool:
    """Whether ``If-None-Match: <header>`` names ``etag`` (RFC 9110 §13.1.2): ``*`` names any
    current page; otherwise a comma-separated list, compared weakly (``W/"x"`` names ``"x"``).
    Anything malformed names nothing, so the page is sent."""
    if header.strip() == "*":
        return True
    for candidate in header.split(","):
        tag = candidate.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag == etag:
            return True
    return False


# --- The in-process layer -------------------------------------------------------------------


class LocalPages:
    """Recent pages of this process, least recently used first out, within ``budget`` bytes."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self._pages: OrderedDict[str, Page] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, generation: int) -> Page | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None or page.generation != generation:
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: str, page: Page) -> None:
        size = len(page.body) + 512
        if size > self.budget // 8:
            return
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self.size -= len(old.body) + 512
            self._pages[key] = page
            self.size += size
            while self.size > self.budget:
                _, evicted = self._pages.popitem(last=False)
                self.size -= len(evicted.body) + 512

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self.size = 0


_local_pages = LocalPages(LOCAL_BYTES)


def clear_local() -> None:
    """Forget this process's copies (what a new worker process starts with)."""
    _local_pages.clear()


_local_for: list[object] = [None, None]  # [the CACHES setting, its layer or None]


def _local() -> LocalPages | None:
    """The in-process layer for the cache in use, or None for a per-process cache. Started
    again when the CACHES setting is (another prefix, another server: tests switch it).

    Keyed on the setting, not the backend object: Django builds one backend per thread.
    """
    conf = caches.settings
    if _local_for[0] is not conf:
        shared = conf["default"]["BACKEND"] not in PER_PROCESS_BACKENDS
        _local_pages.clear()
        _local_for[0], _local_for[1] = conf, (_local_pages if shared else None)
    return _local_for[1]  # type: ignore[return-value]
