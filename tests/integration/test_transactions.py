"""MULTI/EXEC/DISCARD/WATCH/UNWATCH against the real server: reply bytes compared with
redis-server 7.0, two-client WATCH cases, atomicity under concurrency, and redis-py's own
transaction paths (pipelines with transaction=True, the WATCH helper)."""

import threading

import pytest
import redis

from conftest import wait_until
from resp import RespConnection, encode, parse
from test_concurrency import run_threads
from test_differential import assert_replies_match, assert_scenario_matches

SCENARIOS = {
    "exec_runs_queue": [["MULTI"], ["SET", "a", "1"], ["INCR", "a"], ["GET", "a"], ["EXEC"],
                        ["GET", "a"]],
    "empty": [["MULTI"], ["EXEC"]],
    "exec_without_multi": [["EXEC"], ["DISCARD"]],
    "nested_multi_and_watch": [["MULTI"], ["MULTI"], ["WATCH", "a"], ["SET", "a", "1"], ["EXEC"]],
    "queue_errors_abort": [["MULTI"], ["SET", "a", "1"], ["NOSUCH", "x"], ["GET"], ["EXEC"],
                           ["EXISTS", "a"]],
    "runtime_error_in_slot": [["SET", "s", "x"], ["MULTI"], ["INCR", "s"], ["INCRBYFLOAT", "s", "1"],
                              ["SET", "b", "1"], ["EXEC"], ["GET", "b"]],
    "no_multi_command": [["MULTI"], ["SHUTDOWN"], ["EXEC"]],
    "exec_with_argument": [["MULTI"], ["SET", "a", "1"], ["EXEC", "x"], ["EXISTS", "a"],
                           ["EXEC"]],
    "exec_with_argument_outside": [["EXEC", "x"]],
    "discard": [["MULTI"], ["SET", "a", "1"], ["DISCARD"], ["EXISTS", "a"], ["DISCARD"]],
    "select_inside": [["MULTI"], ["SELECT", "10"], ["SET", "x", "1"], ["EXEC"], ["GET", "x"],
                      ["SELECT", "9"], ["GET", "x"]],
    "arity": [["WATCH"], ["UNWATCH", "x"], ["MULTI", "x"], ["DISCARD", "x"]],
    "watch_unchanged": [["SET", "w", "1"], ["WATCH", "w", "v"], ["MULTI"], ["SET", "w", "2"],
                        ["EXEC"], ["GET", "w"]],
    "watch_changed_by_self": [["SET", "w", "1"], ["WATCH", "w"], ["SET", "w", "2"], ["MULTI"],
                              ["GET", "w"], ["EXEC"], ["GET", "w"]],
    "watch_then_unwatch": [["SET", "w", "1"], ["WATCH", "w"], ["UNWATCH"], ["SET", "w", "2"],
                           ["MULTI"], ["GET", "w"], ["EXEC"]],
    "watch_missing_key_created": [["WATCH", "nope"], ["SET", "nope", "1"], ["MULTI"], ["PING"],
                                  ["EXEC"]],
    "watch_flush_of_missing_key": [["WATCH", "nope"], ["FLUSHDB"], ["MULTI"], ["PING"],
                                   ["EXEC"]],
    "watch_flush_of_present_key": [["SET", "w", "1"], ["WATCH", "w"], ["FLUSHDB"], ["MULTI"],
                                   ["PING"], ["EXEC"]],
    "watch_expire_command": [["SET", "w", "1"], ["WATCH", "w"], ["EXPIRE", "w", "100"],
                             ["MULTI"], ["PING"], ["EXEC"]],
    "watch_read_does_not_count": [["SET", "w", "1"], ["WATCH", "w"], ["GET", "w"],
                                  ["EXISTS", "w"], ["TTL", "w"], ["MULTI"], ["PING"], ["EXEC"]],
    "keyless_commands_in_exec": [["SET", "a", "1"], ["MULTI"], ["DBSIZE"], ["FLUSHDB"],
                                 ["SET", "b", "2"], ["KEYS", "*"], ["PING"], ["ECHO", "x"],
                                 ["EXEC"]],
    "multi_quit": [["MULTI"], ["SET", "a", "1"], ["QUIT"]],
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_reply_bytes_match_redis(both, name):
    assert_scenario_matches(both, SCENARIOS[name])


def _two_clients(port, steps):
    """Runs (client index, command) steps on two connections; returns the replies."""
    replies = []
    with RespConnection(port) as a, RespConnection(port) as b:
        for conn in (a, b):
            assert conn.call("SELECT", "9") == b"+OK\r\n"
        a.call("FLUSHDB")
        for who, cmd in steps:
            replies.append((a, b)[who].call(*cmd))
    return replies


TWO_CLIENT_SCENARIOS = {
    "other_client_writes": [(0, ["SET", "w", "1"]), (0, ["WATCH", "w"]), (1, ["SET", "w", "2"]),
                            (0, ["MULTI"]), (0, ["SET", "w", "3"]), (0, ["EXEC"]),
                            (1, ["GET", "w"])],
    "other_client_deletes": [(0, ["SET", "w", "1"]), (0, ["WATCH", "w"]), (1, ["DEL", "w"]),
                             (0, ["MULTI"]), (0, ["PING"]), (0, ["EXEC"])],
    "other_key_written": [(0, ["WATCH", "w"]), (1, ["SET", "other", "2"]), (0, ["MULTI"]),
                          (0, ["SET", "w", "3"]), (0, ["EXEC"])],
    "other_database": [(0, ["WATCH", "w"]), (1, ["SELECT", "10"]), (1, ["SET", "w", "2"]),
                       (0, ["MULTI"]), (0, ["PING"]), (0, ["EXEC"]), (1, ["FLUSHDB"])],
    "write_while_queued": [(0, ["WATCH", "w"]), (0, ["MULTI"]), (0, ["GET", "w"]),
                           (1, ["SET", "w", "x"]), (0, ["EXEC"])],
    "renamed_onto": [(0, ["SET", "src", "1"]), (0, ["WATCH", "w"]),
                     (1, ["RENAME", "src", "w"]), (0, ["MULTI"]), (0, ["PING"]), (0, ["EXEC"])],
    "swapdb": [(0, ["SET", "w", "1"]), (0, ["WATCH", "w"]), (1, ["SWAPDB", "9", "10"]),
               (0, ["MULTI"]), (0, ["PING"]), (0, ["EXEC"]), (1, ["SWAPDB", "9", "10"])],
}


@pytest.mark.parametrize("name", sorted(TWO_CLIENT_SCENARIOS))
def test_two_client_watch_matches_redis(both, name):
    cachette, redis_srv = both
    steps = TWO_CLIENT_SCENARIOS[name]
    assert_replies_match(steps, _two_clients(redis_srv.port, steps),
                         _two_clients(cachette.port, steps))


def test_watched_key_expiring_before_exec_aborts(server):
    with RespConnection(server.port) as c, RespConnection(server.port) as other:
        for _ in range(20):
            c.call("SET", "ttlw", "1", "PX", "300")
            assert c.call("WATCH", "ttlw") == b"+OK\r\n"
            if int(parse(c.call("PTTL", "ttlw"))) > 0:
                break  # watched while still alive (a loaded machine may take longer)
            c.call("UNWATCH")
        else:
            pytest.fail("could not WATCH the key before it expired")
        # The key goes (lazily or actively) without this client touching it.
        wait_until(lambda: other.call("PTTL", "ttlw") == b":-2\r\n", message="key expired")
        assert c.call("MULTI") == b"+OK\r\n"
        assert c.call("PING") == b"+QUEUED\r\n"
        assert c.call("EXEC") == b"*-1\r\n"


def test_resp3_aborted_exec_is_null(server):
    with RespConnection(server.port) as c:
        c.call("HELLO", "3")
        c.call("SET", "r3", "1")
        c.call("WATCH", "r3")
        c.call("SET", "r3", "2")
        c.call("MULTI")
        c.call("GET", "r3")
        assert c.call("EXEC") == b"_\r\n"


def test_exec_is_atomic_across_shards(server, r):
    """Writers run MULTI; INCR a; INCR b; EXEC while readers read both keys at once (MGET, and
    MULTI GET GET EXEC): no reader ever sees a != b."""
    r.mset({"atom:a": 0, "atom:b": 0})
    rounds = 300

    def worker(i):
        with RespConnection(server.port) as c:
            for _ in range(rounds):
                if i % 2 == 0:
                    c.send(encode("MULTI") + encode("INCR", "atom:a") + encode("INCR", "atom:b")
                           + encode("EXEC"))
                    replies = c.read_replies(4)
                    assert replies[0] == b"+OK\r\n" and replies[3].startswith(b"*2\r\n"), replies
                    a, b = parse(replies[3])
                    assert a == b, (a, b)
                elif i % 4 == 1:
                    a, b = parse(c.call("MGET", "atom:a", "atom:b"))
                    assert a == b, (a, b)
                else:
                    c.send(encode("MULTI") + encode("GET", "atom:a") + encode("GET", "atom:b")
                           + encode("EXEC"))
                    a, b = parse(c.read_replies(4)[3])
                    assert a == b, (a, b)

    run_threads(16, worker)
    assert int(r.get("atom:a")) == int(r.get("atom:b")) == 8 * rounds


def test_watch_check_and_set_counts_every_increment(server, r):
    """The optimistic-locking loop of the Redis docs: WATCH, GET, MULTI, SET, EXEC, retried on
    a null EXEC. Concurrent clients lose no increment."""
    r.set("cas", 0)
    clients, per_client = 8, 40

    def worker(_):
        c = redis.Redis(port=server.port, decode_responses=True)
        done = 0
        while done < per_client:
            with c.pipeline() as pipe:
                try:
                    pipe.watch("cas")
                    value = int(pipe.get("cas"))
                    pipe.multi()
                    pipe.set("cas", value + 1)
                    pipe.execute()
                    done += 1
                except redis.WatchError:
                    continue
        c.close()

    run_threads(clients, worker)
    assert int(r.get("cas")) == clients * per_client


def test_redis_py_transaction_pipeline(r):
    pipe = r.pipeline(transaction=True)
    pipe.set("p:a", "1").incr("p:a").get("p:a").expire("p:a", 100).ttl("p:a")
    assert pipe.execute() == [True, 2, "2", True, 100]

    pipe = r.pipeline(transaction=True)
    pipe.set("p:s", "x").incr("p:s").set("p:after", "1")
    with pytest.raises(redis.ResponseError):
        pipe.execute()
    assert r.get("p:after") == "1"  # runtime errors do not stop the rest


def test_redis_py_transaction_helper_retries_on_watch_error(server, r):
    r.set("tx:n", 1)
    other = redis.Redis(port=server.port, decode_responses=True)
    attempts = []

    def body(pipe):
        attempts.append(1)
        value = int(pipe.get("tx:n"))
        if len(attempts) == 1:
            other.set("tx:n", 10)  # changes the watched key once
        pipe.multi()
        pipe.set("tx:n", value * 2)

    r.transaction(body, "tx:n")
    assert len(attempts) == 2
    assert r.get("tx:n") == "20"
    other.close()


def test_closing_a_watching_client_leaves_no_trace(server, r):
    for _ in range(50):
        with RespConnection(server.port) as c:
            c.call("WATCH", "gone:a", "gone:b")
            c.call("MULTI")
            c.call("SET", "gone:a", "1")
    # A fresh client watching the same keys sees them untouched by the closed ones.
    with RespConnection(server.port) as c:
        c.call("WATCH", "gone:a")
        c.call("MULTI")
        c.call("SET", "gone:a", "1")
        assert c.call("EXEC") == b"*1\r\n+OK\r\n"
