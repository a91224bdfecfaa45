"""Keyspace, connection and server commands through redis-py, against the real server."""

import time

import pytest
import redis

from conftest import wait_until
from resp import encode


def now_ms():
    return int(time.time() * 1000)


# ---- connection ----------------------------------------------------------------------------

def test_ping_replies_pong(server, r):
    assert r.ping() is True
    assert server.call("PING") == b"+PONG\r\n"
    assert server.call("PING", "hello") == b"$5\r\nhello\r\n"


def test_echo_returns_the_argument(rb):
    assert rb.echo(b"hi\x00there") == b"hi\x00there"


def test_quit_replies_ok_and_closes(server):
    with server.conn() as c:
        assert c.call("QUIT") == b"+OK\r\n"
        assert c.read_until_closed(5) == b""


def test_select_switches_database(server, r):
    r.set("k", "db0")
    c1 = server.client(db=1, decode_responses=True)
    assert c1.get("k") is None
    c1.set("k", "db1")
    assert r.get("k") == "db0"
    assert c1.get("k") == "db1"


def test_select_out_of_range_is_error(r):
    with pytest.raises(redis.ResponseError, match="DB index is out of range"):
        r.execute_command("SELECT", "16")
    with pytest.raises(redis.ResponseError, match="DB index is out of range"):
        r.execute_command("SELECT", "-1")
    with pytest.raises(redis.ResponseError, match="value is not an integer or out of range"):
        r.execute_command("SELECT", "x")


# ---- server ----------------------------------------------------------------------------

def test_dbsize_counts_keys_of_current_db(server, r):
    assert r.dbsize() == 0
    r.mset({"a": 1, "b": 2})
    assert r.dbsize() == 2
    assert server.client(db=2).dbsize() == 0


def test_flushdb_empties_only_the_current_db(server, r):
    r.set("a", 1)
    c1 = server.client(db=1)
    c1.set("b", 1)
    assert r.flushdb() is True
    assert r.dbsize() == 0
    assert c1.dbsize() == 1


def test_flushdb_async_and_sync(r):
    r.set("a", 1)
    assert r.flushdb(asynchronous=True) is True
    assert r.dbsize() == 0
    r.set("a", 1)
    assert r.execute_command("FLUSHDB", "SYNC") in (True, "OK")
    assert r.dbsize() == 0


def test_flushdb_bad_argument_is_syntax_error(r):
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("FLUSHDB", "NOW")


def test_flushall_empties_every_db(server, r):
    r.set("a", 1)
    c1 = server.client(db=5)
    c1.set("b", 1)
    assert r.flushall() is True
    assert c1.dbsize() == 0


def test_flushall_async_and_sync(server, r):
    r.set("a", 1)
    assert r.flushall(asynchronous=True) is True
    assert r.dbsize() == 0
    r.set("a", 1)
    assert r.execute_command("FLUSHALL", "SYNC") in (True, "OK")
    assert r.dbsize() == 0


def test_time_returns_current_unix_time(r):
    seconds, micros = r.time()
    assert abs(seconds - time.time()) < 5
    assert 0 <= micros < 1_000_000


def test_config_get_returns_directive(r):
    assert r.config_get("maxmemory") == {"maxmemory": "0"}
    assert r.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}


def test_config_get_glob_returns_several(r):
    got = r.config_get("maxmemory*")
    assert got["maxmemory"] == "0"
    assert got["maxmemory-policy"] == "noeviction"


def test_config_set_then_get(start_server):
    srv = start_server()
    c = srv.client(decode_responses=True)
    assert c.config_set("maxmemory", "10mb") is True
    assert c.config_get("maxmemory") == {"maxmemory": "10485760"}


def test_info_has_sections(r):
    r.set("a", 1)
    info = r.info()
    assert "redis_version" in info
    assert info["db0"]["keys"] == 1
    assert "connected_clients" in r.info("clients")


# ---- DEL / UNLINK / EXISTS / TYPE / TOUCH --------------------------------------------------

def test_del_counts_removed_keys(r):
    r.mset({"a": 1, "b": 2})
    assert r.delete("a", "b", "c") == 2
    assert r.exists("a", "b") == 0


def test_unlink_counts_removed_keys(r):
    r.mset({"a": 1, "b": 2})
    assert r.unlink("a", "missing", "b") == 2


def test_exists_counts_repeats(r):
    r.set("a", 1)
    assert r.exists("a", "a", "b") == 2


def test_type_of_string_and_missing(r):
    r.set("a", 1)
    assert r.type("a") == "string"
    assert r.type("nope") == "none"


def test_touch_counts_existing_keys(r):
    r.mset({"a": 1, "b": 2})
    assert r.touch("a", "b", "c") == 2


# ---- expiry ---------------------------------------------------------------------------------

def test_expire_sets_ttl_and_persist_removes_it(r):
    r.set("k", "v")
    assert r.expire("k", 100) is True
    assert 99 <= r.ttl("k") <= 100
    assert r.persist("k") is True
    assert r.ttl("k") == -1
    assert r.persist("k") is False


def test_expire_on_missing_key_returns_false(r):
    assert r.expire("nope", 100) is False


def test_ttl_and_pttl_of_missing_and_persistent_keys(r):
    assert r.ttl("nope") == -2
    assert r.pttl("nope") == -2
    r.set("k", "v")
    assert r.ttl("k") == -1
    assert r.pttl("k") == -1


def test_pexpire_few_ms_key_disappears(r):
    r.set("k", "v")
    assert r.pexpire("k", 5) is True
    wait_until(lambda: r.exists("k") == 0, 5, message="key to expire")
    assert r.get("k") is None
    assert r.ttl("k") == -2


def test_expired_keys_are_not_counted_or_listed(r):
    r.set("keep", 1)
    for i in range(20):
        r.set(f"gone{i}", 1, px=5)
    wait_until(lambda: r.keys("gone*") == [], 5, message="keys to expire")
    assert r.keys("*") == ["keep"]
    assert list(r.scan_iter()) == ["keep"]


def test_unread_expired_keys_are_reclaimed_by_active_expiry(r):
    r.set("keep", 1)
    for i in range(20):
        r.set(f"gone{i}", 1, px=5)
    # Nothing reads the expired keys: only active expiry can make DBSIZE drop.
    wait_until(lambda: r.dbsize() == 1, 3, message="active expiry to reclaim expired keys")
    assert r.info("keyspace")["db0"]["keys"] == 1


def test_expire_zero_or_negative_deletes_key(r):
    r.set("a", 1)
    r.set("b", 1)
    assert r.expire("a", 0) is True
    assert r.pexpire("b", -1) is True
    assert r.exists("a", "b") == 0


def test_expireat_in_the_past_deletes_key(r):
    r.set("k", "v")
    assert r.expireat("k", int(time.time()) - 10) is True
    assert r.exists("k") == 0


def test_pexpireat_sets_absolute_time(r):
    r.set("k", "v")
    when = now_ms() + 100000
    assert r.pexpireat("k", when) is True
    assert r.pexpiretime("k") == when
    assert r.expiretime("k") == (when + 500) // 1000 or r.expiretime("k") == when // 1000


def test_expireat_sets_absolute_time(r):
    r.set("k", "v")
    when = int(time.time()) + 1000
    assert r.expireat("k", when) is True
    assert r.expiretime("k") == when
    assert r.pexpiretime("k") == when * 1000


def test_expiretime_of_missing_and_persistent_keys(r):
    assert r.expiretime("nope") == -2
    assert r.pexpiretime("nope") == -2
    r.set("k", "v")
    assert r.expiretime("k") == -1
    assert r.pexpiretime("k") == -1


def test_expire_nx_only_when_no_ttl(r):
    r.set("k", "v")
    assert r.expire("k", 100, nx=True) is True
    assert r.expire("k", 200, nx=True) is False
    assert r.ttl("k") <= 100


def test_expire_xx_only_when_ttl(r):
    r.set("k", "v")
    assert r.expire("k", 100, xx=True) is False
    assert r.ttl("k") == -1
    r.expire("k", 100)
    assert r.expire("k", 200, xx=True) is True
    assert r.ttl("k") > 100


def test_expire_gt_only_increases(r):
    r.set("k", "v")
    assert r.expire("k", 100, gt=True) is False  # no ttl counts as infinite
    r.expire("k", 100)
    assert r.expire("k", 50, gt=True) is False
    assert r.expire("k", 200, gt=True) is True
    assert r.ttl("k") > 100


def test_expire_lt_only_decreases(r):
    r.set("k", "v")
    assert r.expire("k", 100, lt=True) is True  # no ttl counts as infinite
    assert r.expire("k", 200, lt=True) is False
    assert r.expire("k", 50, lt=True) is True
    assert r.ttl("k") <= 50


def test_pexpire_and_expireat_accept_options(r):
    r.set("k", "v")
    assert r.pexpire("k", 100000, nx=True) is True
    assert r.pexpireat("k", now_ms() + 200000, gt=True) is True
    assert r.expireat("k", int(time.time()) + 50, lt=True) is True
    assert r.ttl("k") <= 50


def test_expire_conflicting_options_is_error(r):
    r.set("k", "v")
    with pytest.raises(redis.ResponseError,
                       match="NX and XX, GT or LT options at the same time are not compatible"):
        r.execute_command("EXPIRE", "k", "100", "NX", "XX")
    with pytest.raises(redis.ResponseError,
                       match="GT and LT options at the same time are not compatible"):
        r.execute_command("EXPIRE", "k", "100", "GT", "LT")
    with pytest.raises(redis.ResponseError, match="Unsupported option FOO"):
        r.execute_command("EXPIRE", "k", "100", "FOO")


def test_expire_non_integer_is_error(r):
    r.set("k", "v")
    with pytest.raises(redis.ResponseError, match="value is not an integer or out of range"):
        r.execute_command("EXPIRE", "k", "1.5")


def test_expire_overflow_is_invalid_expire_time(r):
    r.set("k", "v")
    with pytest.raises(redis.ResponseError, match="invalid expire time in 'expire' command"):
        r.execute_command("EXPIRE", "k", "9223372036854775807")


# ---- KEYS / SCAN / RANDOMKEY ---------------------------------------------------------------

def test_keys_glob_patterns(r):
    for k in ["hello", "hallo", "hxllo", "hllo", "heeeello", "a*b", "x"]:
        r.set(k, 1)
    assert sorted(r.keys("h?llo")) == ["hallo", "hello", "hxllo"]
    assert sorted(r.keys("h*llo")) == ["hallo", "heeeello", "hello", "hllo", "hxllo"]
    assert sorted(r.keys("h[ae]llo")) == ["hallo", "hello"]
    assert sorted(r.keys("h[^e]llo")) == ["hallo", "hxllo"]
    assert sorted(r.keys("h[a-b]llo")) == ["hallo"]
    assert r.keys("a\\*b") == ["a*b"]
    assert len(r.keys("*")) == 7


def test_keys_only_sees_current_db(server, r):
    r.set("a", 1)
    server.client(db=3).set("b", 1)
    assert r.keys("*") == ["a"]


def test_scan_returns_every_key_once(r):
    keys = {f"key:{i}" for i in range(1000)}
    r.mset({k: 1 for k in keys})
    seen = []
    cursor = 0
    while True:
        cursor, batch = r.scan(cursor, count=50)
        seen += batch
        if cursor == 0:
            break
    assert set(seen) == keys


def test_scan_match_filters(r):
    r.mset({f"user:{i}": 1 for i in range(100)})
    r.mset({f"item:{i}": 1 for i in range(100)})
    got = set(r.scan_iter(match="user:*", count=20))
    assert got == {f"user:{i}" for i in range(100)}


def test_scan_type_filters(r):
    r.mset({f"s{i}": 1 for i in range(50)})
    assert len(set(r.scan_iter(_type="string"))) == 50
    assert list(r.scan_iter(_type="list")) == []


def test_scan_bad_cursor_and_count(r):
    with pytest.raises(redis.ResponseError, match="invalid cursor"):
        r.execute_command("SCAN", "abc")
    with pytest.raises(redis.ResponseError, match="value is not an integer or out of range"):
        r.execute_command("SCAN", "0", "COUNT", "x")
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("SCAN", "0", "COUNT", "0")
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("SCAN", "0", "BOGUS", "1")


def test_randomkey_returns_existing_key_or_none(r):
    assert r.randomkey() is None
    r.mset({"a": 1, "b": 2, "c": 3})
    for _ in range(20):
        assert r.randomkey() in ("a", "b", "c")


# ---- RENAME / RENAMENX / COPY ----------------------------------------------------------------

def test_rename_moves_value_and_ttl(r):
    r.set("a", "v", ex=100)
    assert r.rename("a", "b") is True
    assert r.exists("a") == 0
    assert r.get("b") == "v"
    assert 99 <= r.ttl("b") <= 100


def test_rename_overwrites_destination(r):
    r.set("a", "1")
    r.set("b", "2", ex=100)
    r.rename("a", "b")
    assert r.get("b") == "1"
    assert r.ttl("b") == -1


def test_rename_missing_key_is_error(r):
    with pytest.raises(redis.ResponseError, match="no such key"):
        r.rename("nope", "b")


def test_rename_to_itself_keeps_key(r):
    r.set("a", "1")
    assert r.rename("a", "a") is True
    assert r.get("a") == "1"


def test_renamenx_only_if_destination_missing(r):
    r.mset({"a": "1", "b": "2"})
    assert r.renamenx("a", "b") is False
    assert r.renamenx("a", "c") is True
    assert r.get("c") == "1"
    assert r.exists("a") == 0


def test_copy_duplicates_value_and_ttl(r):
    r.set("a", "v", ex=100)
    assert r.copy("a", "b") is True
    assert r.get("a") == r.get("b") == "v"
    assert 99 <= r.ttl("b") <= 100


def test_copy_does_not_overwrite_without_replace(r):
    r.mset({"a": "1", "b": "2"})
    assert r.copy("a", "b") is False
    assert r.get("b") == "2"
    assert r.copy("a", "b", replace=True) is True
    assert r.get("b") == "1"


def test_copy_to_other_db(server, r):
    r.set("a", "1")
    assert r.copy("a", "a", destination_db=4) is True
    assert server.client(db=4, decode_responses=True).get("a") == "1"


def test_copy_missing_source_returns_false(r):
    assert r.copy("nope", "b") is False


def test_copy_same_key_is_error(r):
    r.set("a", 1)
    with pytest.raises(redis.ResponseError,
                       match="source and destination objects are the same"):
        r.copy("a", "a")


def test_raw_pipeline_of_string_commands(server, r):
    data = encode("SET", "p", "1") + encode("INCR", "p") + encode("GET", "p")
    assert server.raw(data, replies=3) == b"+OK\r\n:2\r\n$1\r\n2\r\n"
