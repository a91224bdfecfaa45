"""Django helpers for Cachette (docs/django.md).

- cachette_django.client.CachetteClient: a django-redis CLIENT_CLASS whose delete_pattern is one
  INVALIDATE command (SCAN + DEL against a plain Redis).
- delete_pattern(cache, pattern) / delete_prefix(cache, prefix): the same for any cache alias or
  cache object, django-redis's RedisCache or Django's built-in RedisCache (Django >= 4.0).
- prefix_stats(cache): hits, misses, hit ratio, writes, keys and memory per key prefix.

`cache` is an alias of settings.CACHES ("default"), a cache object (django.core.cache.caches[...]),
or a redis-py client.

This module imports neither django-redis nor Django's RedisCache: either may be missing.
"""

from .server import NotCachetteError, SORT_FIELDS, glob_escape, literal_prefix

__all__ = ["NotCachetteError", "SORT_FIELDS", "delete_pattern", "delete_prefix", "glob_escape",
           "literal_prefix", "prefix_stats", "redis_client"]

__version__ = "0.1.0"


def _cache(cache_or_alias):
    if isinstance(cache_or_alias, str):
        from django.core.cache import caches

        return caches[cache_or_alias]
    return cache_or_alias


def _is_redis_client(obj):
    return hasattr(obj, "execute_command") and hasattr(obj, "connection_pool")


def _is_django_redis(cache):
    # django_redis.cache.RedisCache: .client is a django-redis client (DefaultClient...).
    client = getattr(type(cache), "client", None)
    return client is not None and hasattr(cache, "_client_cls")


def redis_client(cache_or_alias="default", write=True):
    """The redis-py client under a cache: django-redis's client.get_client(write=...), Django's
    built-in RedisCache's _cache.get_client(write=...) (Django >= 4.0), or the redis-py client
    itself when given one."""
    cache = _cache(cache_or_alias)
    if _is_redis_client(cache):
        return cache
    if _is_django_redis(cache):
        return cache.client.get_client(write=write)
    inner = getattr(cache, "_cache", None)  # django.core.cache.backends.redis.RedisCacheClient
    if inner is not None and hasattr(inner, "get_client"):
        return inner.get_client(None, write=write)
    raise TypeError(f"{type(cache).__module__}.{type(cache).__name__} is not a Redis cache "
                    "(django-redis's RedisCache or django.core.cache.backends.redis.RedisCache)")


def _full_pattern(cache, pattern, version):
    """`pattern` as a glob on the keys the cache writes: the cache's KEY_PREFIX and version,
    escaped, joined by its KEY_FUNCTION (as django-redis's make_pattern does)."""
    if _is_django_redis(cache):
        return cache.client.make_pattern(pattern, version=version)
    if version is None:
        version = cache.version
    return cache.key_func(pattern, glob_escape(cache.key_prefix), glob_escape(str(version)))


def delete_pattern(cache_or_alias, pattern, version=None, itersize=None):
    """Removes every key of the cache that matches the glob `pattern` (as given to django-redis's
    cache.delete_pattern: the cache's KEY_PREFIX and version are added); returns their number.
    Against Cachette: one INVALIDATE command. Against a plain Redis: SCAN MATCH (COUNT itersize)
    + DEL, through django-redis's own delete_pattern for a django-redis cache. A redis-py client
    takes the pattern as it is (no prefix, no version)."""
    from . import server

    cache = _cache(cache_or_alias)
    if _is_redis_client(cache):
        client, full = cache, pattern
    else:
        client, full = redis_client(cache, write=True), _full_pattern(cache, pattern, version)
    count = server.invalidate(client, full)
    if count is not None:
        return count
    if _is_django_redis(cache):
        if itersize is None:
            from django.conf import settings

            itersize = getattr(settings, "DJANGO_REDIS_SCAN_ITERSIZE", 10)
        return cache.client.delete_pattern(full, client=client, itersize=itersize)
    return server.scan_delete(client, full, itersize)


def delete_prefix(cache_or_alias, prefix, version=None, itersize=None):
    """Removes every key whose name (as the application spells it, before KEY_PREFIX and version
    are added) starts with the literal string `prefix` (its glob characters are literal);
    returns their number. delete_prefix("default", "reviews:user:42:") does what
    delete_pattern("default", "reviews:user:42:*") does."""
    return delete_pattern(cache_or_alias, glob_escape(prefix) + "*", version=version,
                          itersize=itersize)


def prefix_stats(cache_or_alias="default", sort=None, count=None, order=None):
    """{prefix: {"hits", "misses", "hit_ratio", "writes", "keys", "memory"}} from Cachette's
    PREFIXSTATS, for the server under the cache (the table covers the whole server). `sort` is
    one of SORT_FIELDS (the server sorts; dicts keep its order), `order` "asc" or "desc",
    `count` the number of rows (a row "other", last, sums what the server does not track by
    name). With replicas configured, the figures are the primary's. A prefix is the key up to
    the server's `prefix-stats-segments`-th ':' (3 gives ":1:reviews" for Django's default key
    format ":1:reviews:user:42"). Raises NotCachetteError against a plain Redis."""
    from . import server

    # The primary (write=True): with replicas configured, reads may go elsewhere at random.
    return server.prefix_stats(redis_client(cache_or_alias, write=True), sort=sort, order=order,
                               count=count)
