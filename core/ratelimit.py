"""Rate limits kept in the database: one store all workers share, which no cache eviction,
restart or Redis outage can reset (issue 8 §6).

Each counted action is a row (scope, keyed hash of who, when); a limit of N per window is
"fewer than N rows for this key inside the window". Refused attempts are not counted, so a
client that keeps trying is let in again one window after its N-th accepted action. Rows older
than the window are deleted as the scope is used, so the table holds at most the last window.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.models import RateLimitHit


class RateLimited(DomainError):
    message = _(
        "短い時間に多くの操作があったため、一時的に受け付けを止めています。"
        "時間をおいてお試しください。"
    )


def _key(who: str) -> str:
    # Only a keyed hash of who (an address) is stored, never the address itself.
    digest = hmac.new(settings.SECRET_KEY.encode(), who.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def hit(*, scope: str, who: str, limit: int, window: timedelta) -> None:
    """Count one action by ``who`` in ``scope``, or raise ``RateLimited`` (counting nothing)
    when ``limit`` actions were already counted within ``window``. Call it inside the
    transaction that performs the action, so an action that fails is not counted."""
    key = _key(who)
    if connection.vendor == "postgresql":
        # Count-then-insert must not interleave for one client: twelve reports sent at the
        # same moment would all see four. The lock ends with the transaction. (SQLite takes
        # its write lock at BEGIN — IMMEDIATE transactions — so it needs nothing more.)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"{scope}:{key}"]
            )
    now = timezone.now()
    since = now - window
    RateLimitHit.objects.filter(scope=scope, at__lte=since).delete()
    if RateLimitHit.objects.filter(scope=scope, key=key, at__gt=since).count() >= limit:
        raise RateLimited
    RateLimitHit.objects.create(scope=scope, key=key, at=now)
