"""OBJECT, MEMORY, SWAPDB, MOVE and DBSIZE per database through real clients (redis-py,
redis-cli). Byte-exact comparisons with Redis are in test_differential.py."""

import shutil
import subprocess

import pytest
import redis

REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"


def test_object_encoding_and_refcount(r):
    r.set("int", 12345)
    r.set("short", "hello")
    r.set("long", "x" * 100)
    assert r.object("encoding", "int") == "int"
    assert r.object("encoding", "short") == "embstr"
    assert r.object("encoding", "long") == "raw"
    assert r.object("encoding", "missing") is None
    r.set("shared", 42)
    assert r.object("refcount", "shared") == 2147483647
    assert r.object("refcount", "long") == 1


def test_object_freq_and_idletime_policy_errors(r):
    r.set("k", "v")
    with pytest.raises(redis.ResponseError, match="An LFU maxmemory policy is not selected"):
        r.object("freq", "k")
    assert isinstance(r.object("idletime", "k"), int)
    r.config_set("maxmemory-policy", "allkeys-lfu")
    try:
        with pytest.raises(redis.ResponseError, match="An LFU maxmemory policy is selected"):
            r.object("idletime", "k")
        assert isinstance(r.object("freq", "k"), int)
    finally:
        r.config_set("maxmemory-policy", "noeviction")


def test_memory_usage(r):
    assert r.memory_usage("missing") is None
    r.set("k", "v" * 1000)
    usage = r.memory_usage("k")
    assert 1001 <= usage < 1400  # the entry allocation (size classes) and its bucket
    assert r.memory_usage("k", samples=0) == usage


def test_memory_stats_and_doctor(r):
    r.set("k", "v")
    stats = r.memory_stats()
    for field in ("peak.allocated", "total.allocated", "startup.allocated", "keys.count",
                  "keys.bytes-per-key", "dataset.bytes", "overhead.total", "fragmentation"):
        assert field in stats, field
    assert stats["keys.count"] == 1
    assert stats["total.allocated"] > 0
    assert stats["peak.allocated"] >= stats["total.allocated"] - 1024 * 1024
    assert "Sam" in r.execute_command("MEMORY", "DOCTOR")
    assert r.execute_command("MEMORY", "PURGE")


def test_swapdb(r, server):
    r.set("a", "zero")
    other = server.client(db=1, decode_responses=True)
    other.set("b", "one")
    assert r.swapdb(0, 1)
    assert r.get("a") is None and r.get("b") == "one"
    assert other.get("a") == "zero" and other.get("b") is None
    assert r.dbsize() == 1 and other.dbsize() == 1
    with pytest.raises(redis.ResponseError, match="DB index is out of range"):
        r.swapdb(0, 99)
    other.flushdb()


def test_move(r, server):
    r.set("k", "v", ex=1000)
    assert r.move("k", 3) is True
    assert r.exists("k") == 0
    db3 = server.client(db=3, decode_responses=True)
    assert db3.get("k") == "v"
    assert 990 <= db3.ttl("k") <= 1000
    assert r.move("k", 3) is False
    with pytest.raises(redis.ResponseError, match="source and destination objects are the same"):
        r.move("k", 0)
    db3.flushdb()


def test_dbsize_per_database(r, server):
    r.set("a", 1)
    r.set("b", 1)
    db5 = server.client(db=5, decode_responses=True)
    assert db5.dbsize() == 0
    db5.set("a", 1)
    assert db5.dbsize() == 1
    assert r.dbsize() == 2
    out = subprocess.run([REDIS_CLI, "-p", str(server.port), "-n", "5", "dbsize"],
                         capture_output=True, text=True, timeout=20).stdout
    assert out == "(integer) 1\n" or out == "1\n"
    db5.flushdb()


def test_object_help_through_redis_cli(server):
    out = subprocess.run([REDIS_CLI, "-p", str(server.port), "object", "help"],
                         capture_output=True, text=True, timeout=20).stdout
    assert out.startswith("OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\n")
    assert out.endswith("HELP\n    Prints this help.\n")
