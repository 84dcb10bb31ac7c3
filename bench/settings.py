"""Benchmark settings: production settings unchanged, plus the /bench/trivial/ baseline URL.

Used only by bench/run.py, which sets DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL,
EMAIL_URL and CACHE_URL in the environment like a real deployment would.
"""

import os

from config.settings.production import *  # noqa: F403
from config.settings.production import CACHES

ROOT_URLCONF = "bench.urls"

# collectstatic into a temporary directory, so a run never touches the tree's staticfiles/.
if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]  # type: ignore[assignment]

# A prefix per run: cached pages of an earlier run (same generation number, same paths) in
# the shared Redis database are never served as hits, and nothing needs to be flushed.
if os.environ.get("BENCH_CACHE_PREFIX"):
    CACHES["default"]["KEY_PREFIX"] = os.environ["BENCH_CACHE_PREFIX"]

# No SECURE_SSL_REDIRECT override: the benchmark talks plain HTTP to gunicorn on localhost but
# sends what the TLS reverse proxy adds (X-Forwarded-Proto: https, X-Forwarded-For; see
# bench/client.py), so the production settings run unchanged — Secure cookies, CSRF origin
# checks, HSTS and TRUSTED_PROXY_COUNT = 1 included. Without those headers: a 301 to https://.
