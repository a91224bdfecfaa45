"""Figures per key prefix against the real server: PREFIXSTATS (RESP2 and RESP3, through
redis-py and raw bytes) and INFO prefixes, after known traffic; sorting, COUNT, CONFIG RESETSTAT,
the bounded table with its `other` row, Django's key format with prefix-stats-segments 3, and
CONFIG SET of the prefix-stats directives."""

import pytest
import redis

from conftest import wait_until
from resp import RespConnection, parse

FIELDS = ("hits", "misses", "hit_ratio", "writes", "keys", "memory")


def figures(client, *args):
    """PREFIXSTATS through a RESP2 redis-py client, as an ordered list of (prefix, dict)."""
    flat = client.execute_command("PREFIXSTATS", *args)
    rows = []
    for prefix, values in zip(flat[0::2], flat[1::2]):
        row = dict(zip(values[0::2], values[1::2]))
        row["hit_ratio"] = float(row["hit_ratio"])
        rows.append((prefix, row))
    return rows


def as_dict(rows):
    return dict(rows)


def entry_bytes(client, *keys):
    # MEMORY USAGE counts the entry and one 4-byte bucket handle; the figure counts the entry.
    return sum(client.memory_usage(k) - 4 for k in keys)


@pytest.fixture
def c(server):
    """A decoded client after FLUSHALL and CONFIG RESETSTAT: no prefix has figures."""
    client = server.client(decode_responses=True)
    client.flushall()
    client.config_resetstat()
    yield client
    client.close()


def test_figures_follow_known_traffic(c):
    c.set("user:1", "alice")
    c.set("user:2", "bob")
    c.mset({"page:home": "x" * 100, "page:about": "y"})
    assert c.get("user:1") == "alice"  # hit
    assert c.get("user:3") is None  # miss
    assert c.mget("user:2", "user:4", "page:home") == ["bob", None, "x" * 100]
    assert c.exists("page:about", "page:none") == 1  # a hit and a miss
    c.incr("counter:visits")
    c.incr("counter:visits")
    c.append("user:1", "!")  # a write (a replacement), not a lookup
    c.delete("page:about")
    rows = as_dict(figures(c))
    assert rows["user"] == {"hits": 2, "misses": 2, "hit_ratio": 0.5, "writes": 3, "keys": 2,
                            "memory": entry_bytes(c, "user:1", "user:2")}
    assert rows["page"] == {"hits": 2, "misses": 1, "hit_ratio": pytest.approx(2 / 3),
                            "writes": 2, "keys": 1, "memory": entry_bytes(c, "page:home")}
    assert rows["counter"] == {"hits": 0, "misses": 0, "hit_ratio": 0.0, "writes": 2, "keys": 1,
                               "memory": entry_bytes(c, "counter:visits")}
    assert set(rows) == {"user", "page", "counter"}
    # The per-prefix lookups add up to Redis's global counters.
    stats = c.info("stats")
    assert sum(r["hits"] for r in rows.values()) == stats["keyspace_hits"]
    assert sum(r["misses"] for r in rows.values()) == stats["keyspace_misses"]


def test_keys_and_memory_follow_expiry_flush_and_swapdb(c, server):
    c.set("s:1", "a", px=50)
    c.set("s:2", "b")
    c.set("t:1", "c")
    wait_until(lambda: as_dict(figures(c))["s"]["keys"] == 1, message="s:1 expired")
    assert as_dict(figures(c))["s"]["memory"] == entry_bytes(c, "s:2")
    other = server.client(decode_responses=True, db=3)
    other.set("s:3", "d")
    assert as_dict(figures(c))["s"]["keys"] == 2  # every database counts
    c.swapdb(0, 3)
    assert as_dict(figures(c))["s"]["keys"] == 2
    other.flushdb()  # now holds s:2 and t:1
    rows = as_dict(figures(c))
    assert rows["s"]["keys"] == 1 and rows["s"]["memory"] == entry_bytes(c, "s:3")
    assert rows["t"]["keys"] == 0 and rows["t"]["memory"] == 0
    c.flushall()
    rows = as_dict(figures(c))
    assert all(r["keys"] == 0 and r["memory"] == 0 for r in rows.values())
    assert rows["s"]["writes"] == 3  # counters are not state: they stay


def test_info_prefixes_section_reads_as_dicts_in_redis_py(c):
    c.set("user:1", "a")
    c.get("user:1")
    c.get("user:2")
    c.set("a,b=c\nd:1", "x")  # a prefix that would break the line unless escaped
    info = c.info("prefixes")
    assert info["prefix0"] == {"name": "user", "hits": 1, "misses": 1, "hit_ratio": 0.5,
                               "writes": 1, "keys": 1, "memory": entry_bytes(c, "user:1")}
    assert info["prefix1"]["name"] == "a\\x2cb\\x3dc\\nd"
    assert info["prefix1"]["writes"] == 1
    assert "prefix0" not in c.info()  # not in the default INFO
    assert "prefix0" in c.info("all")
    assert "prefix0" in c.info("everything")


def test_resp2_and_resp3_replies_byte_for_byte(server, c):
    c.set("k:1", "v")
    c.get("k:1")
    c.get("k:2")
    c.get("k:3")
    memory = entry_bytes(c, "k:1")
    with RespConnection(server.port) as conn:
        assert conn.call("PREFIXSTATS") == (
            b"*2\r\n$1\r\nk\r\n*12\r\n$4\r\nhits\r\n:1\r\n$6\r\nmisses\r\n:2\r\n"
            b"$9\r\nhit_ratio\r\n$19\r\n0.33333333333333331\r\n$6\r\nwrites\r\n:1\r\n"
            b"$4\r\nkeys\r\n:1\r\n$6\r\nmemory\r\n:" + str(memory).encode() + b"\r\n")
        conn.call("HELLO", "3")
        assert conn.call("PREFIXSTATS") == (
            b"%1\r\n$1\r\nk\r\n%6\r\n$4\r\nhits\r\n:1\r\n$6\r\nmisses\r\n:2\r\n"
            b"$9\r\nhit_ratio\r\n,0.33333333333333331\r\n$6\r\nwrites\r\n:1\r\n"
            b"$4\r\nkeys\r\n:1\r\n$6\r\nmemory\r\n:" + str(memory).encode() + b"\r\n")


def test_sort_direction_and_count(c):
    for i in range(3):
        c.set(f"big:{i}", "x" * 300)
    c.set("small:1", "x")
    for _ in range(5):
        c.get("small:1")
    c.get("mid:1")
    c.get("mid:2")
    names = lambda *args: [p for p, _ in figures(c, *args)]  # noqa: E731
    assert names() == ["small", "mid", "big"]  # reads: small 5, mid 2, big 0
    assert names("SORT", "keys") == ["big", "small", "mid"]
    assert names("SORT", "memory", "ASC") == ["mid", "small", "big"]
    assert names("SORT", "misses") == ["mid", "big", "small"]
    assert names("SORT", "hit_ratio") == ["small", "big", "mid"]
    assert names("SORT", "writes", "COUNT", "1") == ["big"]
    assert names("sort", "PREFIX") == ["big", "mid", "small"]
    assert names("SORT", "prefix", "DESC") == ["small", "mid", "big"]
    assert names("COUNT", "0") == []
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        c.execute_command("PREFIXSTATS", "SORT", "reads")
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        c.execute_command("PREFIXSTATS", "COUNT")
    with pytest.raises(redis.ResponseError, match="^value is not an integer or out of range$"):
        c.execute_command("PREFIXSTATS", "COUNT", "-1")
    with pytest.raises(redis.ResponseError, match="^value is not an integer or out of range$"):
        c.execute_command("PREFIXSTATS", "COUNT", "ten")


def test_resetstat_zeroes_counters_but_not_keys(c):
    c.set("a:1", "x")
    c.get("a:1")
    c.get("b:1")
    assert c.config_resetstat()
    rows = as_dict(figures(c))
    assert rows == {"a": {"hits": 0, "misses": 0, "hit_ratio": 0.0, "writes": 0, "keys": 1,
                          "memory": entry_bytes(c, "a:1")}}


def test_bounded_table_keeps_heavy_hitters_and_sums_the_rest_as_other(start_server):
    srv = start_server(prefix_stats_max_prefixes=2)
    c = srv.client(decode_responses=True)
    pipe = c.pipeline(transaction=False)
    for i in range(2000):
        pipe.set(f"hot:{i}", "v")
        pipe.get(f"hot:{i}")
        if i % 2 == 0:
            pipe.set(f"warm:{i}", "v")
            pipe.get(f"warm:{i}")
    pipe.execute()
    # One-off prefixes: never busier than the lightest row of their shard (at least one warm
    # key, two events), so they never take a row.
    for i in range(30):
        c.set(f"cold{i}:x", "v")
        c.get(f"cold{i}:x")
    c.set("other:1", "v")  # a real prefix called other is summed with the rest
    rows = figures(c)
    assert [p for p, _ in rows] == ["hot", "warm", "other"]
    hot, warm, other = (r for _, r in rows)
    assert hot["keys"] == 2000 and hot["hits"] == 2000
    assert warm["keys"] == 1000 and warm["hits"] == 1000
    assert other["keys"] == 31 and other["writes"] == 31 and other["hits"] == 30
    total = sum(r["keys"] for _, r in rows)
    assert total == c.dbsize()
    info = c.info("prefixes")
    assert info["prefix2"]["name"] == "other" and info["prefix2"]["keys"] == 31
    # COUNT keeps the first rows; other still comes last.
    assert [p for p, _ in figures(c, "COUNT", "1")] == ["hot", "other"]


def test_django_keys_with_three_segments(start_server):
    django = pytest.importorskip("django")
    pytest.importorskip("django_redis")
    from django.conf import settings

    srv = start_server(prefix_stats_segments=3)
    if not settings.configured:  # another test module may have configured them in this process
        settings.configure(SECRET_KEY="prefix-stats-tests")
        django.setup()
    from django_redis.cache import RedisCache

    cache = RedisCache(f"redis://127.0.0.1:{srv.port}/1", {})

    for user in range(10):
        cache.set(f"reviews:user:{user}", {"stars": user % 5})
    for payment in range(3):
        cache.set(f"payments:{payment}", payment * 100)
    for user in range(15):
        cache.get(f"reviews:user:{user}")  # 10 hits, 5 misses
    cache.get("payments:0")
    cache.get("payments:9")
    c = srv.client(decode_responses=True, db=1)
    # Django's <KEY_PREFIX>:<version>:<key> (KEYS is not a lookup: it counts nothing)
    assert len(c.keys(":1:reviews:user:*")) == 10
    rows = as_dict(figures(c))
    assert set(rows) == {":1:reviews", ":1:payments"}
    assert rows[":1:reviews"]["hits"] == 10 and rows[":1:reviews"]["misses"] == 5
    assert rows[":1:reviews"]["keys"] == 10 and rows[":1:reviews"]["writes"] == 10
    assert rows[":1:payments"]["hits"] == 1 and rows[":1:payments"]["misses"] == 1
    assert rows[":1:payments"]["keys"] == 3 and rows[":1:payments"]["writes"] == 3
    cache.close()


def test_config_set_of_the_directives(c):
    assert c.config_get("prefix-stats*") == {
        "prefix-stats": "yes", "prefix-stats-segments": "1", "prefix-stats-separator": ":",
        "prefix-stats-max-prefixes": "128"}
    c.set("app/v2/items:1", "x")
    c.get("app/v2/items:1")
    assert [p for p, _ in figures(c)] == ["app/v2/items"]
    assert c.config_set("prefix-stats-separator", "/")
    assert c.config_set("prefix-stats-segments", "2")
    rows = as_dict(figures(c))
    # A new rule starts the figures over: keys recounted under it, counters from zero.
    assert rows == {"app/v2": {"hits": 0, "misses": 0, "hit_ratio": 0.0, "writes": 0,
                               "keys": 1, "memory": entry_bytes(c, "app/v2/items:1")}}
    assert c.config_set("prefix-stats", "no")
    c.get("app/v2/items:1")
    assert figures(c) == []
    assert c.info("prefixes") == {}
    assert c.config_set("prefix-stats", "yes")
    assert as_dict(figures(c))["app/v2"]["keys"] == 1
    with pytest.raises(redis.ResponseError, match="single character"):
        c.config_set("prefix-stats-separator", "::")
    with pytest.raises(redis.ResponseError, match="must be between 1 and 10000"):
        c.config_set("prefix-stats-max-prefixes", "0")
    with pytest.raises(redis.ResponseError, match="must be between 1 and 64"):
        c.config_set("prefix-stats-segments", "0")
    for name, value in (("prefix-stats-separator", ":"), ("prefix-stats-segments", "1"),
                        ("prefix-stats-max-prefixes", "128")):
        assert c.config_set(name, value)


def test_prefix_stats_off_from_the_command_line(start_server):
    srv = start_server(prefix_stats="no")
    c = srv.client(decode_responses=True)
    c.set("a:1", "x")
    assert figures(c) == []
    assert c.config_get("prefix-stats") == {"prefix-stats": "no"}
    with RespConnection(srv.port) as conn:
        assert parse(conn.call("PREFIXSTATS")) == []
