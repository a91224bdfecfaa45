"""The wire protocol: pipelining, inline commands, protocol errors, limits on input and
output, idle timeout and maxclients, against the real server (and redis-server for bytes)."""

import socket
import time

import pytest

from conftest import wait_until
from resp import ConnectionClosed, RespConnection, encode


def send_and_read_until_closed(port, data, deadline_s=10.0):
    """Sends `data` (stopping early if the server closes) and returns every byte the server
    sent before closing."""
    with RespConnection(port) as c:
        try:
            c.send(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return c.read_until_closed(deadline_s)


def connected_clients(srv):
    with srv.conn() as c:
        info = c.call("INFO", "clients").decode()
    for line in info.split("\r\n"):
        if line.startswith("connected_clients:"):
            return int(line.split(":")[1]) - 1  # not counting this connection
    raise AssertionError(info)


# ---- pipelining and inline commands ---------------------------------------------------------

def _half_closed_replies(port, tries):
    """Commands sent, then the sending side shut down (as `nc -N` does): the replies that came
    back before the server closed, once per try."""
    seen = []
    for _ in range(tries):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"PING\r\n")
            assert s.recv(100) == b"+PONG\r\n"
            s.sendall(encode("SET", "k", "v") + b"GET k\r\n")
            s.shutdown(socket.SHUT_WR)
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            seen.append(data)
    return seen


def test_commands_before_a_half_close_get_their_replies_like_redis(server, redis_server):
    # The data and the end of the stream usually arrive in one event: the replies that wait
    # for the end of the loop's round must still go out before the close.
    expected = _half_closed_replies(redis_server.port, 50)
    assert set(expected) == {b"+OK\r\n$1\r\nv\r\n"}
    assert _half_closed_replies(server.port, 50) == expected


def test_ten_thousand_pipelined_commands_in_one_write_all_get_replies(server, r):
    n = 10_000
    data = []
    expected = []
    for i in range(n):
        if i % 2 == 0:
            data.append(encode("SET", f"key:{i}", f"value:{i}"))
            expected.append(b"+OK\r\n")
        else:
            data.append(encode("GET", f"key:{i - 1}"))
            v = f"value:{i - 1}".encode()
            expected.append(b"$%d\r\n%s\r\n" % (len(v), v))
    with server.conn() as c:
        c.send(b"".join(data))
        replies = c.read_replies(n)
    assert replies == expected
    assert r.dbsize() == n // 2


def test_pipeline_split_at_every_byte_boundary_still_parses(server, r):
    data = encode("SET", "k", "hello") + encode("GET", "k") + b"PING\r\n"
    with server.conn() as c:
        for i in range(len(data)):
            c.send(data[i:i + 1])
        assert c.read_replies(3) == [b"+OK\r\n", b"$5\r\nhello\r\n", b"+PONG\r\n"]


def test_inline_ping(server):
    assert server.raw(b"PING\r\n") == b"+PONG\r\n"
    assert server.raw(b"ping\n") == b"+PONG\r\n"


def test_inline_set_with_quoted_value(server, r):
    assert server.raw(b'SET a "b c"\r\nGET a\r\n', replies=2) == b"+OK\r\n$3\r\nb c\r\n"
    assert r.get("a") == "b c"


def test_inline_commands_match_redis(server, redis_server):
    data = (b'SET a "b c"\r\nGET a\r\nSET b \'x y\'\r\nGET b\r\nECHO "\\x41\\n\\t"\r\n'
            b"   PING   \r\n\r\nMGET a b c\r\nECHO \"\"\r\n")
    replies = []
    for srv in (server, redis_server):
        with srv.conn() as c:
            c.call("FLUSHALL")
            c.send(data)
            replies.append(c.read_replies(7))
    assert replies[0] == replies[1]


def test_empty_inline_lines_are_ignored(server):
    assert server.raw(b"\r\n\r\n  \r\nPING\r\n") == b"+PONG\r\n"


def test_empty_multibulk_is_ignored(server):
    assert server.raw(b"*0\r\n*-1\r\n" + encode("PING")) == b"+PONG\r\n"


# ---- protocol errors: reply bytes equal redis-server's, only the offender is closed -------------

PROTOCOL_ERRORS = {
    "junk_after_star": b"*abc\r\n",
    "expected_dollar": b"*1\r\n+x\r\n",
    "negative_bulk_length": b"*1\r\n$-5\r\n",
    "junk_bulk_length": b"*1\r\n$abc\r\n",
    "empty_bulk_length": b"*1\r\n$\r\n",
    "multibulk_length_too_big": b"*3000000000\r\n",
    "multibulk_length_plus": b"*+1\r\n",
    "multibulk_length_leading_zero": b"*01\r\n$4\r\nPING\r\n",
    "bulk_length_over_512mb": b"*1\r\n$536870913\r\n",
    "null_bulk_in_request": b"*2\r\n$4\r\nECHO\r\n$-1\r\n",
    "unbalanced_double_quotes": b'SET a "b c\r\n',
    "unbalanced_single_quotes": b"SET a 'b\r\n",
    "closing_quote_followed_by_char": b'SET a "b"c\r\n',
    "too_big_inline_request": b"x" * (64 * 1024 + 10),
    "after_good_commands": encode("PING") + b"PING\r\n" + b"*1\r\n$x\r\n",
}


@pytest.mark.parametrize("name", sorted(PROTOCOL_ERRORS))
def test_protocol_error_closes_only_offender_with_redis_reply(server, redis_server, name):
    data = PROTOCOL_ERRORS[name]
    with server.conn() as bystander:
        bystander.send(b"*3\r\n$3\r\nSET\r\n$1\r\nq\r\n")  # half a command, pending
        expected = send_and_read_until_closed(redis_server.port, data)
        actual = send_and_read_until_closed(server.port, data)
        assert actual == expected
        assert actual.endswith(b"\r\n") and b"-ERR Protocol error: " in actual
        bystander.send(b"$1\r\nv\r\n" + encode("GET", "q"))
        assert bystander.read_replies(2) == [b"+OK\r\n", b"$1\r\nv\r\n"]


def test_bulk_over_proto_max_bulk_len_is_rejected_like_redis(start_server, start_redis_server):
    srv = start_server(proto_max_bulk_len="1mb")
    ref = start_redis_server("--proto-max-bulk-len", "1mb")
    data = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n"
    expected = send_and_read_until_closed(ref.port, data)
    assert expected == b"-ERR Protocol error: invalid bulk length\r\n"
    with srv.conn() as bystander:
        assert send_and_read_until_closed(srv.port, data) == expected
        assert bystander.call("PING") == b"+PONG\r\n"
    # exactly at the limit is accepted
    value = b"v" * (1024 * 1024)
    with srv.conn() as c:
        assert c.call("SET", "k", value) == b"+OK\r\n"
        assert c.call("STRLEN", "k") == b":1048576\r\n"


def test_query_buffer_over_limit_closes_client_without_a_reply(start_server):
    srv = start_server(client_query_buffer_limit="1mb")
    with srv.conn() as bystander:
        assert bystander.call("PING") == b"+PONG\r\n"
        header = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n"
        with srv.conn() as c:
            c.sock.settimeout(0.2)
            c.send(header)
            chunk = b"x" * 65536
            sent = 0
            closed = False
            while sent < 2 * 1024 * 1024 and not closed:
                try:
                    c.sock.sendall(chunk)
                    sent += len(chunk)
                except socket.timeout:
                    break  # the server stopped reading
                except (BrokenPipeError, ConnectionResetError):
                    closed = True
            got = c.read_until_closed(10)
        assert got == b"", got[:200]  # as Redis: closed, no reply
        assert bystander.call("PING") == b"+PONG\r\n"
        assert bystander.call("EXISTS", "k") == b":0\r\n"


def test_client_that_never_reads_is_disconnected_and_memory_stays_bounded(start_server):
    srv = start_server(client_output_buffer_limit="normal 1mb 0 0")
    value = b"v" * (100 * 1024)
    with srv.conn() as setup:
        assert setup.call("SET", "big", value) == b"+OK\r\n"
    rss_before = srv.rss_kb()
    slow = srv.conn()
    slow.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    try:
        assert slow.call("PING") == b"+PONG\r\n"
        assert connected_clients(srv) == 1
        slow.send(encode("GET", "big") * 1000)  # ~100 MB of replies, never read
        wait_until(lambda: connected_clients(srv) == 0, 10,
                   message="the non-reading client to be disconnected")
        with srv.conn() as other:
            assert other.call("PING") == b"+PONG\r\n"
            assert other.call("STRLEN", "big") == b":102400\r\n"
        rss_after = srv.rss_kb()
        assert rss_after - rss_before < 30 * 1024, (rss_before, rss_after)
        received = len(slow.read_until_closed(10))
        assert received < 1000 * len(value) // 2
    finally:
        slow.close()


def test_client_that_reads_slowly_within_limit_gets_everything(start_server):
    srv = start_server(client_output_buffer_limit="normal 4mb 0 0")
    value = b"v" * 1000
    with srv.conn() as c:
        c.call("SET", "k", value)
        c.send(encode("GET", "k") * 2000)  # 2 MB of replies, under the limit
        replies = c.read_replies(2000)
    assert all(rep == b"$1000\r\n" + value + b"\r\n" for rep in replies)


# ---- idle timeout and maxclients ------------------------------------------------------------------

def test_idle_client_is_closed_after_timeout(start_server):
    srv = start_server(timeout=1)
    with srv.conn() as idle:
        assert idle.call("PING") == b"+PONG\r\n"
        start = time.monotonic()
        assert idle.read_until_closed(6) == b""
        elapsed = time.monotonic() - start
    assert 0.5 <= elapsed <= 6, elapsed
    with srv.conn() as fresh:
        assert fresh.call("PING") == b"+PONG\r\n"


def test_no_timeout_by_default_keeps_idle_client(server):
    # With timeout 0 a client is never closed for idleness: after another client waited a
    # little for its own replies, the first is still open and served.
    with server.conn() as idle:
        assert idle.call("PING") == b"+PONG\r\n"
        idle.sock.settimeout(0.3)
        with pytest.raises(socket.timeout):
            idle.sock.recv(1)
        idle.sock.settimeout(5)
        assert idle.call("PING") == b"+PONG\r\n"


def test_maxclients_rejects_the_extra_connection(start_server):
    srv = start_server(maxclients=5)
    wait_until(lambda: connected_clients(srv) == 0, 5, message="start-up probes to close")
    conns = []
    try:
        for _ in range(5):
            c = srv.conn()
            assert c.call("PING") == b"+PONG\r\n"
            conns.append(c)
        with srv.conn() as extra:
            assert extra.read_until_closed(5) == b"-ERR max number of clients reached\r\n"
        assert conns[0].call("PING") == b"+PONG\r\n"
        conns.pop().close()
        wait_until(lambda: _can_connect(srv), 5, message="a slot to free up")
    finally:
        for c in conns:
            c.close()


def _can_connect(srv):
    try:
        with srv.conn() as c:
            return c.call("PING") == b"+PONG\r\n"
    except (ConnectionClosed, OSError):
        return False


def _occupy_only_slot(srv, deadline_s=5.0):
    """With maxclients 1: a connection that got the only slot (start-up probes may hold it
    for a moment)."""
    deadline = time.monotonic() + deadline_s
    while True:
        c = srv.conn()
        try:
            if c.call("PING") == b"+PONG\r\n":
                return c
        except ConnectionClosed:
            pass
        c.close()
        assert time.monotonic() < deadline, "never got the only client slot"
        time.sleep(0.01)


def test_maxclients_reply_matches_redis(start_server, start_redis_server):
    outputs = []
    for srv in (start_server(maxclients=1), start_redis_server("--maxclients", "1")):
        with _occupy_only_slot(srv) as first:
            outputs.append(send_and_read_until_closed(srv.port, encode("PING"), 5))
            assert first.call("PING") == b"+PONG\r\n"
    assert outputs[0] == outputs[1] == b"-ERR max number of clients reached\r\n"
