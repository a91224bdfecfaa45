"""The Django helpers of contrib/django (cachette_django) against the real server, and their
fallback against Debian's redis-server, with Debian's Django and django-redis.

- CachetteClient (django-redis CLIENT_CLASS): cache.delete_pattern() is one INVALIDATE command
  (PREFIX when the pattern is a literal then '*', MATCH otherwise), returns the number of keys,
  removes exactly the matching keys of its KEY_PREFIX, version and database, and leaves keys
  written afterwards alone. Against redis-server it does django-redis's SCAN + DEL and asks the
  server about INVALIDATE once per connection pool.
- delete_pattern / delete_prefix / prefix_stats for a cache alias, a django-redis cache and a
  cache shaped like Django 4's built-in RedisCache (Debian 12 ships Django 3.2, which has none;
  the real one is tested too where Django >= 4 is installed).
- prefix_stats after known traffic, with `prefix-stats-segments 3` (Django's key format).
- The package installs with pip, offline, into a --target directory and into a venv.

The package is used from the source tree (contrib/django on sys.path).
"""

import os
import shutil
import subprocess
import sys

import pytest
import redis

from conftest import REPO, start_cachette, wait_until

django = pytest.importorskip("django")
pytest.importorskip("django_redis")

CONTRIB = os.path.join(REPO, "contrib", "django")
sys.path.insert(0, CONTRIB)

import cachette_django  # noqa: E402
from cachette_django import server as cserver  # noqa: E402

DJANGO_REDIS_CLIENT = "cachette_django.client.CachetteClient"


@pytest.fixture(scope="module", autouse=True)
def django_settings():
    from django.conf import settings

    if not settings.configured:  # test_django.py may have configured them in this process
        settings.configure(SECRET_KEY="integration-tests", USE_TZ=True)
        django.setup()


def django_redis_cache(port, db=1, key_prefix="", client_class=DJANGO_REDIS_CLIENT, **params):
    from django_redis.cache import RedisCache

    params.setdefault("OPTIONS", {})
    params["OPTIONS"]["CLIENT_CLASS"] = client_class
    return RedisCache(f"redis://127.0.0.1:{port}/{db}", {"KEY_PREFIX": key_prefix, **params})


class BuiltinShapedCache:
    """Stands in for Django 4's django.core.cache.backends.redis.RedisCache where Django is 3.2:
    what the helpers use of it is BaseCache's key_prefix, version and key_func (make_key), and
    _cache.get_client(key, write=...), which returns a redis.Redis on a pool cached per server."""

    class _Client:
        def __init__(self, url):
            self.pool = redis.ConnectionPool.from_url(url)

        def get_client(self, key=None, *, write=False):
            return redis.Redis(connection_pool=self.pool)

    def __new__(cls, port, db=1, key_prefix=""):
        from django.core.cache.backends.base import BaseCache

        class Shaped(BaseCache):
            def __init__(self, params):
                super().__init__(params)
                self._cache = cls._Client(f"redis://127.0.0.1:{port}/{db}")

            def set(self, key, value, timeout=None, version=None):
                self._cache.get_client(write=True).set(self.make_key(key, version), value)

            def get(self, key, default=None, version=None):
                value = self._cache.get_client().get(self.make_key(key, version))
                return default if value is None else value.decode()

        return Shaped({"KEY_PREFIX": key_prefix})


def builtin_caches(port, db=1, key_prefix=""):
    """The shaped stand-in, and the real RedisCache where Django >= 4.0 is installed."""
    out = [BuiltinShapedCache(port, db, key_prefix)]
    if django.VERSION >= (4, 0):
        from django.core.cache.backends.redis import RedisCache

        out.append(RedisCache(f"redis://127.0.0.1:{port}/{db}", {"KEY_PREFIX": key_prefix}))
    return out


def commandstats(raw):
    """Calls per command; subcommands as Redis 7 names them ("invalidate|prefix")."""
    return {name[len("cmdstat_"):]: v["calls"] for name, v in raw.info("commandstats").items()}


def err_replies(raw):
    """errorstat_ERR's count (redis-py 4.3 leaves it as the string 'count=N')."""
    value = raw.info("errorstats").get("errorstat_ERR", {"count": 0})
    if isinstance(value, str):
        return int(dict(kv.split("=") for kv in value.split(","))["count"])
    return value["count"]


def calls_since(before, raw, name):
    return commandstats(raw).get(name, 0) - before.get(name, 0)


def fill(cache, prefix, n, start=0, value="v"):
    for i in range(start, start + n):
        cache.set(f"{prefix}{i}", f"{value}{i}")


@pytest.fixture
def raw(server):
    """A plain client on database 1, after FLUSHALL."""
    server.call("FLUSHALL")
    c = redis.Redis(port=server.port, db=1)
    yield c
    c.close()


@pytest.fixture
def cache(server, raw):
    c = django_redis_cache(server.port)
    yield c
    c.close()


# ---- glob handling (no server) ---------------------------------------------------------------

@pytest.mark.parametrize("pattern, prefix", [
    (":1:reviews:user:42:*", ":1:reviews:user:42:"),
    ("site:1:*", "site:1:"),
    ("we[*]ird[[]1]:1:x*", "we*ird[1]:1:x"),  # django-redis escapes its KEY_PREFIX as [c]
    ("a\\*b\\?c\\[d\\]\\\\*", "a*b?c[d]\\"),
    ("x[\\?]*", "x?"),
    ("abc**", "abc"),
    ("*", None),  # the whole database: MATCH *
    ("abc", None),  # one exact key
    ("a*b", None),
    ("a?*", None),
    ("[ab]*", None),
    ("[a-z]*", None),
    ("[^a]*", None),
    ("[é]*", None),  # a class of the two bytes of é, not the letter
    ("abc\\", None),
])
def test_literal_prefix(pattern, prefix):
    assert cachette_django.literal_prefix(pattern) == prefix


def test_glob_escape_round_trips_through_literal_prefix():
    for text in ["plain:", "we*ird[1]?\\", "a]b", "é:ü:"]:
        assert cachette_django.literal_prefix(cachette_django.glob_escape(text) + "*") == text


def test_prefix_stats_rejects_unknown_sort_and_order(server):
    c = server.client()
    with pytest.raises(ValueError):
        cserver.prefix_stats(c, sort="speed")
    with pytest.raises(ValueError):
        cserver.prefix_stats(c, order="up")


# ---- CachetteClient against Cachette ---------------------------------------------------------

def test_delete_pattern_is_one_invalidate_and_counts(cache, raw):
    fill(cache, "reviews:user:42:", 30)
    fill(cache, "reviews:user:43:", 20)
    fill(cache, "payments:", 5)
    before = commandstats(raw)
    assert cache.delete_pattern("reviews:user:42:*") == 30
    assert calls_since(before, raw, "invalidate|prefix") == 1
    assert calls_since(before, raw, "invalidate|match") == 0
    assert calls_since(before, raw, "scan") == 0
    assert calls_since(before, raw, "del") == 0
    assert cache.get("reviews:user:42:0") is None
    assert cache.keys("reviews:user:42:*") == []
    assert raw.dbsize() == 25
    assert cache.get("reviews:user:43:7") == "v7"
    assert cache.get("payments:4") == "v4"
    assert cache.delete_pattern("reviews:user:42:*") == 0


def test_delete_pattern_sends_prefix_or_match(cache):
    sent = []
    client = cache.client.get_client(write=True)
    original = client.execute_command

    def recording(*args, **kwargs):
        sent.append(args)
        return original(*args, **kwargs)

    client.execute_command = recording
    try:
        fill(cache, "reviews:user:4", 10)
        sent.clear()
        assert cache.delete_pattern("reviews:user:4*") == 10
        assert cache.delete_pattern("reviews:user:4?") == 0
        assert cache.delete_pattern("*", version=7) == 0
    finally:
        del client.execute_command
    assert sent == [("INVALIDATE", "PREFIX", ":1:reviews:user:4"),
                    ("INVALIDATE", "MATCH", ":1:reviews:user:4?"),
                    ("INVALIDATE", "PREFIX", ":7:")]


def test_delete_pattern_general_patterns(cache, raw):
    fill(cache, "reviews:user:41:", 3)
    fill(cache, "reviews:user:42:", 4)
    fill(cache, "reviews:product:42:", 5)
    fill(cache, "payments:42:", 6)
    assert cache.delete_pattern("*:42:*") == 15
    assert raw.dbsize() == 3
    assert cache.delete_pattern("reviews:user:4[0-9]:?") == 3
    assert raw.dbsize() == 0


def test_delete_pattern_keeps_other_prefixes_versions_and_databases(server, raw):
    site = django_redis_cache(server.port, key_prefix="site")
    other = django_redis_cache(server.port, key_prefix="other")
    db2 = django_redis_cache(server.port, db=2, key_prefix="site")
    raw2 = redis.Redis(port=server.port, db=2)
    try:
        fill(site, "k", 10)
        site.set("k0", "v2", version=2)
        fill(other, "k", 7)
        fill(db2, "k", 8)
        assert site.delete_pattern("k*") == 10
        assert site.get("k0", version=2) == "v2"
        assert other.get("k6") == "v6"
        assert raw.dbsize() == 8
        assert raw2.dbsize() == 8
        assert site.delete_pattern("k*", version=2) == 1
        assert site.delete_pattern("k*", prefix="other") == 7
        assert raw.dbsize() == 0
        assert raw2.dbsize() == 8
    finally:
        raw2.close()
        for c in (site, other, db2):
            c.close()


def test_glob_characters_in_key_prefix_are_literal(server, raw):
    weird = django_redis_cache(server.port, key_prefix="we*ird[1]?")
    plain = django_redis_cache(server.port, key_prefix="weXird1Y")
    try:
        fill(weird, "k", 6)
        fill(plain, "k", 4)
        assert weird.delete_pattern("*") == 6
        assert plain.get("k3") == "v3"
        assert raw.dbsize() == 4
    finally:
        weird.close()
        plain.close()


def test_keys_written_after_invalidation_are_ordinary(cache, raw):
    fill(cache, "reviews:user:42:", 20)
    assert cache.delete_pattern("reviews:user:42:*") == 20
    fill(cache, "reviews:user:42:", 5, value="new")
    assert cache.get("reviews:user:42:3") == "new3"
    assert cache.get("reviews:user:42:10") is None
    assert raw.dbsize() == 5
    assert cache.ttl("reviews:user:42:0") > 0
    assert cache.delete_pattern("reviews:user:42:*") == 5
    assert raw.dbsize() == 0


def test_delete_prefix_of_the_client(cache, raw):
    fill(cache, "a*b:", 3)
    fill(cache, "aXb:", 2)
    assert cache.client.delete_prefix("a*b:") == 3
    assert raw.dbsize() == 2


# ---- CachetteClient against redis-server (stock SCAN + DEL) ----------------------------------

def test_fallback_against_redis_asks_once(redis_server):
    redis_server.call("FLUSHALL")
    c = django_redis_cache(redis_server.port)
    raw = redis.Redis(port=redis_server.port, db=1)
    try:
        errors0 = err_replies(raw)
        before = commandstats(raw)
        fill(c, "reviews:user:42:", 30)
        fill(c, "reviews:user:43:", 20)
        assert c.delete_pattern("reviews:user:42:*") == 30
        assert raw.dbsize() == 20
        assert c.get("reviews:user:43:1") == "v1"
        assert c.delete_pattern("reviews:user:4?:*") == 20
        assert raw.dbsize() == 0
        assert err_replies(raw) - errors0 == 1  # one "unknown command 'INVALIDATE'" for the pool
        assert calls_since(before, raw, "scan") >= 2
        assert calls_since(before, raw, "del") == 50  # django-redis 5.2: one DEL per key
        assert c.client.delete_prefix("nothing:") == 0
    finally:
        raw.close()
        c.close()


def test_module_helpers_fall_back_against_redis(redis_server):
    redis_server.call("FLUSHALL")
    raw = redis.Redis(port=redis_server.port, db=3)
    try:
        for cache in builtin_caches(redis_server.port, db=3, key_prefix="b"):
            fill(cache, "reviews:", 12)
            fill(cache, "payments:", 4)
            assert cachette_django.delete_pattern(cache, "reviews:*") == 12
            assert cachette_django.delete_prefix(cache, "payments:") == 4
            assert raw.dbsize() == 0
        raw.set("x:1", "1")
        raw.set("x:2", "2")
        assert cachette_django.delete_pattern(raw, "x:*") == 2
        with pytest.raises(cachette_django.NotCachetteError):
            cachette_django.prefix_stats(raw)
    finally:
        raw.close()


# ---- module helpers against Cachette ----------------------------------------------------------

def test_module_helpers_with_builtin_rediscache(server, raw):
    for cache in builtin_caches(server.port, key_prefix="site"):
        fill(cache, "reviews:user:42:", 8)
        fill(cache, "reviews:user:43:", 3)
        before = commandstats(raw)
        assert cachette_django.delete_pattern(cache, "reviews:user:42:*") == 8
        assert calls_since(before, raw, "invalidate|prefix") == 1
        assert cache.get("reviews:user:42:1") is None
        assert cache.get("reviews:user:43:1") == "v1"
        assert raw.exists("site:1:reviews:user:43:2") == 1
        assert cachette_django.delete_prefix(cache, "reviews:") == 3
        assert raw.dbsize() == 0


def test_module_helpers_with_a_django_redis_alias(server, raw):
    from django.core.cache import caches
    from django.test import override_settings

    location = f"redis://127.0.0.1:{server.port}/1"
    with override_settings(CACHES={
        "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": location,
                    "OPTIONS": {"CLIENT_CLASS": DJANGO_REDIS_CLIENT}},
        "stock": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": location,
                  "KEY_PREFIX": "stock"},
    }):
        fill(caches["default"], "reviews:", 5)
        fill(caches["stock"], "reviews:", 6)
        assert caches["default"].delete_pattern("reviews:*") == 5
        before = commandstats(raw)
        # A stock django-redis client: the helper still sends one INVALIDATE.
        assert cachette_django.delete_pattern("stock", "reviews:*") == 6
        assert calls_since(before, raw, "invalidate|prefix") == 1
        assert calls_since(before, raw, "scan") == 0
        assert raw.dbsize() == 0
        assert cachette_django.redis_client("default").connection_pool.connection_kwargs[
            "port"] == server.port


# ---- prefix_stats -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def stats_server(log_dir):
    """Cachette with Django's key format split as docs/django.md says: prefix-stats-segments 3
    (':1:reviews:user:42' counts under ':1:reviews')."""
    handle = start_cachette(log_dir, prefix_stats_segments=3)
    yield handle
    handle.stop()


@pytest.fixture
def stats_cache(stats_server):
    stats_server.call("FLUSHALL")
    stats_server.call("CONFIG", "RESETSTAT")
    c = django_redis_cache(stats_server.port)
    yield c
    c.close()


def known_traffic(cache):
    """reviews: 5 writes, 5 hits, 2 misses; payments: 3 writes, 1 hit, 4 misses."""
    fill(cache, "reviews:user:", 5)
    for i in range(7):
        cache.get(f"reviews:user:{i}")
    fill(cache, "payments:", 3)
    for i in (0, 4, 5, 6, 7):
        cache.get(f"payments:{i}")


def test_prefix_stats_after_known_traffic(stats_cache):
    known_traffic(stats_cache)
    stats = cachette_django.prefix_stats(stats_cache)
    reviews, payments = stats[":1:reviews"], stats[":1:payments"]
    assert {k: reviews[k] for k in ("hits", "misses", "writes", "keys")} == \
        {"hits": 5, "misses": 2, "writes": 5, "keys": 5}
    assert {k: payments[k] for k in ("hits", "misses", "writes", "keys")} == \
        {"hits": 1, "misses": 4, "writes": 3, "keys": 3}
    assert reviews["hit_ratio"] == pytest.approx(5 / 7, abs=1e-3)
    assert payments["hit_ratio"] == pytest.approx(0.2, abs=1e-3)
    assert reviews["memory"] > payments["memory"] > 0
    assert set(reviews) == {"hits", "misses", "hit_ratio", "writes", "keys", "memory"}
    assert all(isinstance(reviews[k], int) for k in ("hits", "misses", "writes", "keys",
                                                       "memory"))
    assert isinstance(reviews["hit_ratio"], float)
    # The client method, and invalidation seen in the keys and memory figures.
    assert stats_cache.delete_pattern("payments:*") == 3
    gone = {"keys": 0, "memory": 0}

    def payments_freed():  # memory may be given back in the background, after the reply
        after = stats_cache.client.prefix_stats()
        row = after.get(":1:payments", gone)
        return (row["keys"], row["memory"]) == (0, 0) and after

    after = wait_until(payments_freed, message="the invalidated prefix's keys and memory at 0")
    assert after[":1:reviews"]["keys"] == 5


def test_prefix_stats_sorted_and_counted(stats_cache):
    known_traffic(stats_cache)
    tracked = lambda stats: [p for p in stats if p != "other"]  # noqa: E731
    assert tracked(cachette_django.prefix_stats(stats_cache, sort="misses", order="desc"))[:2] \
        == [":1:payments", ":1:reviews"]
    assert tracked(cachette_django.prefix_stats(stats_cache, sort="misses", order="asc"))[:2] \
        == [":1:reviews", ":1:payments"]
    assert tracked(cachette_django.prefix_stats(stats_cache, sort="hits", order="desc",
                                                count=1)) == [":1:reviews"]
    by_prefix = tracked(cachette_django.prefix_stats(stats_cache, sort="prefix", order="asc"))
    assert by_prefix == sorted(by_prefix)


def test_prefix_stats_through_builtin_rediscache_and_alias(stats_server, stats_cache):
    from django.test import override_settings

    known_traffic(stats_cache)
    expected = cachette_django.prefix_stats(stats_cache)[":1:reviews"]
    for cache in builtin_caches(stats_server.port):
        assert cachette_django.prefix_stats(cache)[":1:reviews"] == expected
    location = f"redis://127.0.0.1:{stats_server.port}/1"
    with override_settings(CACHES={"default": {"BACKEND": "django_redis.cache.RedisCache",
                                               "LOCATION": location}}):
        assert cachette_django.prefix_stats()[":1:reviews"] == expected


def test_prefix_stats_resp3_map_shape():
    """redis-py 5 with protocol=3 hands over the RESP3 map as dicts."""
    class Resp3:
        connection_pool = None

        def execute_command(self, *args):
            return {b":1:reviews": {b"hits": 5, b"misses": 2, b"hit_ratio": 0.7143,
                                    b"writes": 5, b"keys": 5, b"memory": 700}}

    assert cserver.prefix_stats(Resp3()) == {":1:reviews": {
        "hits": 5, "misses": 2, "hit_ratio": 0.7143, "writes": 5, "keys": 5, "memory": 700}}


# ---- packaging ---------------------------------------------------------------------------------

def _copy_package(tmp_path):
    """A copy of contrib/django (pip builds in the source folder: keep the tree clean)."""
    src = tmp_path / "src"
    shutil.copytree(CONTRIB, src, ignore=shutil.ignore_patterns("build", "*.egg-info",
                                                                "__pycache__"))
    return src


def _pip(python, *args):
    proc = subprocess.run([python, "-m", "pip", "install", "--no-index", "--no-build-isolation",
                           "--disable-pip-version-check", "--quiet", *args],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


PROBE = ("from django.conf import settings; settings.configure(); "
         "import cachette_django, cachette_django.client, importlib.metadata as m; "
         "print(cachette_django.__file__); print(m.version('cachette-django'))")


def _probe(python, cwd, env=None):
    """Imports the installed package in a fresh interpreter: (its __init__.py, its version)."""
    proc = subprocess.run([python, "-c", PROBE], capture_output=True, text=True, env=env,
                          cwd=str(cwd), timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_pip_install_into_a_target_directory(tmp_path):
    target = tmp_path / "target"
    _pip(sys.executable, "--no-deps", "--target", str(target), str(_copy_package(tmp_path)))
    env = dict(os.environ, PYTHONPATH=str(target))
    out = _probe(sys.executable, tmp_path, env)
    assert out[0].startswith(str(target))
    assert out[1] == cachette_django.__version__


def test_pip_install_into_a_venv_with_debians_django(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                   check=True, capture_output=True, timeout=300)
    python = str(venv / "bin" / "python")
    _pip(python, str(_copy_package(tmp_path)))  # dependencies met by Debian's packages
    out = _probe(python, tmp_path)
    assert out[0].startswith(str(venv))
