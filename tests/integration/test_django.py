"""Django's cache API against the real server, with Debian's Django and django-redis.

A settings module points CACHES at the test server, database 1 (django-redis's RedisCache,
plus a second alias with zlib compression), and sessions use the cache backend. Every call of
the cache API that django-redis offers is exercised and checked against what the server then
holds. Django 4's built-in RedisCache is not in Debian 12 (Django 3.2), so the exact command
sequences it sends are driven with redis-py (test_builtin_rediscache_*). A recording proxy
captures the bytes django-redis sends for a whole session; they are replayed after HELLO 3 to
cachette and to redis-server, whose RESP3 replies must be byte-identical (what a redis-py
client that opens with HELLO 3 would get).
"""

import datetime
import pickle
import socket
import threading
import zlib

import pytest
import redis

from resp import RespConnection, encode, parse

django = pytest.importorskip("django")


class Point:
    """A pickled object with state (module level, so pickle finds it)."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __eq__(self, other):
        return isinstance(other, Point) and (self.x, self.y) == (other.x, other.y)


class RecordingProxy:
    """Forwards one TCP stream at a time to the server and records what clients send."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.sent = bytearray()
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False),
                             daemon=True).start()

    def _pump(self, source, sink, record):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if record:
                    with self.lock:
                        self.sent.extend(data)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.listener.close()


@pytest.fixture(scope="module")
def proxy(server):
    p = RecordingProxy(server.port)
    yield p
    p.close()


@pytest.fixture(scope="module")
def caches(server, proxy):
    from django.conf import settings

    location = f"redis://127.0.0.1:{server.port}/1"
    settings.configure(
        SECRET_KEY="integration-tests",
        USE_TZ=True,
        INSTALLED_APPS=["django.contrib.sessions"],
        SESSION_ENGINE="django.contrib.sessions.backends.cache",
        CACHES={
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": location,
                "KEY_PREFIX": "site",
            },
            "compressed": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": location,
                "KEY_PREFIX": "zipped",
                "OPTIONS": {"COMPRESSOR": "django_redis.compressors.zlib.ZlibCompressor"},
            },
            "recorded": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{proxy.port}/1",
                "KEY_PREFIX": "rec",
            },
        },
    )
    django.setup()
    from django.core.cache import caches as django_caches

    yield django_caches
    django_caches["default"].close()


@pytest.fixture
def cache(caches):
    c = caches["default"]
    c.clear()
    return c


@pytest.fixture
def raw(server):
    """A plain client on the cache's database, to see what Django stored."""
    r = redis.Redis(port=server.port, db=1)
    yield r
    r.close()


def test_set_get_add_delete(cache, raw):
    assert cache.get("missing") is None
    assert cache.get("missing", "fallback") == "fallback"
    assert cache.set("a", "value") is True
    assert cache.get("a") == "value"
    assert raw.exists("site:1:a") == 1  # Django's key format: <KEY_PREFIX>:<version>:<key>
    assert cache.add("a", "other") is False
    assert cache.get("a") == "value"
    assert cache.add("b", "new") is True
    assert cache.delete("a") is True
    assert cache.delete("a") is False
    assert cache.get("a") is None
    assert cache.set("n", 42) is True
    assert cache.get("n") == 42
    assert raw.get("site:1:n") == b"42"  # integers are stored as plain numbers


def test_many(cache):
    cache.set_many({"k1": 1, "k2": "two", "k3": [3]}, timeout=100)
    assert cache.get_many(["k1", "k2", "k3", "nope"]) == {"k1": 1, "k2": "two", "k3": [3]}
    assert 0 < cache.ttl("k2") <= 100
    cache.delete_many(["k1", "k2"])
    assert cache.get_many(["k1", "k2", "k3"]) == {"k3": [3]}


def test_incr_decr(cache):
    cache.set("counter", 10)
    assert cache.incr("counter") == 11
    assert cache.incr("counter", 5) == 16
    assert cache.decr("counter", 20) == -4
    assert cache.get("counter") == -4
    with pytest.raises(ValueError):
        cache.incr("absent")
    cache.set("big", 2**63 - 1)
    assert cache.incr("big") == 2**63  # past 64 bits django-redis falls back to GET + SET


def test_lock(cache, server):
    lock = cache.lock("job", timeout=10)
    assert lock.acquire(blocking=False)
    other = cache.lock("job", timeout=10)
    assert not other.acquire(blocking=False)  # held
    assert lock.extend(20)  # Lua: extend only while the token matches
    assert lock.reacquire()  # Lua: reset the TTL to the lock's timeout
    assert lock.locked() and lock.owned()
    lock.release()  # Lua: delete only if still ours
    assert not lock.locked()
    with cache.lock("job", timeout=5):
        assert cache.lock("job").locked()
    assert not cache.lock("job").locked()


def test_has_key_touch_ttl_pttl_persist_expire(cache, raw):
    cache.set("t", "v", timeout=100)
    assert cache.has_key("t") and "t" in cache
    assert not cache.has_key("nope")
    assert 99 <= cache.ttl("t") <= 100
    assert 99_000 <= cache.pttl("t") <= 100_000
    assert cache.persist("t") is True
    assert cache.ttl("t") is None
    assert cache.expire("t", 50) is True
    assert 49 <= cache.ttl("t") <= 50
    assert cache.touch("t", 500) is True
    assert 499 <= cache.ttl("t") <= 500
    assert cache.touch("nope", 10) is False
    assert cache.ttl("nope") == 0
    at = datetime.datetime.now(tz=datetime.timezone.utc) + datetime.timedelta(seconds=300)
    assert cache.expire_at("t", at) is True
    assert 298 <= cache.ttl("t") <= 300
    assert raw.ttl("site:1:t") == cache.ttl("t")


def test_timeouts_none_zero_and_negative(cache):
    cache.set("forever", "v", timeout=None)
    assert cache.ttl("forever") is None
    cache.set("zero", "v", timeout=0)
    assert cache.get("zero") is None
    cache.set("negative", "v", timeout=-5)
    assert cache.get("negative") is None
    cache.set("present", "v")
    assert cache.add("present", "w", timeout=-1) is False  # nx with a negative timeout
    assert cache.get("present") == "v"
    cache.set("default", "v")
    assert 299 <= cache.ttl("default") <= 300  # Django's default timeout, 300 s


def test_patterns_keys_iter_keys(cache, raw):
    for i in range(30):
        cache.set(f"reviews:user:{i}", i)
    cache.set("payments:1", 1)
    assert sorted(cache.keys("reviews:user:1*")) == sorted(
        ["reviews:user:1"] + [f"reviews:user:1{i}" for i in range(10)])
    assert sorted(cache.iter_keys("reviews:*")) == sorted(f"reviews:user:{i}" for i in range(30))
    assert cache.delete_pattern("reviews:*") == 30
    assert cache.keys("*") == ["payments:1"]
    assert raw.dbsize() == 1


def test_clear_empties_only_its_database(cache, server):
    other_db = redis.Redis(port=server.port, db=0)
    other_db.set("db0:key", "kept")
    cache.set("x", 1)
    cache.clear()
    assert cache.get("x") is None
    assert other_db.get("db0:key") == b"kept"
    other_db.delete("db0:key")
    other_db.close()


def test_get_or_set(cache):
    calls = []

    def compute():
        calls.append(1)
        return "computed"

    assert cache.get_or_set("lazy", compute, timeout=60) == "computed"
    assert cache.get_or_set("lazy", compute, timeout=60) == "computed"
    assert len(calls) == 1


def test_non_ascii_keys_and_values(cache, raw):
    cache.set("clé:日本語:🙂", "värde — 値 — 🙂")
    assert cache.get("clé:日本語:🙂") == "värde — 値 — 🙂"
    assert raw.exists("site:1:clé:日本語:🙂".encode()) == 1


def test_one_megabyte_values(cache):
    value = bytes(range(256)) * 4096  # 1 MiB of every byte value
    cache.set("blob", value)
    assert cache.get("blob") == value
    text = "x" * (1024 * 1024)
    cache.set("text", text)
    assert cache.get("text") == text


def test_pickled_objects(cache):
    value = {"when": datetime.date(2026, 11, 21), "points": [Point(1, 2), Point(3, 4)],
             "nested": {"set": {1, 2, 3}, "tuple": (1, "a")}}
    cache.set("obj", value)
    assert cache.get("obj") == value


def test_compression(caches, raw):
    cache = caches["compressed"]
    value = "compress me " * 10_000
    cache.set("big", value)
    assert cache.get("big") == value
    stored = raw.get("zipped:1:big")
    assert len(stored) < len(value) / 10
    assert pickle.loads(zlib.decompress(stored)) == value
    cache.set("small", "tiny")  # below the compressor's minimum: stored as is
    assert cache.get("small") == "tiny"


def test_close_and_reconnect(cache):
    cache.set("c", 1)
    cache.close()
    assert cache.get("c") == 1


def test_sessions_on_the_cache_backend(caches, raw):
    from django.contrib.sessions.backends.cache import SessionStore

    session = SessionStore()
    session["user_id"] = 42
    session["cart"] = ["book", "pen"]
    session.save()
    key = session.session_key
    assert key
    assert raw.exists(f"site:1:django.contrib.sessions.cache{key}") == 1

    loaded = SessionStore(session_key=key)
    assert loaded["user_id"] == 42 and loaded["cart"] == ["book", "pen"]
    loaded["cart"].append("lamp")
    loaded.modified = True
    loaded.save()
    assert SessionStore(session_key=key)["cart"] == ["book", "pen", "lamp"]
    assert loaded.exists(key)

    loaded.delete()
    assert not SessionStore().exists(key)
    assert SessionStore(session_key=key).get("user_id") is None


# ---- Django 4's built-in RedisCache, by the commands it sends (driven with redis-py) ------


@pytest.fixture
def builtin(server):
    """A client as django.core.cache.backends.redis.RedisCacheClient makes one."""
    r = redis.Redis(port=server.port, db=1)
    r.flushdb()
    yield r
    r.close()


def test_builtin_rediscache_connection_handshake(builtin):
    # redis-py 5+ names its library on every new connection (CLIENT SETINFO), which Django 4's
    # RedisCache inherits; a server that refused it would be skipped silently by redis-py but
    # must answer OK here.
    assert builtin.execute_command("CLIENT", "SETINFO", "LIB-NAME", "redis-py") == b"OK"
    assert builtin.execute_command("CLIENT", "SETINFO", "LIB-VER", "5.0.1") == b"OK"
    info = builtin.execute_command("CLIENT", "INFO").decode()
    assert " lib-name=redis-py " in info and " lib-ver=5.0.1" in info


def test_builtin_rediscache_add_and_set(builtin):
    # add(): SET key value EX timeout NX; set(): SET key value EX timeout.
    assert builtin.set(":1:k", b"v", ex=300, nx=True) is True
    assert builtin.set(":1:k", b"w", ex=300, nx=True) is None
    assert builtin.set(":1:k", b"w", ex=300) is True
    assert builtin.get(":1:k") == b"w"
    assert 299 <= builtin.ttl(":1:k") <= 300


def test_builtin_rediscache_get_many_and_set_many(builtin):
    # set_many(): a transaction pipeline with MSET and an EXPIRE per key.
    pipe = builtin.pipeline()
    pipe.mset({":1:a": b"1", ":1:b": b"2"})
    pipe.expire(":1:a", 300)
    pipe.expire(":1:b", 300)
    assert pipe.execute() == [True, True, True]
    # get_many(): MGET.
    assert builtin.mget([":1:a", ":1:b", ":1:c"]) == [b"1", b"2", None]
    assert 299 <= builtin.ttl(":1:b") <= 300


def test_builtin_rediscache_incr_and_clear(builtin):
    # incr(): EXISTS, then INCRBY.
    builtin.set(":1:n", 5)
    assert builtin.exists(":1:n") == 1
    assert builtin.incrby(":1:n", 3) == 8
    assert builtin.exists(":1:none") == 0
    # touch(): EXPIRE / PERSIST; delete_many(): DEL; clear(): FLUSHDB.
    assert builtin.expire(":1:n", 10) is True
    assert builtin.persist(":1:n") is True
    assert builtin.delete(":1:n", ":1:none") == 1
    builtin.set(":1:x", 1)
    assert builtin.flushdb() is True
    assert builtin.dbsize() == 0


# ---- RESP3: django-redis's bytes replayed after HELLO 3, against redis-server ---------------


def _replay(port, payload, count):
    with RespConnection(port, timeout=30) as c:
        assert c.call("HELLO", "3").startswith(b"%7\r\n")
        c.send(payload)
        return c.read_replies(count)


def _split_commands(data):
    """The RESP arrays in `data`, each as its raw bytes."""
    commands, rest = [], bytes(data)
    while rest:
        assert rest.startswith(b"*"), rest[:40]
        end = rest.index(b"\r\n")
        n = int(rest[1:end])
        pos = end + 2
        for _ in range(n):
            line_end = rest.index(b"\r\n", pos)
            size = int(rest[pos + 1:line_end])
            pos = line_end + 2 + size + 2
        commands.append(rest[:pos])
        rest = rest[pos:]
    return commands


def test_django_redis_session_replayed_in_resp3_matches_redis(caches, proxy, server,
                                                             redis_server):
    cache = caches["recorded"]
    cache.clear()
    cache.set("a", "value", timeout=100)
    cache.get("a")
    cache.get("missing")
    cache.add("a", "other")
    cache.set_many({"m1": 1, "m2": [2]})
    cache.get_many(["m1", "m2", "m3"])
    cache.has_key("a")
    cache.touch("a", 50)
    cache.persist("a")
    cache.ttl("a")
    cache.pttl("missing")
    cache.keys("m*")
    cache.delete_many(["m1", "m2"])
    cache.delete("a")
    cache.set("n", 1)
    cache.incr("n", 2)  # EVAL of django-redis's Lua script
    cache.close()
    commands = _split_commands(proxy.sent)
    # SELECT first (the connection's database), then the rest in order.
    assert any(cmd.startswith(b"*2\r\n$6\r\nSELECT") for cmd in commands)
    payload = b"".join(commands)
    # KEYS replies are sets of keys whose order follows each server's table: compare them as
    # sorted lists, the rest byte for byte. (SCAN is left out of the session: its cursors are
    # each server's own.)
    ours = _replay(server.port, payload, len(commands))
    theirs = _replay(redis_server.port, payload, len(commands))
    for cmd, got, want in zip(commands, ours, theirs):
        name = cmd.split(b"\r\n")[2].upper()
        if name == b"KEYS":
            got, want = str(sorted(map(str, parse(got)))), str(sorted(map(str, parse(want))))
        assert got == want, f"command {cmd!r}\n  redis-server: {want!r}\n  cachette:     {got!r}"
    assert b"HELLO" not in payload  # redis-py 4 speaks RESP2; the replay adds HELLO 3
    assert encode("PING")  # resp's encoder is shared with the other tests
