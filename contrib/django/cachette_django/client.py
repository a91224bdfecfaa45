"""A django-redis client class for Cachette:

    CACHES = {"default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/1",
        "OPTIONS": {"CLIENT_CLASS": "cachette_django.client.CachetteClient"},
    }}

cache.delete_pattern("reviews:user:42:*") then sends one INVALIDATE command instead of
django-redis's SCAN MATCH ... COUNT 10 loop (which walks the whole keyspace, ten keys per round
trip) and DEL of every key found. Against a server without INVALIDATE (a plain Redis) it does
exactly what django-redis's DefaultClient does; the server is asked once per connection pool.
Everything else is django-redis's DefaultClient unchanged.
"""

import socket

from django_redis.client import DefaultClient
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError, ResponseError, TimeoutError

from . import server

__all__ = ["CachetteClient"]

# The exceptions django-redis turns into ConnectionInterrupted (django_redis.client.default).
_MAIN_EXCEPTIONS = (TimeoutError, ResponseError, ConnectionError, socket.timeout)


class CachetteClient(DefaultClient):
    def delete_pattern(self, pattern, version=None, prefix=None, client=None, itersize=None):
        """Removes every key that matches `pattern` (a glob on the key as the cache names it:
        KEY_PREFIX and version are added as django-redis's make_pattern does); returns their
        number. One INVALIDATE against Cachette; SCAN + DEL (itersize keys per SCAN) against
        a plain Redis."""
        if client is None:
            client = self.get_client(write=True)
        full = self.make_pattern(pattern, version=version, prefix=prefix)
        try:
            count = server.invalidate(client, full)
        except _MAIN_EXCEPTIONS as e:
            raise ConnectionInterrupted(connection=client) from e
        if count is None:
            return super().delete_pattern(full, client=client, itersize=itersize)
        return count

    def delete_prefix(self, key_prefix, version=None, prefix=None, client=None, itersize=None):
        """Removes every key whose name (after KEY_PREFIX and version) starts with the literal
        string `key_prefix` (glob characters in it are not wildcards); returns their number."""
        return self.delete_pattern(server.glob_escape(key_prefix) + "*", version=version,
                                   prefix=prefix, client=client, itersize=itersize)

    def prefix_stats(self, sort=None, order=None, count=None, client=None):
        """Per-prefix figures of the server (see cachette_django.prefix_stats)."""
        if client is None:
            client = self.get_client(write=True)
        try:
            return server.prefix_stats(client, sort=sort, order=order, count=count)
        except (TimeoutError, ConnectionError, socket.timeout) as e:
            raise ConnectionInterrupted(connection=client) from e
