"""Big bulk arguments (32 KiB and more, Redis's PROTO_MBULK_BIG_ARG): read into a block of their
own and, for SET, kept as the value without a copy. The bytes must come back exactly whatever
the reads look like, commands around them must not notice, and the limits stay Redis's."""

import socket
import time

import pytest
import redis

from conftest import wait_until
from resp import RespConnection, encode

BIG = 32 * 1024


def pattern(size, seed=0):
    """`size` bytes holding every byte value and line ends, different per seed."""
    block = bytes((i * 131 + seed) & 0xFF for i in range(251)) + b"\r\n"
    return (block * (size // len(block) + 1))[:size]


def redis_client(port):
    return redis.Redis(host="127.0.0.1", port=port, socket_timeout=60)


@pytest.mark.parametrize("size", [BIG - 2, BIG - 1, BIG, BIG + 1, BIG + 2, 2 * BIG,
                                  1024 * 1024, 100 * 1024 * 1024])
def test_big_value_round_trips_exactly(rb, size):
    value = pattern(size, seed=size % 7)
    assert rb.set("big", value) is True
    assert rb.strlen("big") == size
    assert rb.get("big") == value
    # Overwritten by another big value, then by a small one.
    other = pattern(size, seed=3)
    assert rb.set("big", other) is True
    assert rb.get("big") == other
    assert rb.set("big", "small") is True
    assert rb.get("big") == b"small"


def test_big_value_split_across_many_reads(server, rb):
    value = pattern(3 * 1024 * 1024 + 5, seed=1)
    data = encode("SET", "split", value)
    with RespConnection(server.port, timeout=30) as c:
        c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # Pieces of odd sizes, with pauses so that the server reads them one by one (the
        # pauses only shape the reads; nothing below depends on their length).
        at, n = 0, 0
        while at < len(data):
            piece = [1, 7, 1000, 4093, 65536, 250_000][n % 6]
            c.sock.sendall(data[at:at + piece])
            at += piece
            n += 1
            if n % 8 == 0:
                time.sleep(0.001)
        assert c.read_reply() == b"+OK\r\n"
    assert rb.get("split") == value


def test_big_value_pipelined_with_small_commands(server, rb):
    value = pattern(2 * 1024 * 1024, seed=2)
    mid = pattern(BIG + 10, seed=4)
    pipeline = (encode("SET", "a", "1") + encode("SET", "big", value) + encode("GET", "a")
                + encode("INCR", "n") + encode("SET", "mid", mid, "EX", "100") + encode("PING")
                + encode("GETRANGE", "big", "0", "9") + encode("STRLEN", "big")
                + encode("SET", "big2", value, "GET") + encode("TTL", "mid"))
    with RespConnection(server.port, timeout=30) as c:
        c.send(pipeline)
        assert c.read_replies(10) == [
            b"+OK\r\n", b"+OK\r\n", b"$1\r\n1\r\n", b":1\r\n", b"+OK\r\n", b"+PONG\r\n",
            b"$10\r\n" + value[:10] + b"\r\n", b":%d\r\n" % len(value), b"$-1\r\n",
            b":100\r\n"]
    assert rb.get("big") == value
    assert rb.get("big2") == value
    assert rb.get("mid") == mid


def run_big_commands(client, value, other):
    """Commands that take big values other than plain SET (they copy them); their replies."""
    out = []
    out.append(client.mset({"m1": value, "m2": other}))
    out.append(client.getset("m1", other) == value)
    out.append(client.append("m2", value))
    out.append(client.setex("ex", 100, value))
    out.append(client.set("nx", value, nx=True))
    out.append(client.set("nx", other, nx=True))
    out.append(client.set("nx", other, xx=True, get=True) == value)
    out.append(client.psetex("px", 100000, other))
    out.append(client.set("px", value, keepttl=True))
    out.append(client.pttl("px") > 0)
    pipe = client.pipeline(transaction=True)
    pipe.set("tx", value)
    pipe.strlen("tx")
    out.append(pipe.execute())
    out.append(client.eval("return redis.call('SET', KEYS[1], ARGV[1])", 1, "lua", value))
    for key in ("m1", "m2", "ex", "nx", "px", "tx", "lua"):
        out.append((key, client.get(key) == {"m1": other, "m2": other + value, "ex": value,
                                              "nx": other, "px": value, "tx": value,
                                              "lua": value}[key]))
    return out


def test_big_values_in_other_commands_like_redis(rb, redis_server):
    value = pattern(BIG * 3 + 1, seed=5)
    other = pattern(BIG + 77, seed=6)
    ref = redis_client(redis_server.port)
    ref.flushall()
    expected = run_big_commands(ref, value, other)
    assert all(ok for _, ok in expected[-7:])
    assert run_big_commands(rb, value, other) == expected


def send_in_two_parts(port, data, value_size):
    """Sends `data` (one command whose last argument has `value_size` bytes) in two parts: up to
    8 bytes into that argument, then, once the server holds those bytes (CLIENT LIST's qbuf),
    the rest; so the server reads the bulk's length line before most of its bytes."""
    first = len(data) - value_size - 2 + 8
    with RespConnection(port, timeout=30) as c, RespConnection(port) as observer:
        assert c.call("CLIENT", "SETNAME", "sender") == b"+OK\r\n"
        c.send(data[:first])

        def holds_the_bytes():
            listing = observer.call("CLIENT", "LIST").decode()
            for line in listing.splitlines():
                fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
                if fields.get("name") == "sender":
                    return int(fields["qbuf"]) > 0
            return False

        wait_until(holds_the_bytes, message="the first part read")
        c.send(data[first:])
        return c.read_reply()


def test_slowlog_shows_a_big_value_like_redis(start_server, start_redis_server):
    srv = start_server(threads=2)
    ref = start_redis_server()
    value = pattern(200_000, seed=8)
    data = encode("SET", "slow", value)
    entries = []
    for s in (srv, ref):
        client = redis_client(s.port)
        client.config_set("slowlog-log-slower-than", 0)
        client.slowlog_reset()
        assert send_in_two_parts(s.port, data, len(value)) == b"+OK\r\n"
        log = client.execute_command("SLOWLOG", "GET", "10")
        entries.append([e[3] for e in log if e[3][:1] == [b"SET"]])
        assert client.get("slow") == value
    assert entries[0] == entries[1]
    assert entries[0][0][2].endswith(b"... (199872 more bytes)")


def test_monitor_sees_a_big_value_like_redis(start_server, start_redis_server):
    srv = start_server(threads=2)
    ref = start_redis_server()
    value = pattern(100_000, seed=9)
    data = encode("SET", "mon", value)
    lines = []
    for s in (srv, ref):
        with RespConnection(s.port, timeout=30) as monitor:
            assert monitor.call("MONITOR") == b"+OK\r\n"
            assert send_in_two_parts(s.port, data, len(value)) == b"+OK\r\n"
            line = monitor.read_reply()
            while b'"SET"' not in line[:200]:
                line = monitor.read_reply()
        # "+<time> [0 <addr>] "SET" "mon" "...": the time and the address differ.
        lines.append(line[line.index(b"] ") + 2:])
    assert lines[0] == lines[1]
    assert len(lines[0]) > len(value)


def test_big_bulk_counts_against_the_query_buffer_limit_like_redis(start_server,
                                                                   start_redis_server):
    # Under the limit: accepted by both; over it: closed without a reply by both.
    srv = start_server(client_query_buffer_limit="1mb")
    ref = start_redis_server("--client-query-buffer-limit", "1mb")
    under = pattern(900 * 1024, seed=10)
    over = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n"
    for s in (srv, ref):
        assert send_in_two_parts(s.port, encode("SET", "under", under), len(under)) == b"+OK\r\n"
        assert redis_client(s.port).get("under") == under
        with RespConnection(s.port, timeout=30) as c:
            c.send(over)
            try:
                for _ in range(32):
                    c.sock.sendall(b"x" * 65536)
            except (BrokenPipeError, ConnectionResetError):
                pass
            assert c.read_until_closed(10) == b""
        assert redis_client(s.port).exists("k") == 0


def test_big_bulk_over_proto_max_bulk_len_is_refused_like_redis(start_server,
                                                                 start_redis_server):
    srv = start_server(proto_max_bulk_len="1mb")
    ref = start_redis_server("--proto-max-bulk-len", "1mb")
    for s in (srv, ref):
        ok = pattern(1024 * 1024, seed=11)
        assert send_in_two_parts(s.port, encode("SET", "k", ok), len(ok)) == b"+OK\r\n"
        assert redis_client(s.port).get("k") == ok
        with RespConnection(s.port, timeout=30) as c:
            c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n" + b"v" * 1000)
            assert c.read_until_closed(10) == b"-ERR Protocol error: invalid bulk length\r\n"


def test_memory_of_a_big_value_is_counted_and_given_back(start_server):
    srv = start_server(threads=1)
    client = redis_client(srv.port)
    before = client.info("memory")["used_memory"]
    size = 20 * 1024 * 1024
    assert client.set("big", pattern(size)) is True
    with_value = client.info("memory")["used_memory"]
    # The allocator's size class above 20 MiB and a little is 24 MiB (Redis's too).
    assert size <= with_value - before <= size * 5 // 4 + 1024 * 1024
    assert client.memory_usage("big") >= size
    assert client.delete("big") == 1
    assert client.info("memory")["used_memory"] - before < 1024 * 1024
