"""The one view: a slow computation cached with get_or_set, a visit counter, and the server's
hit and miss counters (INFO stats), as JSON."""
import time

from django.core.cache import cache
from django.http import JsonResponse
from django_redis import get_redis_connection


def slow_answer():
    time.sleep(0.5)  # stands for a slow query or API call
    return sum(i * i for i in range(1000))


def index(request):
    started = time.monotonic()
    missed = []

    def compute():
        missed.append(True)
        return slow_answer()

    answer = cache.get_or_set("answer", compute, timeout=300)
    elapsed_ms = round((time.monotonic() - started) * 1000, 1)
    server = get_redis_connection("default")
    # INCR straight on the connection: django-redis's cache.incr() sends a Lua script (EVAL),
    # which Cachette does not run yet, and then falls back to a GET and a SET that can lose counts.
    visits = server.incr("example:visits")
    stats = server.info("stats")
    return JsonResponse(
        {
            "answer": answer,
            "from_cache": not missed,
            "elapsed_ms": elapsed_ms,
            "visits": visits,
            "keyspace_hits": stats["keyspace_hits"],
            "keyspace_misses": stats["keyspace_misses"],
        }
    )
