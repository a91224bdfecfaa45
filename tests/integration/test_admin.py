"""Client and admin commands against the real binary: CLIENT, RESET, MONITOR, SLOWLOG,
LATENCY, DEBUG, LASTSAVE, ROLE, COMMAND DOCS/LIST/GETKEYS. Deterministic replies
are compared byte for byte with Debian's redis-server 7.0; the rest goes through redis-py and
an interactive redis-cli (in tmux) as an operator would use them.
"""

import os
import re
import shutil
import subprocess
import threading
import time
import uuid

import pytest

from conftest import REDIS_SERVER, _launch, wait_until
from resp import ConnectionClosed, RespConnection, encode, parse
from test_differential import assert_scenario_matches


def replies(port, commands, resp3=False):
    out = []
    with RespConnection(port, timeout=10) as c:
        if resp3:
            c.call("HELLO", "3")
        for cmd in commands:
            out.append(c.call(*cmd))
    return out


def assert_same(both, *commands, resp3=False):
    """The shared differential comparison (fresh connection, FLUSHALL, SELECT 9)."""
    assert_scenario_matches(both, list(commands), resp3=resp3)


# ---- byte comparisons with redis-server -------------------------------------------------------

DIFFERENTIAL = {
    "client_setname_getname": [["CLIENT", "GETNAME"], ["CLIENT", "SETNAME", "abc"],
                               ["CLIENT", "GETNAME"], ["CLIENT", "SETNAME", "a b"],
                               ["CLIENT", "SETNAME", "a\nb"], ["CLIENT", "SETNAME", ""],
                               ["CLIENT", "GETNAME"]],
    "client_arity": [["CLIENT"], ["CLIENT", "ID", "x"], ["CLIENT", "SETNAME"],
                     ["CLIENT", "GETNAME", "x"], ["CLIENT", "INFO", "x"], ["CLIENT", "KILL"],
                     ["CLIENT", "REPLY"], ["CLIENT", "NO-EVICT"], ["CLIENT", "NOPE"],
                     ["CLIENT", "NOPE", "x"]],
    "client_kill_errors": [["CLIENT", "KILL", "1.2.3.4:5"], ["CLIENT", "KILL", "ID", "0"],
                           ["CLIENT", "KILL", "ID", "x"], ["CLIENT", "KILL", "ID", "-3"],
                           ["CLIENT", "KILL", "TYPE", "foo"], ["CLIENT", "KILL", "USER", "bob"],
                           ["CLIENT", "KILL", "SKIPME", "maybe"],
                           ["CLIENT", "KILL", "ID", "5", "foo"], ["CLIENT", "KILL", "NOPE", "x"],
                           ["CLIENT", "KILL", "1.2.3.4:5", "x"]],
    "client_kill_no_match": [["CLIENT", "KILL", "ADDR", "1.2.3.4:5"],
                             ["CLIENT", "KILL", "LADDR", "1.2.3.4:5", "SKIPME", "no"],
                             ["CLIENT", "KILL", "ID", "999999"],
                             ["CLIENT", "KILL", "TYPE", "pubsub"],
                             ["CLIENT", "KILL", "TYPE", "master", "SKIPME", "yes"],
                             ["CLIENT", "KILL", "USER", "default", "ID", "999999"]],
    "client_list_errors": [["CLIENT", "LIST", "TYPE", "x"], ["CLIENT", "LIST", "ID", "x"],
                           ["CLIENT", "LIST", "ID"], ["CLIENT", "LIST", "foo"],
                           ["CLIENT", "LIST", "TYPE", "normal", "x"],
                           ["CLIENT", "LIST", "TYPE", "pubsub"], ["CLIENT", "LIST", "ID", "0"],
                           ["CLIENT", "LIST", "TYPE", "replica"]],
    "client_pause_errors": [["CLIENT", "PAUSE"], ["CLIENT", "PAUSE", "-1"],
                            ["CLIENT", "PAUSE", "x"], ["CLIENT", "PAUSE", "1.5"],
                            ["CLIENT", "PAUSE", "10", "foo"],
                            ["CLIENT", "PAUSE", "10", "write", "x"],
                            ["CLIENT", "UNPAUSE", "x"], ["CLIENT", "UNPAUSE"]],
    "client_reply_errors": [["CLIENT", "REPLY", "maybe"], ["CLIENT", "NO-EVICT", "maybe"],
                            ["CLIENT", "NO-EVICT", "on"], ["CLIENT", "NO-EVICT", "OFF"],
                            ["CLIENT", "GETREDIR"]],
    "reset": [["SELECT", "3"], ["SET", "k", "1"], ["CLIENT", "SETNAME", "n"], ["WATCH", "k"],
              ["MULTI"], ["SET", "k", "2"], ["RESET"], ["CLIENT", "GETNAME"], ["GET", "k"],
              ["EXEC"], ["SELECT", "3"], ["GET", "k"], ["DEL", "k"], ["RESET", "x"]],
    "diagnostics_directives": [["CONFIG", "GET", "slowlog-log-slower-than"],
                               ["CONFIG", "GET", "slowlog-max-len"],
                               ["CONFIG", "GET", "latency-monitor-threshold"],
                               ["CONFIG", "SET", "slowlog-log-slower-than", "-2"],
                               ["CONFIG", "SET", "slowlog-max-len", "-1"],
                               ["CONFIG", "SET", "slowlog-max-len", "x"],
                               ["CONFIG", "SET", "latency-monitor-threshold", "-1"],
                               ["CONFIG", "SET", "protected-mode", "maybe"],
                               ["CONFIG", "GET", "protected-mode"]],
    "role_lastsave_arity": [["ROLE"], ["ROLE", "x"], ["LASTSAVE", "x"]],
    "monitor_arity": [["MONITOR", "x"]],
    "lolwut": [["LOLWUT"], ["LOLWUT", "VERSION", "x"], ["LOLWUT", "VERSION", "7"],
               ["LOLWUT", "foo"], ["LOLWUT", "VERSION", "7", "foo"], ["LOLWUT", "VERSION"]],
    "slowlog": [["SLOWLOG", "RESET"], ["SLOWLOG", "GET", "-2"], ["SLOWLOG", "GET", "x"],
                ["SLOWLOG", "GET", "1", "2"], ["SLOWLOG", "NOPE"], ["SLOWLOG"],
                ["SLOWLOG", "LEN", "x"], ["SLOWLOG", "RESET", "x"], ["SLOWLOG", "HELP", "x"]],
    "latency": [["LATENCY", "RESET"], ["LATENCY", "LATEST"], ["LATENCY", "HISTORY", "command"],
                ["LATENCY", "HISTORY"], ["LATENCY", "RESET", "a", "b"], ["LATENCY", "NOPE"],
                ["LATENCY"], ["LATENCY", "LATEST", "x"]],
    "command_getkeys": [["COMMAND", "GETKEYS", "SET", "k", "v"],
                        ["COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2"],
                        ["COMMAND", "GETKEYS", "DEL", "a", "b", "c"],
                        ["COMMAND", "GETKEYS", "EXISTS", "a"],
                        ["COMMAND", "GETKEYS", "MEMORY", "USAGE", "k"],
                        ["COMMAND", "GETKEYS", "COPY", "a", "b"],
                        ["COMMAND", "GETKEYS", "GET"], ["COMMAND", "GETKEYS", "PING"],
                        ["COMMAND", "GETKEYS", "PING", "x"],
                        ["COMMAND", "GETKEYS", "MEMORY", "USAGE"],
                        ["COMMAND", "GETKEYS", "MEMORY", "NOPE", "k"],
                        ["COMMAND", "GETKEYS", "NOPE", "x"], ["COMMAND", "GETKEYS"],
                        ["COMMAND", "GETKEYS", "SET", "k"], ["COMMAND", "GETKEYS", "GET", "a", "b"]],
    "command_list_errors": [["COMMAND", "LIST", "x"], ["COMMAND", "LIST", "FILTERBY"],
                            ["COMMAND", "LIST", "FILTERBY", "FOO", "x"],
                            ["COMMAND", "LIST", "FILTERBY", "PATTERN"],
                            ["COMMAND", "LIST", "FILTERBY", "MODULE", "nosuch"],
                            ["COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"],
                            ["COMMAND", "LIST", "FILTERBY", "PATTERN", "nosuch*"]],
}


@pytest.mark.parametrize("name", sorted(DIFFERENTIAL))
def test_reply_bytes_match_redis(both, name):
    assert_same(both, *DIFFERENTIAL[name])


@pytest.mark.parametrize("name", ["client_setname_getname", "latency", "role_lastsave_arity",
                                  "command_getkeys"])
def test_resp3_reply_bytes_match_redis(both, name):
    assert_same(both, *DIFFERENTIAL[name], resp3=True)


def test_client_reply_off_sends_nothing_until_on(both):
    # Pipelined, then read everything: only ON's OK and the GET after it arrive.
    data = (encode("CLIENT", "REPLY", "OFF") + encode("SET", "k", "v") + encode("GET", "k") +
            encode("CLIENT", "REPLY", "ON") + encode("GET", "k") + encode("DEL", "k"))
    got = [srv.raw(data, replies=3) for srv in both]
    assert got[0] == got[1] == b"+OK\r\n$1\r\nv\r\n:1\r\n"


def test_client_reply_skip_drops_the_next_reply_only(both):
    data = (encode("CLIENT", "REPLY", "SKIP") + encode("SET", "k", "1") + encode("GET", "k") +
            encode("CLIENT", "REPLY", "SKIP") + encode("CLIENT", "REPLY", "SKIP") +
            encode("INCR", "k") + encode("DEL", "k"))
    got = [srv.raw(data, replies=2) for srv in both]
    assert got[0] == got[1] == b"$1\r\n1\r\n:1\r\n"


def _filtered(port, *filter_args):
    with RespConnection(port) as c:
        return sorted(parse(c.call("COMMAND", "LIST", "FILTERBY", *filter_args)))


# Ours and not in Redis 7.0 (they come from Redis 7.2).
REDIS_72_ONLY = {b"client|setinfo", b"client|no-touch"}
# Our own group ("cachette"): Redis does not know these.
CACHETTE_ONLY = {b"invalidate", b"invalidate|prefix", b"invalidate|match", b"invalidate|help",
                 b"prefixstats"}


def _implemented(port):
    with RespConnection(port) as c:
        return set(parse(c.call("COMMAND", "LIST")))


@pytest.mark.parametrize("pattern", ["slowlog*", "get*", "*set*", "MONITOR", "config|*",
                                     "client|*"])
def test_command_list_filterby_pattern_matches_redis(both, pattern):
    ours, theirs = (_filtered(s.port, "PATTERN", pattern) for s in both)
    implemented = _implemented(both[0].port)
    assert [n for n in ours if n not in REDIS_72_ONLY] == [n for n in theirs if n in implemented]


@pytest.mark.parametrize("category", ["string", "keyspace", "transaction", "connection",
                                      "admin", "fast"])
def test_command_list_filterby_aclcat_matches_redis_for_our_commands(both, category):
    ours, theirs = (_filtered(s.port, "ACLCAT", category) for s in both)
    implemented = _implemented(both[0].port)
    missing = [n for n in theirs if n in implemented and n not in ours]
    assert not missing, f"Redis puts these in @{category}: {missing}"


def _docs_arguments(port, name):
    with RespConnection(port) as c:
        docs = parse(c.call("COMMAND", "DOCS", name))
    if not docs:
        return None
    doc = dict(zip(docs[1][0::2], docs[1][1::2]))
    top = doc.get(b"arguments")
    subs = doc.get(b"subcommands")
    sub_args = {}
    if subs:
        for sub_name, sub_doc in zip(subs[0::2], subs[1::2]):
            sub_doc = dict(zip(sub_doc[0::2], sub_doc[1::2]))
            sub_args[sub_name] = sub_doc.get(b"arguments")
    return top, sub_args


def test_command_docs_argument_trees_match_redis_for_every_command(both):
    cachette, redis_srv = both
    with RespConnection(cachette.port) as c:
        names = [n.decode() for n in parse(c.call("COMMAND", "LIST")) if b"|" not in n]
    compared = 0
    for name in names:
        theirs = _docs_arguments(redis_srv.port, name)
        ours = _docs_arguments(cachette.port, name)
        assert ours is not None, name
        if theirs is None:
            continue
        assert ours[0] == theirs[0], name
        for sub, args in ours[1].items():
            if sub in theirs[1]:
                assert args == theirs[1][sub], sub
        compared += 1
    assert compared >= 60


def test_command_info_matches_redis_for_every_command(both):
    # Arity, flags, key positions and ACL categories of every command and subcommand; and for
    # a command without subcommands (whose order differs), the whole reply, tips and key
    # specifications included, byte for byte.
    cachette, redis_srv = both
    with RespConnection(cachette.port) as ours, RespConnection(redis_srv.port) as theirs:
        names = parse(ours.call("COMMAND", "LIST"))
        compared = 0
        for name in names:
            if name in REDIS_72_ONLY or name in CACHETTE_ONLY:
                continue
            raw_a = ours.call("COMMAND", "INFO", name)
            raw_b = theirs.call("COMMAND", "INFO", name)
            a, b = parse(raw_a)[0], parse(raw_b)[0]
            if b is None:  # ours (group cachette): Redis has no such command
                continue
            fields = lambda info: (info[0], info[1], sorted(info[2]), info[3], info[4], info[5],
                                   sorted(info[6]))  # noqa: E731
            assert fields(a) == fields(b), name
            if not a[9]:
                assert raw_a == raw_b, name
            compared += 1
    assert compared > 100
    for name in ("set", "mset", "keys", "object|freq", "memory|doctor"):
        assert_same(both, ["COMMAND", "INFO", name], resp3=True)


def test_command_docs_arguments_bytes_match_redis(both):
    # The whole "arguments" value of SET, byte for byte, in both protocols.
    for resp3 in (False, True):
        raw = []
        for srv in both:
            reply = replies(srv.port, [["COMMAND", "DOCS", "set"]], resp3)[0]
            raw.append(reply[reply.index(b"arguments\r\n"):])
        assert raw[0] == raw[1]


# ---- CLIENT across I/O threads ------------------------------------------------------------------

def _client_lines(text):
    return [dict(field.split("=", 1) for field in line.split(" "))
            for line in text.strip().split("\n") if line]


def test_client_list_shows_every_connection_across_threads(start_server):
    srv = start_server(threads=4)
    conns = [srv.conn() for _ in range(8)]
    try:
        ids = []
        for i, c in enumerate(conns):
            assert c.call("CLIENT", "SETNAME", f"c{i}") == b"+OK\r\n"
            ids.append(int(c.call("CLIENT", "ID")[1:-2]))
        listing = parse(conns[0].call("CLIENT", "LIST")).decode()
        lines = _client_lines(listing)
        by_name = {line["name"]: line for line in lines}
        for i in range(8):
            line = by_name[f"c{i}"]
            assert int(line["id"]) == ids[i]
            assert line["cmd"] in ("client|id", "client|list")
            assert line["laddr"] == f"127.0.0.1:{srv.port}"
            assert line["flags"] == "N" and line["db"] == "0" and line["resp"] == "2"
        assert [int(line["id"]) for line in lines] == sorted(int(line["id"]) for line in lines)
        only = _client_lines(parse(conns[0].call("CLIENT", "LIST", "ID", ids[3], ids[5])).decode())
        assert [int(line["id"]) for line in only] == [ids[3], ids[5]]
        info = _client_lines(parse(conns[2].call("CLIENT", "INFO")).decode())
        assert info[0]["id"] == str(ids[2]) and info[0]["name"] == "c2"
        assert info[0]["cmd"] == "client|info"
    finally:
        for c in conns:
            c.close()


def test_client_kill_closes_a_client_on_another_thread(start_server):
    srv = start_server(threads=4)
    victims = [srv.conn() for _ in range(4)]
    killer = srv.conn()
    try:
        ids = [int(v.call("CLIENT", "ID")[1:-2]) for v in victims]
        assert killer.call("CLIENT", "KILL", "ID", ids[1]) == b":1\r\n"
        with pytest.raises((ConnectionClosed, OSError)):
            victims[1].call("PING")
        addr = parse(victims[2].call("CLIENT", "INFO")).decode().split(" ")[1].split("=")[1]
        assert killer.call("CLIENT", "KILL", addr) == b"+OK\r\n"
        with pytest.raises((ConnectionClosed, OSError)):
            victims[2].call("PING")
        assert victims[0].call("PING") == b"+PONG\r\n"
        # A client killed a moment ago is not killed (or listed) again.
        assert killer.call("CLIENT", "KILL", "ID", ids[1]) == b":0\r\n"
        assert b"id=%d " % ids[1] not in parse(killer.call("CLIENT", "LIST"))
        # LADDR matches everyone but the caller (SKIPME yes).
        assert killer.call("CLIENT", "KILL", "LADDR", f"127.0.0.1:{srv.port}") == b":2\r\n"
        assert killer.call("PING") == b"+PONG\r\n"
        wait_until(lambda: _connected(killer) == 1, message="killed clients gone")
    finally:
        for c in victims + [killer]:
            c.close()


def _connected(conn):
    info = parse(conn.call("INFO", "clients")).decode()
    return int(re.search(r"connected_clients:(\d+)", info).group(1))


def test_client_kill_skipme_no_kills_the_caller_after_its_reply(start_server):
    srv = start_server()
    with srv.conn() as c:
        # The start-up readiness probe's connection may not be reaped yet (its close is seen on
        # the server's own time): wait until this one is the only client.
        wait_until(lambda: c.call("CLIENT", "LIST").count(b"id=") == 1, message="one client")
        c.send(encode("CLIENT", "KILL", "LADDR", f"127.0.0.1:{srv.port}", "SKIPME", "no"))
        assert c.read_reply() == b":1\r\n"
        assert c.read_until_closed(5) == b""


def test_concurrent_client_lists_on_every_thread_do_not_deadlock(start_server):
    srv = start_server(threads=4)
    errors = []

    def worker():
        try:
            with srv.conn(timeout=20) as c:
                for _ in range(50):
                    assert c.call("CLIENT", "LIST").startswith(b"$")
                    assert c.call("CLIENT", "KILL", "ID", "999999") == b":0\r\n"
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert not any(t.is_alive() for t in threads)


def test_client_list_inside_exec_sees_the_callers_thread(start_server):
    srv = start_server(threads=2)
    with srv.conn() as c:
        c.call("CLIENT", "SETNAME", "tx")
        assert c.call("MULTI") == b"+OK\r\n"
        assert c.call("CLIENT", "LIST") == b"+QUEUED\r\n"
        assert c.call("INCR", "n") == b"+QUEUED\r\n"
        reply = parse(c.call("EXEC"))
        assert b"name=tx " in reply[0]


# ---- CLIENT PAUSE ------------------------------------------------------------------------------

def _timed_call(conn, *args):
    start = time.monotonic()
    reply = conn.call(*args)
    return reply, time.monotonic() - start


@pytest.mark.parametrize("target", ["cachette", "redis"])
def test_client_pause_write_holds_writes_not_reads(both, target):
    srv = both[0] if target == "cachette" else both[1]
    with srv.conn() as admin, srv.conn() as c:
        c.call("SET", "pk", "1")
        assert admin.call("CLIENT", "PAUSE", "300", "WRITE") == b"+OK\r\n"
        reply, took = _timed_call(c, "GET", "pk")
        assert reply == b"$1\r\n1\r\n" and took < 0.2
        reply, took = _timed_call(c, "SET", "pk", "2")
        assert reply == b"+OK\r\n" and took >= 0.2
        assert c.call("GET", "pk") == b"$1\r\n2\r\n"
        c.call("DEL", "pk")


@pytest.mark.parametrize("target", ["cachette", "redis"])
def test_client_pause_all_holds_every_command_until_unpause(both, target):
    srv = both[0] if target == "cachette" else both[1]
    with srv.conn() as admin, srv.conn() as c, srv.conn() as other:
        assert admin.call("CLIENT", "PAUSE", "10000", "WRITE") == b"+OK\r\n"
        # A pipelined batch: the read runs, the write waits, and so does what follows it.
        c.send(encode("GET", "x") + encode("SET", "x", "1") + encode("GET", "x"))
        assert c.read_reply() == b"$-1\r\n"
        time.sleep(0.1)
        assert c.buf == b""
        assert other.call("CLIENT", "UNPAUSE") == b"+OK\r\n"
        assert c.read_reply() == b"+OK\r\n"
        assert c.read_reply() == b"$1\r\n1\r\n"
        c.call("DEL", "x")
        assert admin.call("CLIENT", "PAUSE", "300") == b"+OK\r\n"
        reply, took = _timed_call(c, "PING")
        assert reply == b"+PONG\r\n" and took >= 0.2


def test_client_pause_holds_clients_of_every_thread(start_server):
    srv = start_server(threads=4)
    conns = [srv.conn() for _ in range(6)]
    try:
        assert conns[0].call("CLIENT", "PAUSE", "400", "WRITE") == b"+OK\r\n"
        start = time.monotonic()
        for i, c in enumerate(conns[1:]):
            c.send(encode("INCR", "n"))
        replies_ = sorted(c.read_reply() for c in conns[1:])
        assert time.monotonic() - start >= 0.3
        assert replies_ == [b":%d\r\n" % i for i in range(1, 6)]
    finally:
        for c in conns:
            c.close()


# ---- redis-py ----------------------------------------------------------------------------------

def test_redis_py_client_commands(server):
    r = server.client(decode_responses=True)
    other = server.client(decode_responses=True)
    other.client_setname("other")
    assert other.client_getname() == "other"
    r.client_setname("admin")
    me = r.client_id()
    assert isinstance(me, int)
    clients = r.client_list()
    names = {c["name"] for c in clients}
    assert {"admin", "other"} <= names
    other_id = next(int(c["id"]) for c in clients if c["name"] == "other")
    assert r.client_kill_filter(_id=other_id) == 1
    assert r.client_kill_filter(_id=other_id) == 0
    info = r.client_info()
    assert int(info["id"]) == me and info["name"] == "admin"
    assert r.execute_command("CLIENT", "SETINFO", "LIB-NAME", "django") == "OK"
    assert r.client_info()["lib-name"] == "django"
    assert r.execute_command("ROLE") == ["master", 0, []]
    assert abs(r.lastsave().timestamp() - time.time()) < 24 * 3600
    assert r.execute_command("RESET") == "RESET"


def _text(value):
    return value.decode() if isinstance(value, bytes) else value  # redis-py 4 gives bytes


def test_redis_py_slowlog(start_server):
    srv = start_server(slowlog_log_slower_than=0, slowlog_max_len=3, enable_debug_command="yes")
    r = srv.client(decode_responses=True)
    r.slowlog_reset()
    r.set("k", "v")
    r.client_setname("slow")
    entries = r.slowlog_get(5)
    assert len(entries) == 3  # SLOWLOG RESET, SET, CLIENT SETNAME
    newest = entries[0]
    assert _text(newest["command"]) == "CLIENT SETNAME slow"
    assert _text(entries[1]["command"]) == "SET k v"
    assert newest["id"] > entries[1]["id"]
    assert abs(newest["start_time"] - time.time()) < 60
    assert r.slowlog_len() == 3
    assert r.config_get("slowlog-max-len") == {"slowlog-max-len": "3"}
    r.config_set("slowlog-log-slower-than", 200000)
    r.slowlog_reset()
    r.execute_command("DEBUG", "SLEEP", "0.3")
    entries = r.slowlog_get()
    assert [_text(e["command"]) for e in entries] == ["DEBUG SLEEP 0.3"]
    assert entries[0]["duration"] >= 300000


def test_latency_samples_slow_commands(start_server):
    srv = start_server(latency_monitor_threshold=100, enable_debug_command="yes")
    r = srv.client(decode_responses=True)
    r.execute_command("DEBUG", "SLEEP", "0.15")
    latest = r.execute_command("LATENCY", "LATEST")
    assert len(latest) == 1 and latest[0][0] == "command" and latest[0][2] >= 150
    history = r.execute_command("LATENCY", "HISTORY", "command")
    assert len(history) == 1 and history[0][1] >= 150
    assert r.execute_command("LATENCY", "RESET") == 1
    assert r.execute_command("LATENCY", "LATEST") == []


# ---- MONITOR -----------------------------------------------------------------------------------

MONITOR_LINE = re.compile(rb'^\+(\d+)\.(\d{6}) \[(\d+) ([0-9.]+:\d+)\]((?: "(?:[^"\\]|\\.)*")+)\r\n$')


def _monitor_lines(srv):
    """Starts MONITOR on a raw connection, runs a few commands from another client, and
    returns the monitor's lines with the client address masked."""
    with srv.conn() as mon, srv.conn() as c:
        assert mon.call("MONITOR") == b"+OK\r\n"
        c.call("SELECT", "2")
        c.call("SET", "k", 'a "q"\n\x01')
        c.call("CONFIG", "GET", "maxmemory")  # admin: not shown
        c.call("AUTH", "nopass")  # fails, redacted
        c.call("GET", "k")
        c.call("DEL", "k")
        lines = []
        while len(lines) < 5:
            lines.append(mon.read_reply())
        assert mon.call("RESET") == b"+RESET\r\n"
    out = []
    for line in lines:
        m = MONITOR_LINE.match(line)
        assert m, line
        assert abs(int(m.group(1)) - time.time()) < 60
        out.append(b"[%s ADDR]%s" % (m.group(3), m.group(5)))
    return out


def test_monitor_lines_match_redis(both):
    cachette, redis_srv = both
    assert _monitor_lines(cachette) == _monitor_lines(redis_srv)


def test_monitor_sees_clients_of_every_thread_and_stops_at_reset(start_server):
    srv = start_server(threads=4)
    with srv.conn() as mon:
        assert mon.call("MONITOR") == b"+OK\r\n"
        clients = [srv.conn() for _ in range(6)]
        try:
            for i, c in enumerate(clients):
                c.call("SET", f"key{i}", "v")
            seen = set()
            while len(seen) < 6:
                line = mon.read_reply()
                m = re.search(rb'"SET" "key(\d)"', line)
                if m:
                    seen.add(m.group(1))
            # RESET leaves monitor mode: later commands are not fed any more.
            mon.send(encode("RESET"))
            wait_until(lambda: b"+RESET\r\n" in mon.buf or _fill(mon), message="RESET reply")
            mon.buf = mon.buf[mon.buf.index(b"+RESET\r\n") + 8:]
            clients[0].call("SET", "after", "1")
            assert mon.call("PING") == b"+PONG\r\n"
        finally:
            for c in clients:
                c.close()


def _fill(conn):
    conn._fill()
    return False


def test_redis_py_monitor(server):
    r = server.client(decode_responses=True)
    with r.monitor() as m:
        r2 = server.client(decode_responses=True)
        r2.set("monitored", "1")
        for command in m.listen():
            if command["command"].startswith("SET monitored"):
                assert command["db"] == 0
                break


# ---- DEBUG -------------------------------------------------------------------------------------

def test_debug_matches_redis(start_server, start_redis_server):
    server = start_server(enable_debug_command="yes")
    redis_srv = start_redis_server("--enable-debug-command", "yes")
    commands = [["DEBUG", "SLEEP", "0"], ["DEBUG", "SLEEP", "x"], ["DEBUG", "JMAP", "x"],
                ["DEBUG", "SET-ACTIVE-EXPIRE"], ["DEBUG", "NOPE"], ["DEBUG"],
                ["DEBUG", "OBJECT", "nokey"], ["DEBUG", "OBJECT"],
                ["DEBUG", "SET-ACTIVE-EXPIRE", "1"]]
    assert_same((server, redis_srv), *commands)
    pattern = re.compile(rb"^\+Value at:0x[0-9a-f]+ (refcount:\d+ encoding:\w+ "
                         rb"serializedlength:\d+) lru:\d+ lru_seconds_idle:\d+\r\n$")
    for value in ["hello", "123", "x" * 100, "-5", "70000"]:
        shown = []
        for srv in (server, redis_srv):
            with srv.conn() as c:
                c.call("SET", "dbg", value)
                m = pattern.match(c.call("DEBUG", "OBJECT", "dbg"))
                assert m
                shown.append(m.group(1))
                c.call("DEL", "dbg")
        if len(value) <= 20:  # Redis compresses longer values in its length estimate
            assert shown[0] == shown[1], value


def test_debug_set_active_expire_stops_background_expiry(start_server):
    srv = start_server(enable_debug_command="yes")
    r = srv.client(decode_responses=True)
    assert r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0") == "OK"
    r.set("gone", "1", px=10)
    time.sleep(0.3)  # several background passes would have run
    info = r.info("stats")
    assert info["expired_keys"] == 0
    assert r.dbsize() == 1  # still there, unread
    assert r.get("gone") is None  # a read expires it
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    r.set("gone2", "1", px=10)
    wait_until(lambda: r.dbsize() == 0, message="background expiry")


# ---- protected-mode and dir, as compose files pass them -----------------------------------------

def test_protected_mode_and_dir_are_accepted(start_server, log_dir):
    srv = start_server("--protected-mode", "no", "--dir", log_dir)
    r = srv.client(decode_responses=True)
    assert r.config_get("protected-mode") == {"protected-mode": "no"}
    assert r.config_get("dir") == {"dir": log_dir}
    assert r.config_set("protected-mode", "yes")
    assert r.ping()


# ---- redis-cli, interactive ----------------------------------------------------------------------

TMUX = shutil.which("tmux")


class CliSession:
    """redis-cli in a detached tmux session on a private tmux server; screen() is what an
    operator would see."""

    def __init__(self, port):
        self.socket = f"cachette-it-{uuid.uuid4().hex[:8]}"
        self._tmux("new-session", "-d", "-x", "200", "-y", "10", "-s", "cli",
                   f"redis-cli -h 127.0.0.1 -p {port}")
        wait_until(lambda: f"127.0.0.1:{port}>" in self.screen(), message="redis-cli prompt")
        self.prompt = f"127.0.0.1:{port}>"

    def _tmux(self, *args):
        return subprocess.run([TMUX, "-L", self.socket, *args], capture_output=True, text=True,
                              timeout=10).stdout

    def screen(self):
        return self._tmux("capture-pane", "-p", "-t", "cli")

    def type(self, *keys):
        self._tmux("send-keys", "-t", "cli", *keys)

    def line(self):
        """The prompt line, after the prompt (trailing spaces trimmed)."""
        for line in self.screen().splitlines():
            if line.startswith(self.prompt):
                return line[len(self.prompt) + 1:].rstrip()
        return None

    def wait_line(self, predicate, message):
        return wait_until(lambda: (lambda l: l if l is not None and predicate(l) else None)(
            self.line()), deadline_s=5, message=message)

    def close(self):
        self._tmux("kill-server")


@pytest.fixture
def cli_sessions(server, redis_server):
    if TMUX is None or shutil.which("redis-cli") is None:
        pytest.skip("tmux and redis-cli are needed")
    sessions = [CliSession(server.port), CliSession(redis_server.port)]
    yield sessions
    for s in sessions:
        s.close()


@pytest.mark.parametrize("typed,hint_start", [
    ("SET ", "SET key value [NX|XX] [GET] [EX seconds|PX milliseconds"),
    ("client kill ", "client kill ip:port|[ID client-id]"),
    ("GETEX ", "GETEX key [EX seconds|PX milliseconds"),
    ("SLOWLOG GET ", "SLOWLOG GET [count]"),
])
def test_redis_cli_shows_the_same_hint_as_with_redis(cli_sessions, typed, hint_start):
    shown = []
    for session in cli_sessions:
        session.type("-l", typed)
        shown.append(session.wait_line(lambda l: l.startswith(hint_start), f"hint for {typed!r}"))
        session.type("C-u")
    assert shown[0] == shown[1]


@pytest.mark.parametrize("typed,completed", [("client ki", "CLIENT KILL"),
                                             ("slowl", "SLOWLOG"), ("getd", "GETDEL")])
def test_redis_cli_completes_command_names_on_tab(cli_sessions, typed, completed):
    for session in cli_sessions:
        session.type("-l", typed)
        session.type("Tab")
        session.wait_line(lambda l: l.upper().startswith(completed), f"completion of {typed!r}")
        session.type("C-u")


def test_redis_cli_runs_a_command_typed_interactively(cli_sessions):
    session = cli_sessions[0]
    session.type("-l", "CLIENT SETNAME typed")
    session.type("Enter")
    wait_until(lambda: "OK" in session.screen(), deadline_s=5, message="OK")
    session.type("-l", "CLIENT GETNAME")
    session.type("Enter")
    wait_until(lambda: '"typed"' in session.screen(), deadline_s=5, message="name shown")


# ---- CONFIG REWRITE ------------------------------------------------------------------------------

CONF_TEXT = """# A cache for the dev stack.
maxmemory 1mb

# eviction
maxmemory-policy noeviction
timeout 10
timeout 20
"""


def test_config_rewrite_keeps_comments_and_matches_redis_lines(start_server, log_dir, tmp_path):
    if not os.path.exists(REDIS_SERVER):
        pytest.skip("redis-server not installed")
    paths = []
    for name in ("cachette.conf", "redis.conf"):
        path = tmp_path / name
        path.write_text(CONF_TEXT)
        paths.append(path)
    # redis-server wants its config file first, before any option.
    redis_srv = _launch(lambda port: [REDIS_SERVER, str(paths[1]), "--port", str(port), "--bind",
                                      "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
                                      str(tmp_path)], log_dir, "redis-server")
    servers = [start_server(str(paths[0])), redis_srv]
    try:
        _rewrite_both(servers, paths)
    finally:
        redis_srv.stop()


def _rewrite_both(servers, paths):
    for srv in servers:
        r = srv.client(decode_responses=True)
        assert r.config_set("maxmemory", "2mb")
        assert r.config_set("maxmemory-policy", "allkeys-lru")
        assert r.config_set("timeout", "0")
        assert r.config_set("maxmemory-samples", "7")
        assert r.config_rewrite()
    texts = [p.read_text() for p in paths]
    for text in texts:
        lines = text.split("\n")
        assert lines[:8] == ["# A cache for the dev stack.", "maxmemory 2mb", "",
                             "# eviction", "maxmemory-policy allkeys-lru", "timeout 0", "",
                             "# Generated by CONFIG REWRITE"], text
        assert "maxmemory-samples 7" in lines
        assert "timeout 20" not in lines
    # Our appended lines are the non-default values we hold: the port, and what was set.
    ours = texts[0].split("# Generated by CONFIG REWRITE\n")[1].splitlines()
    assert sorted(ours) == sorted(["maxmemory-samples 7", f"port {servers[0].port}",
                                   "threads 2"]), ours


def test_a_rewritten_file_starts_a_server_with_the_values(start_server, tmp_path):
    path = tmp_path / "cachette.conf"
    path.write_text(CONF_TEXT)
    srv = start_server(str(path))
    r = srv.client(decode_responses=True)
    r.config_set("maxmemory", "2mb")
    r.config_set("maxmemory-policy", "allkeys-lru")
    r.config_set("maxmemory-samples", "7")
    r.config_set("timeout", "0")
    assert r.config_rewrite()
    srv.stop()
    again = start_server(str(path))
    r = again.client(decode_responses=True)
    assert r.config_get("maxmemory*") == {"maxmemory": "2097152",
                                          "maxmemory-policy": "allkeys-lru",
                                          "maxmemory-samples": "7"}
    assert r.config_get("timeout") == {"timeout": "0"}


def test_config_rewrite_without_a_file_matches_redis(both):
    assert_same(both, ["CONFIG", "REWRITE"], ["CONFIG", "REWRITE", "x"])
