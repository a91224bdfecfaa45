"""INVALIDATE PREFIX / INVALIDATE MATCH against the real server: replies and errors, the
selected database, pipelines, MULTI/EXEC, scripts and WATCH, keys written right after, and
atomic visibility: clients reading while a large invalidation runs (on another I/O thread)
see either every matching key or none, and writers that come after the instant keep their
keys."""

import socket
import threading
import time

import pytest
import redis

from conftest import scaled_count, start_cachette, wait_until
from resp import RespConnection, encode, parse

FILL = ("for i = 1, tonumber(ARGV[2]) do redis.call('SET', ARGV[1] .. i, 'v') end "
        "return tonumber(ARGV[2])")


def call_many(conn, commands, replies=None):
    """Sends the commands in one write (a pipeline) and returns `replies` raw replies (one per
    command by default)."""
    conn.send(b"".join(encode(*command) for command in commands))
    return conn.read_replies(len(commands) if replies is None else replies)


def fill(client, prefix, count):
    """Creates prefix1 .. prefix<count> server-side (one EVAL: fast, no client round trips)."""
    assert client.eval(FILL, 0, prefix, count) == count


@pytest.fixture(scope="module")
def threaded(log_dir):
    """A server with two I/O threads: an invalidation's slices run on one while clients of
    the other read at the same time."""
    handle = start_cachette(log_dir, "--threads", "2")
    yield handle
    handle.stop()


@pytest.fixture
def t(threaded):
    """A decoded client on a server with two I/O threads, after FLUSHALL."""
    threaded.call("FLUSHALL")
    client = threaded.client(decode_responses=True)
    yield client
    client.close()


def test_prefix_counts_and_removes_only_matching_keys(r):
    r.mset({"reviews:user:1:a": 1, "reviews:user:1:b": 2, "reviews:user:10:a": 3,
            "reviews:product:1": 4, "payments:1": 5})
    assert r.execute_command("INVALIDATE", "PREFIX", "reviews:user:1:") == 2
    assert sorted(r.keys("*")) == ["payments:1", "reviews:product:1", "reviews:user:10:a"]
    assert r.execute_command("INVALIDATE", "PREFIX", "nothing:") == 0
    # Several prefixes, overlapping ones counted once.
    assert r.execute_command("INVALIDATE", "PREFIX", "reviews:", "reviews:user:", "payments:") == 3
    assert r.dbsize() == 0


def test_match_uses_glob_rules(r):
    r.mset({"user:1:page": 1, "user:2:page": 1, "user:12:page": 1, "user:1:profile": 1,
            "a*b": 1, "axb": 1})
    assert r.execute_command("INVALIDATE", "MATCH", "user:?:page") == 2
    assert sorted(r.keys("user:*")) == ["user:12:page", "user:1:profile"]
    assert r.execute_command("INVALIDATE", "MATCH", "a\\*b") == 1
    assert r.exists("axb") == 1
    assert r.execute_command("INVALIDATE", "MATCH", "*:profile") == 1
    assert r.execute_command("INVALIDATE", "MATCH", "*") == 2
    assert r.dbsize() == 0


def test_expired_keys_are_not_counted(r):
    r.set("t:live", 1)
    r.set("t:gone", 1, px=1)
    wait_until(lambda: r.pttl("t:gone") == -2)
    assert r.execute_command("INVALIDATE", "PREFIX", "t:") == 1


def test_only_the_selected_database(server):
    c = server.client(decode_responses=True, db=3)
    other = server.client(decode_responses=True, db=4)
    c.flushall()
    c.set("k:1", 1)
    other.set("k:1", 1)
    assert c.execute_command("INVALIDATE", "PREFIX", "k:") == 1
    assert other.get("k:1") == "1"
    c.close()
    other.close()


def test_errors_and_help(server):
    conn = RespConnection(server.port)
    replies = call_many(conn, [["INVALIDATE"], ["INVALIDATE", "PREFIX"], ["INVALIDATE", "MATCH"],
                              ["INVALIDATE", "MATCH", "a", "b"], ["INVALIDATE", "NOPE", "x"]])
    assert replies == [
        b"-ERR wrong number of arguments for 'invalidate' command\r\n",
        b"-ERR wrong number of arguments for 'invalidate|prefix' command\r\n",
        b"-ERR wrong number of arguments for 'invalidate|match' command\r\n",
        b"-ERR wrong number of arguments for 'invalidate|match' command\r\n",
        b"-ERR unknown subcommand 'NOPE'. Try INVALIDATE HELP.\r\n",
    ]
    help_lines = parse(conn.call("INVALIDATE", "HELP"))
    assert help_lines[0].startswith("INVALIDATE <subcommand>")
    assert "PREFIX <prefix> [<prefix> ...]" in help_lines
    conn.close()


def test_command_docs_list_it_in_our_group(server):
    docs = server.call("COMMAND", "DOCS", "INVALIDATE")
    assert b"cachette" in docs and b"prefix" in docs and b"match" in docs
    info = server.call("COMMAND", "INFO", "INVALIDATE")
    assert b"invalidate|prefix" in info and b"invalidate|match" in info


def test_pipelined_commands_run_in_order_around_it(server):
    server.call("FLUSHALL")
    conn = RespConnection(server.port)
    replies = call_many(conn, [["SET", "p:1", "x"], ["SET", "p:2", "x"],
                              ["INVALIDATE", "PREFIX", "p:"], ["GET", "p:1"],
                              ["SET", "p:1", "y"], ["GET", "p:1"], ["DBSIZE"]])
    assert replies == [b"+OK\r\n", b"+OK\r\n", b":2\r\n", b"$-1\r\n", b"+OK\r\n", b"$1\r\ny\r\n",
                       b":1\r\n"]
    conn.close()


def test_reply_after_a_large_reply_still_being_written(server):
    # The invalidation ends while the 4 MB reply before it is still going out (the client
    # does not read yet): its reply must follow that one, not be lost.
    server.call("FLUSHALL")
    server.call("SET", "big", "x" * (4 << 20))
    c = server.client()
    fill(c, "p:", 20_000)
    conn = RespConnection(server.port)
    conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    conn.send(b"".join(encode(*command) for command in
                       (["GET", "big"], ["INVALIDATE", "PREFIX", "p:"], ["PING"])))
    # Let the server fill the socket and finish the sweep before anything is read.
    wait_until(lambda: c.dbsize() == 1, message="the invalidation")
    time.sleep(0.2)
    replies = conn.read_replies(3)
    assert replies[0].startswith(b"$4194304\r\n")
    assert replies[1:] == [b":20000\r\n", b"+PONG\r\n"]
    conn.close()
    c.close()


def test_client_reply_skip_drops_its_reply(server):
    server.call("FLUSHALL")
    conn = RespConnection(server.port)
    replies = call_many(conn, [["SET", "s:1", "x"], ["CLIENT", "REPLY", "SKIP"],
                              ["INVALIDATE", "PREFIX", "s:"], ["PING"]], replies=2)
    assert replies == [b"+OK\r\n", b"+PONG\r\n"]
    assert server.call("EXISTS", "s:1") == b":0\r\n"
    conn.close()


def test_inside_multi_it_runs_with_the_transaction(r):
    r.mset({"m:1": 1, "m:2": 2})
    pipe = r.pipeline(transaction=True)
    pipe.set("m:3", 3)
    pipe.execute_command("INVALIDATE", "PREFIX", "m:")
    pipe.set("m:4", 4)
    pipe.exists("m:1", "m:3", "m:4")
    assert pipe.execute() == [True, 3, True, 1]
    assert r.keys("m:*") == ["m:4"]


def test_inside_a_script(r):
    r.mset({"s:1": 1, "s:2": 2, "other": 1})
    script = ("redis.call('SET', 's:3', 'x') "
              "local n = redis.call('INVALIDATE', 'PREFIX', 's:') "
              "redis.call('SET', 's:new', 'y') "
              "return {n, redis.call('EXISTS', 's:1', 's:3', 's:new')}")
    assert r.eval(script, 0) == [3, 1]
    assert sorted(r.keys("*")) == ["other", "s:new"]


def test_watch_of_a_matching_key_aborts_exec(server):
    server.call("FLUSHALL")
    server.call("SET", "w:1", "x")
    watcher = server.client(decode_responses=True)
    other = server.client(decode_responses=True)
    with watcher.pipeline(transaction=True) as pipe:
        pipe.watch("w:1", "unrelated")
        other.execute_command("INVALIDATE", "PREFIX", "w:")
        pipe.multi()
        pipe.set("done", 1)
        with pytest.raises(redis.WatchError):
            pipe.execute()
    # A WATCH of a key the invalidation does not cover survives it.
    with watcher.pipeline(transaction=True) as pipe:
        pipe.watch("unrelated")
        other.execute_command("INVALIDATE", "PREFIX", "w:")
        pipe.multi()
        pipe.set("done", 1)
        assert pipe.execute() == [True]
    watcher.close()
    other.close()


def test_large_invalidation_then_every_view_is_empty(t):
    count = scaled_count(200_000)
    fill(t, "big:", count)
    t.set("keep", 1)
    assert t.execute_command("INVALIDATE", "PREFIX", "big:") == count
    assert t.dbsize() == 1
    assert t.keys("big:*") == []
    cursor, found = 0, []
    while True:
        cursor, page = t.scan(cursor, match="big:*", count=1000)
        found += page
        if cursor == 0:
            break
    assert found == []
    assert t.mget("big:1", f"big:{count // 2}", f"big:{count}") == [None, None, None]
    assert t.ttl("big:7") == -2
    assert t.exists("big:1", "big:2") == 0
    assert t.eval("return redis.call('EXISTS', 'big:1', 'big:99')", 0) == 0
    assert t.randomkey() == "keep"


def test_readers_never_see_a_partial_invalidation(threaded, t):
    count = scaled_count(300_000)
    fill(t, "doomed:", count)
    t.set("bystander", 1)
    probe = ["doomed:1", "doomed:%d" % (count // 3), "doomed:%d" % (count // 2),
             "doomed:%d" % count]
    observations = []
    stop = threading.Event()
    errors = []

    def reader():
        c = threaded.client(decode_responses=True)
        try:
            rounds = 0
            while not stop.is_set():
                values = c.mget(probe)
                size = c.dbsize()
                # KEYS walks every key with every shard locked: now and then only, or the
                # readers would keep the sweep waiting most of the time.
                listed = len(c.keys("doomed:12*")) if rounds % 16 == 0 else None
                rounds += 1
                observations.append((tuple(v is None for v in values), size, listed))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))
        finally:
            c.close()

    readers = [threading.Thread(target=reader) for _ in range(3)]
    for thread in readers:
        thread.start()
    wait_until(lambda: len(observations) > 10, message="readers started")
    invalidator = threaded.client(decode_responses=True)
    assert invalidator.execute_command("INVALIDATE", "PREFIX", "doomed:") == count
    after = len(observations)
    wait_until(lambda: len(observations) > after + 10, message="readers after the reply")
    stop.set()
    for thread in readers:
        thread.join(timeout=30)
    invalidator.close()
    assert not errors, errors
    keys_12 = sum(1 for i in range(1, count + 1) if str(i).startswith("12"))
    for gone, size, listed in observations:
        assert gone in ((False,) * 4, (True,) * 4), gone
        assert size in (count + 1, 1), size
        assert listed in (keys_12, 0, None), listed
    assert observations[-1][:2] == ((True,) * 4, 1)
    assert any(listed == keys_12 for _, _, listed in observations)


def test_keys_written_after_the_instant_are_ordinary_keys(threaded, t):
    count = scaled_count(300_000)
    fill(t, "old:", count)
    writer = threaded.client(decode_responses=True)
    result = []
    # The invalidation runs on one connection; another, once it sees a matching key gone,
    # writes matching keys (new ones and a rewrite) while the sweep is still going.
    invalidating = threading.Thread(
        target=lambda: result.append(
            threaded.client().execute_command("INVALIDATE", "PREFIX", "old:")))
    invalidating.start()
    wait_until(lambda: writer.exists("old:1") == 0, message="the instant")
    writer.set("old:new", "fresh")
    writer.set("old:%d" % (count // 2), "rewritten")
    invalidating.join(timeout=60)
    assert result == [count]
    assert writer.get("old:new") == "fresh"
    assert writer.get("old:%d" % (count // 2)) == "rewritten"
    assert writer.dbsize() == 2
    writer.close()


def test_other_clients_are_served_while_it_runs(threaded, t):
    fill(t, "slow:", scaled_count(300_000))
    t.set("hot", "v")
    served = []
    done = threading.Event()

    def invalidate():
        threaded.client().execute_command("INVALIDATE", "PREFIX", "slow:")
        done.set()

    thread = threading.Thread(target=invalidate)
    thread.start()
    # GETs keep being answered; at least some of them before the invalidation replies.
    while not done.is_set():
        served.append(t.get("hot"))
    thread.join(timeout=60)
    assert served and all(v == "v" for v in served)


def test_a_client_that_disconnects_does_not_stop_it(threaded, t):
    fill(t, "gone:", scaled_count(100_000))
    sock = socket.create_connection(("127.0.0.1", threaded.port))
    sock.sendall(encode("INVALIDATE", "PREFIX", "gone:"))
    sock.close()
    # The server reads the command before it sees the close, and runs it to its end.
    wait_until(lambda: t.dbsize() == 0, message="the invalidation")
    # (The next one waits for it to end.)
    assert t.execute_command("INVALIDATE", "PREFIX", "gone:") == 0
    t.set("gone:1", 1)
    assert t.get("gone:1") == "1"
