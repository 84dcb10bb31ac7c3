"""Django's Redis cache, with one ``redis.Redis`` client per connection pool, short time-outs
and a circuit breaker.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache call,
and building one registers its ~170 response callbacks: about 0.3 ms of CPU, a third of what
serving a cached public page costs (bench/run.py). A ``redis.Redis`` is safe to share between
threads (connections come from its pool), so one per pool is kept. Used automatically when
``CACHE_URL`` is a ``redis://`` URL (config/settings/base.py).

A sick cache must cost milliseconds, not seconds (ADR 0008, "The cache may fail"):

- redis-py waits 5 s by default to connect and 5 s for each answer; a Redis that accepts
  connections and never answers made ``/`` (three cache calls) take 15 s. The defaults here
  are ``socket_connect_timeout`` and ``socket_timeout`` of ``DEFAULT_TIMEOUT`` seconds;
- after a connection error or a time-out, every call to the same server fails at once
  (``CacheUnavailable``) for ``circuit_breaker_seconds``; the first call after that tries
  again. Callers treat both errors alike: the cache is not there.

Both can be set in ``CACHE_URL``: ``redis://…/1?socket_timeout=0.5&circuit_breaker_seconds=10``.
"""

from __future__ import annotations

import time
from functools import wraps

import redis
from django.core.cache.backends import redis as django_redis

DEFAULT_TIMEOUT = 0.25  # seconds; a local or same-network Redis answers in well under 1 ms
DEFAULT_BREAKER_SECONDS = 5.0

# When each server (its LOCATION) may be tried again; shared by every thread of the process.
_open_until: dict[str, float] = {}


class CacheUnavailable(redis.ConnectionError):
    """Not even tried: the same server failed less than ``circuit_breaker_seconds`` ago."""


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, servers, *args, circuit_breaker_seconds=DEFAULT_BREAKER_SECONDS, **kwargs):
        kwargs.setdefault("socket_connect_timeout", DEFAULT_TIMEOUT)
        kwargs.setdefault("socket_timeout", DEFAULT_TIMEOUT)
        super().__init__(servers, *args, **kwargs)
        self._clients = {}
        self._breaker_key = ",".join(servers)
        self._breaker_seconds = float(circuit_breaker_seconds)

    def get_client(self, key=None, *, write=False):
        # Private members of Django's client (django/core/cache/backends/redis.py) that
        # django-stubs does not declare.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(  # type: ignore[attr-defined]
                connection_pool=pool
            )
        return client


def _guarded(name: str):
    """``RedisCacheClient.<name>``, failing at once while the server's circuit is open."""
    call = getattr(django_redis.RedisCacheClient, name)

    @wraps(call)
    def guarded(self, *args, **kwargs):
        until = _open_until.get(self._breaker_key)
        if until is not None and time.monotonic() < until:
            raise CacheUnavailable(f"Redis {self._breaker_key} failed recently; not tried")
        try:
            result = call(self, *args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError):
            _open_until[self._breaker_key] = time.monotonic() + self._breaker_seconds
            raise
        if until is not None:
            _open_until.pop(self._breaker_key, None)  # it answers again
        return result

    return guarded


for _name in (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
):
    setattr(RedisCacheClient, _name, _guarded(_name))


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
