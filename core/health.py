"""``/healthz``: may the load balancer send citizens to this app server? (issue 12 §1)

The answer is JSON with ``Cache-Control: no-store``, one entry per check:

- ``database``: ``SELECT 1``. Down: **503** — no page of the registry works without it, so the
  load balancer should send people to a server that has one.
- ``cache``: a set/get round trip of a key of its own. Down: **200, "degraded"** — every page
  is still served, uncached (core/cache.py; core/redis_cache.py gives up on Redis after
  0.25 s), and the generation lives in the database, so nothing stale is shown either. Taking
  every server out because the shared Redis is down would turn a slow site into no site.
- ``queue``: the task table (django-tasks-db) is read, and the age of the oldest task ready to
  run is reported. Older than ``HEALTHZ_QUEUE_STALE_SECONDS`` (300 s by default): 200,
  "degraded" — the worker is stuck or stopped (mail and the open-data files wait), but this
  server still serves every page correctly; monitoring should alert on it, the load balancer
  must not act.

It never says why a check failed (no exception text, host name or DSN: the endpoint has no
login); the reason is logged on stderr instead.

``HealthCheckMiddleware`` answers it first in ``MIDDLEWARE``: a load balancer probes over
plain http, with its own Host (often the server's IP address), so the path must be answered
before ``SecurityMiddleware`` redirects to https and before anything validates the Host
against ``ALLOWED_HOSTS``. Nothing in the answer depends on the Host, the session or the
client's address (the rate limits never see it). The URL in config/urls.py is the same view,
reached only if the middleware is taken out.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

logger = logging.getLogger(__name__)

PATH = "/healthz"


def _timed(name: str, check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = {"ok": True, **check()}
    except Exception:
        # Any failure means "not there"; the cause goes to the log, never into the answer.
        logger.exception("healthz: the %s check failed", name)
        result = {"ok": False}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def _cache() -> dict[str, Any]:
    # A key per probe: two servers probed at once never read each other's value.
    key = f"healthz:{secrets.token_hex(8)}"
    value = secrets.token_hex(8)
    cache.set(key, value, timeout=10)
    try:
        if cache.get(key) != value:
            raise RuntimeError("the cache did not return the value just stored")
    finally:
        cache.delete(key)
    return {}


def _queue() -> dict[str, Any]:
    from django_tasks_db.models import DBTaskResult

    oldest = (
        DBTaskResult.objects.ready()
        .order_by("enqueued_at")
        .values_list("enqueued_at", flat=True)
        .first()
    )
    age = 0 if oldest is None else max(0, int((timezone.now() - oldest).total_seconds()))
    return {"oldest_ready_seconds": age, "stale": age > settings.HEALTHZ_QUEUE_STALE_SECONDS}


def check() -> tuple[int, dict[str, Any]]:
    """(HTTP status, body) of one probe."""
    checks = {
        "database": _timed("database", _database),
        "cache": _timed("cache", _cache),
        "queue": _timed("queue", _queue),
    }
    if not checks["database"]["ok"]:
        return 503, {"status": "unavailable", "checks": checks}
    degraded = (
        not checks["cache"]["ok"] or not checks["queue"]["ok"] or checks["queue"].get("stale")
    )
    return 200, {"status": "degraded" if degraded else "ok", "checks": checks}


@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    if request.method in ("GET", "HEAD"):
        status, body = check()
        response = JsonResponse(body, status=status)
    else:
        response = JsonResponse({"status": "method not allowed"}, status=405)
        response["Allow"] = "GET, HEAD"
    # Never kept by a proxy or the load balancer: each probe asks this server afresh.
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class HealthCheckMiddleware:
    """Answers ``/healthz`` before any other middleware (first in ``MIDDLEWARE``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == PATH:
            return healthz(request)
        return self.get_response(request)
