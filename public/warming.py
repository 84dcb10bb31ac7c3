"""Re-render the most requested public pages into the cache right after a change (issue 12 §6,
ADR 0016).

Every change citizens see starts a new public generation, so every cached page misses once
afterwards; the job queue runs ``warm`` right after the open-data files (public/tasks.py), so
the first citizens after an approval mostly meet pages already rendered.

Which pages: the fixed entrances (the list and its first pages, the verifier, about, the
closed accounts, the impersonation warnings, the API list) and the pages of the accounts
changed most recently — the approval that started this generation is among them. Pages are
rendered through the whole middleware stack, exactly as a citizen's request is (no cookie,
the site's own host and scheme), so ``core.cache.PublicCacheMiddleware`` stores them under the
same key and with the same bytes as that request would; a page already stored for this
generation is simply a hit. Warming stops when a newer change has made the generation stale
(its own task warms that one) and after ``WARM_SECONDS``; a page that fails is logged and
skipped, never raised into the task.
"""

from __future__ import annotations

import io
import logging
import sys
import time
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIRequest
from django.http.request import validate_host
from django.urls import reverse

from accounts.models import PUBLIC_PAGE_STATUSES, OfficialAccount
from core.cache import current

logger = logging.getLogger(__name__)

# Pages 2.. of the list rendered after the first (most visitors stay on the first pages).
LIST_PAGES = 3
# Account pages of the accounts changed most recently.
CHANGED_ACCOUNTS = 5
# Warming is an optimisation: it never holds the worker longer than this.
WARM_SECONDS = 30.0


def hot_paths() -> list[str]:
    """The pages warmed after each change, most requested first."""
    listing = reverse("public:account_list")
    paths = [listing, reverse("public:verify")]
    changed = (
        OfficialAccount.objects.filter(status__in=PUBLIC_PAGE_STATUSES, listed_at__isnull=False)
        .order_by("-updated_at")
        .values_list("pk", flat=True)[:CHANGED_ACCOUNTS]
    )
    paths += [reverse("public:account_detail", args=[pk]) for pk in changed]
    paths += [
        reverse("public:about"),
        reverse("public:closed_list"),
        reverse("public:impersonations"),
        reverse("api-accounts"),
    ]
    paths += [f"{listing}?page={number}" for number in range(2, LIST_PAGES + 1)]
    return paths


def warm(generation: int) -> int:
    """Render the hot pages for ``generation`` and store them (public.tasks.refresh_public).
    Returns how many pages were answered (stored now, or already stored)."""
    started = time.monotonic()
    warmed = 0
    try:
        paths = hot_paths()
        handler = _handler()
    except Exception:
        logger.exception("public pages not warmed for generation %s", generation)
        return 0
    for path in paths:
        if time.monotonic() - started > WARM_SECONDS:
            logger.warning("warming stopped after %.0f s, before %s", WARM_SECONDS, path)
            break
        try:
            if current() != generation:
                break  # a newer change: its own task warms its pages
            response = handler.get_response(citizen_request(path))
        except Exception:
            logger.exception("public page %s not warmed", path)
            continue
        if response.get("X-Cache") in ("miss", "hit"):
            warmed += 1
        else:
            logger.warning("public page %s not stored (%s)", path, response.status_code)
    logger.info(
        "%d public pages warmed for generation %s in %.2f s",
        warmed,
        generation,
        time.monotonic() - started,
    )
    return warmed


@cache
def _handler() -> BaseHandler:
    """The project's middleware stack, as the WSGI handler builds it (without its request
    signals: they would close this task's database connection)."""
    handler = BaseHandler()
    handler.load_middleware()
    return handler


def citizen_request(path: str) -> WSGIRequest:
    """A GET of ``path`` as a citizen sends it: no cookie, the site's host and scheme."""
    host, scheme = _site()
    path_info, _, query = path.partition("?")
    return WSGIRequest(
        {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path_info,
            "QUERY_STRING": query,
            "SCRIPT_NAME": "",
            "SERVER_NAME": host.partition(":")[0],
            "SERVER_PORT": "443" if scheme == "https" else "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": host,
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": scheme,
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
        }
    )


def _site() -> tuple[str, str]:
    """The host and scheme citizens use (SITE_URL), or an allowed host if SITE_URL's is not."""
    site = urlsplit(settings.SITE_URL)
    scheme = site.scheme or "https"
    if site.hostname and validate_host(site.hostname, settings.ALLOWED_HOSTS):
        return site.netloc, scheme
    for host in settings.ALLOWED_HOSTS:
        if host and "*" not in host and not host.startswith("."):
            return host, scheme
    return "localhost", scheme
