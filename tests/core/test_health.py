"""``/healthz`` as the load balancer sees it (core/health.py, issue 12 §1): plain http with its
own Host under production's https redirect and ALLOWED_HOSTS, no login, never cached, and what
each failure does to the answer — without ever saying why in the body."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from tests.redis_faults import FaultyRedis

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DOWN_URL = "redis://127.0.0.1:1/0"  # nothing listens there


def probe(client: Client, **extra) -> tuple[int, dict, object]:
    response = client.get("/healthz", **extra)
    return response.status_code, json.loads(response.content), response


@pytest.fixture
def production_like(settings):
    """What production enforces on every other path: https, and only its own host name."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["sns.city.example.lg.jp"]
    return settings


def test_healthy_answers_ok_json_never_cached_without_login(client):
    status, body, response = probe(client)
    assert status == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "cache": True,
        "queue": True,
    }
    assert body["checks"]["queue"]["oldest_ready_seconds"] == 0
    assert "Set-Cookie" not in response  # no session, no CSRF cookie for a probe


def test_plain_http_with_the_load_balancers_host_is_answered(client, production_like):
    # The same request to any other page is refused (the Host) or sent to https.
    assert client.get("/about/", HTTP_HOST="10.0.0.5").status_code == 400
    assert client.get("/about/", HTTP_HOST="sns.city.example.lg.jp").status_code == 301

    status, body, response = probe(client, HTTP_HOST="10.0.0.5")
    assert status == 200
    assert body["status"] == "ok"
    assert "Location" not in response


def test_only_get_and_head(client):
    assert client.head("/healthz").status_code == 200
    response = client.post("/healthz", {"x": "1"})
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_cache_down_is_degraded_but_still_200(client, settings):
    settings.CACHES = {"default": {"BACKEND": "core.redis_cache.RedisCache", "LOCATION": DOWN_URL}}
    status, body, _ = probe(client)
    assert status == 200  # the pages are served uncached: keep this server in the pool
    assert body["status"] == "degraded"
    assert body["checks"]["cache"] == {"ok": False, "ms": body["checks"]["cache"]["ms"]}
    assert body["checks"]["database"]["ok"] is True


def test_a_hung_cache_costs_the_probe_well_under_a_second(client, settings):
    hung = FaultyRedis()
    hung.hang()
    try:
        settings.CACHES = {
            "default": {"BACKEND": "core.redis_cache.RedisCache", "LOCATION": hung.url()}
        }
        started = time.monotonic()
        status, body, _ = probe(client)
        elapsed = time.monotonic() - started
    finally:
        hung.close()
    assert status == 200
    assert body["status"] == "degraded"
    assert elapsed < 3.0, elapsed  # core/redis_cache.py: 0.25 s per wait, then the breaker


def test_a_stale_queue_is_reported_as_degraded(client, settings):
    from django_tasks_db.models import DBTaskResult

    settings.HEALTHZ_QUEUE_STALE_SECONDS = 60
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="public.tasks.refresh_public",
        backend_name="default",
        run_after=timezone.now() - timedelta(minutes=10),
    )
    DBTaskResult.objects.filter(pk=task.pk).update(
        enqueued_at=timezone.now() - timedelta(minutes=10)
    )
    status, body, _ = probe(client)
    assert status == 200  # the worker is stuck, the web is not
    assert body["status"] == "degraded"
    queue = body["checks"]["queue"]
    assert queue["ok"] is True
    assert queue["stale"] is True
    assert 590 <= queue["oldest_ready_seconds"] <= 700


SECRET_BITS = ("127.0.0.1", "5999", "postgres", "sns_nowhere", "refused", "Traceback", "Error")


def test_database_down_is_503_and_says_nothing_about_why(tmp_path):
    """Production settings in a process of their own, the database on a port where nothing
    listens: 503, no exception text, address or DSN in the body; the reason on stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="dummy-" + "k3y-" * 15,
        DJANGO_ALLOWED_HOSTS="sns.city.example.lg.jp",
        DATABASE_URL="postgres://postgres@127.0.0.1:5999/sns_nowhere",
        SITE_URL="https://sns.city.example.lg.jp",
        EMAIL_URL="smtp://127.0.0.1:25",
        CACHE_URL="locmemcache://",
    )
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/healthz', HTTP_HOST='10.0.0.5')\n"
        "print(r.status_code, r['Cache-Control'])\n"
        "print(r.content.decode())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    first, body_text = result.stdout.split("\n", 1)
    assert first == "503 no-store"
    body = json.loads(body_text)
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is False
    for bit in SECRET_BITS:
        assert bit not in body_text, bit
    assert "healthz: the database check failed" in result.stderr
