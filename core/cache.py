"""Caching of public pages, invalidated by anything that changes what citizens see.

``bump()`` runs inside the transaction that changes an account, a policy, a service, a
department or an impersonation warning (signals in core/signals.py), so no reader ever sees
new data under an old generation or old data under a new one: no stale "official" answer
after a closure.
"""

from __future__ import annotations

import hashlib
from functools import wraps

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.http import HttpResponse

from core.models import PublicGeneration

CACHE_SECONDS = 600
# Headers that are part of what a cached response means (a CSV stays a download).
KEPT_HEADERS = ("Content-Disposition", "Vary", "Allow", "Content-Language")


def current() -> int:
    value = PublicGeneration.objects.filter(pk=1).values_list("value", flat=True).first()
    return value or 0


def bump() -> None:
    if not PublicGeneration.objects.filter(pk=1).update(value=F("value") + 1):
        PublicGeneration.objects.get_or_create(pk=1, defaults={"value": 2})


def cached_public(view):
    """Cache a public GET view's response body per (generation, full path)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "GET":
            return view(request, *args, **kwargs)
        digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
        key = f"public:{current()}:{digest}"
        hit = cache.get(key)
        if hit is not None:
            status, headers, body = hit
            response = HttpResponse(body, status=status)
            for name, value in headers.items():
                response[name] = value
            response["X-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if (
            response.status_code in (200, 404)
            and not response.cookies
            and not getattr(response, "streaming", False)
        ):
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            headers = {
                name: response[name]
                for name in ("Content-Type", *KEPT_HEADERS)
                if response.has_header(name)
            }
            cache.set(key, (response.status_code, headers, response.content), CACHE_SECONDS)
            response["X-Cache"] = "miss"
        return response

    # Read-only: no transaction per request (ATOMIC_REQUESTS would add three statements).
    return transaction.non_atomic_requests(wrapper)
