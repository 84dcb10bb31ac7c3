"""The address of the person at the other end, as far as this deployment can know it.

Behind reverse proxies ``REMOTE_ADDR`` is the nearest proxy, and ``X-Forwarded-For`` is a list
anyone can start: each proxy appends the address it was connected from. Only the entries the
deployment's own proxies appended can be believed, so the number of trusted proxies is
configuration (``TRUSTED_PROXY_COUNT``):

- 0: no proxy; ``REMOTE_ADDR`` is the client and ``X-Forwarded-For`` is ignored;
- N: the client is the N-th entry from the right of ``X-Forwarded-For`` (the address the
  outermost trusted proxy saw). Anything to the left of it was written by the client.

The one function used for every per-address rule: the citizen report limit
(core/ratelimit.py) and django-axes' login lockout (``AXES_CLIENT_IP_CALLABLE``).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        # Not through every trusted proxy (a health check, a direct connection): the only
        # address known is the peer's.
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
