"""Django's Redis cache, with one ``redis.Redis`` client per connection pool.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache call,
and building one registers its ~170 response callbacks: about 0.3 ms of CPU, a third of what
serving a cached public page costs (bench/run.py). A ``redis.Redis`` is safe to share between
threads (connections come from its pool), so one per pool is kept. Used automatically when
``CACHE_URL`` is a ``redis://`` URL (config/settings/base.py).
"""

from __future__ import annotations

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
