"""The report form's limit of 5 an hour per client (R17, issue 8 §6): kept in the database, so
no cache eviction, other worker or Redis outage resets or breaks it, and counted per real
client address behind the configured number of reverse proxies."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from core.models import RateLimitHit
from impersonation.models import ImpersonationReport
from impersonation.services import REPORTS_PER_HOUR

pytestmark = pytest.mark.django_db

URL = "/report/"
REFUSED = "時間をおいてお試しください"


def report(client, description="", **meta):
    meta.setdefault("REMOTE_ADDR", "203.0.113.7")
    return client.post(
        URL, {"reported_text": "https://x.com/sample_b0usai", "description": description}, **meta
    )


def use_up_the_limit(client, **meta):
    for n in range(REPORTS_PER_HOUR):
        assert report(client, f"報告{n}", **meta).status_code == 302


def test_the_sixth_report_within_the_hour_is_refused_in_japanese(client, demo):
    use_up_the_limit(client)
    response = report(client, "六件目の報告")
    assert response.status_code == 429
    page = response.content.decode()
    assert REFUSED in page
    assert "六件目の報告" in page  # nothing typed is lost
    assert ImpersonationReport.objects.count() == REPORTS_PER_HOUR


def test_clearing_or_filling_the_cache_does_not_reset_the_limit(client, demo):
    use_up_the_limit(client)
    cache.clear()  # what filling a per-process cache with other keys does to the counter
    for n in range(1000):
        cache.set(f"filler-{n}", "x" * 100)
    assert report(client, "七件目").status_code == 429
    assert ImpersonationReport.objects.count() == REPORTS_PER_HOUR


def test_an_hour_later_reports_are_accepted_again_and_old_counts_are_deleted(client, demo):
    use_up_the_limit(client)
    RateLimitHit.objects.update(at=timezone.now() - timedelta(hours=1, seconds=1))
    assert report(client, "一時間後").status_code == 302
    # The expired counts are gone; only the new one is kept.
    assert RateLimitHit.objects.count() == 1


def test_the_count_keeps_no_address(client, demo):
    use_up_the_limit(client)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM core_ratelimithit")
        rows = " ".join(str(v) for row in cursor.fetchall() for v in row)
    assert "203.0.113.7" not in rows


def test_a_spoofed_forwarded_for_is_ignored_without_a_trusted_proxy(client, demo, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(REPORTS_PER_HOUR):
        response = report(client, f"報告{n}", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        assert response.status_code == 302
    response = report(client, "偽装", HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert response.status_code == 429


def test_behind_one_proxy_the_address_it_saw_is_counted(client, demo, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.5"}
    # The client writes whatever it likes on the left; the proxy appends the real address.
    for n in range(REPORTS_PER_HOUR):
        forwarded = f"192.0.2.{n}, 203.0.113.7"
        assert (
            report(client, f"報告{n}", HTTP_X_FORWARDED_FOR=forwarded, **proxy).status_code == 302
        )
    refused = report(client, "偽装", HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.7", **proxy)
    assert refused.status_code == 429
    # Another citizen behind the same proxy is not affected.
    other = report(client, "別の人", HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy)
    assert other.status_code == 302


def test_a_report_is_accepted_while_redis_is_down(client, demo, settings):
    """CACHE_URL points at a Redis that is not running (nothing listens on port 1)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "core.redis_cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/14",
        }
    }
    response = report(client, "Redis 停止中の報告")
    assert response.status_code == 302
    assert ImpersonationReport.objects.filter(description="Redis 停止中の報告").exists()
    assert client.get(response["Location"]).status_code == 200
    use_up_the_limit(client, REMOTE_ADDR="198.51.100.20")
    assert report(client, REMOTE_ADDR="198.51.100.20").status_code == 429
