"""A script past busy-reply-threshold, seen by every other client, as Redis 7.0 behaves: each
gets -BUSY at once (also the clients on the script's own I/O thread, also with `threads 1`),
the allow-busy commands run (SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE, MULTI, WATCH, ...),
a brand-new connection is accepted and served, and after the kill every client works again.
The replies are compared byte for byte with Debian's redis-server 7.0.15.

With N clients dealt round-robin over 2 threads, the clients opened at an even distance from
the script's client share its thread, whatever the offset of the first one."""

import os
import select
import signal
import threading
import time

import pytest

from conftest import SLOWDOWN, wait_until
from resp import RespConnection, encode

THRESHOLD_MS = 100
LOOP = "while true do end"
WRITE_THEN_LOOP = "redis.call('SET', KEYS[1], 'v') while true do end"
SPIN_LIBRARY = "#!lua name=busylib\nredis.register_function('spin', function() while true do end end)"
BUSY_SCRIPT = b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"
BUSY_FUNCTION = (b"-BUSY Redis is busy running a script. You can only call FUNCTION KILL or "
                 b"SHUTDOWN NOSAVE.\r\n")


@pytest.fixture(params=[1, 2], ids=["threads1", "threads2"])
def cachette(request, start_server):
    return start_server(threads=request.param, busy_reply_threshold=THRESHOLD_MS)


@pytest.fixture
def oracle(start_redis_server):
    return start_redis_server("--busy-reply-threshold", str(THRESHOLD_MS))


def _clients(port):
    """Five connected clients b, c, a, d, e (a runs the script; b and e share its thread
    when there are two threads)."""
    b, c, a, d, e = (RespConnection(port, timeout=30) for _ in range(5))
    for x in (a, b, c, d, e):
        assert x.call("PING") == b"+PONG\r\n"
    return a, b, c, d, e


def _wait_busy(conn):
    return wait_until(lambda: (lambda r: r if r.startswith(b"-BUSY") else None)(
        conn.call("GET", "k")), message="-BUSY")


def _busy_flow(port, run, kill, wrong_kill, is_function):
    """Every other client while `run` (sent by client a, with a PING pipelined behind it) is
    busy; `kill` from a brand-new connection; then every client again. Returns the replies."""
    a, b, c, d, e = _clients(port)
    out = []
    a.send(encode(*run) + encode("PING"))
    out.append(_wait_busy(b))
    out.append(c.call("GET", "k"))
    out.append(d.call("SET", "k", "v"))
    e.send(encode("GET", "k") + encode("PING") + encode("EVAL", "return 1", "0"))
    out += e.read_replies(3)
    out += [d.call("MULTI"), d.call("SET", "k", "v"), d.call("EXEC")]
    # WATCH and UNWATCH from b, on the script's thread (from another thread they wait for the
    # script's shard locks: docs/architecture.md).
    out += [b.call("WATCH", "k"), b.call("UNWATCH"), c.call("AUTH", "x")]
    out.append(b.call("SHUTDOWN"))  # without NOSAVE: BUSY
    if not is_function:
        out.append(c.call("FUNCTION", "STATS"))  # Redis answers BUSY during an EVAL
    out.append(e.call("RESET"))
    # Brand-new connections (some land on the busy thread): served, then one of them quits.
    for _ in range(3):
        with RespConnection(port, timeout=30) as fresh:
            out.append(fresh.call("GET", "k"))
    with RespConnection(port, timeout=30) as fresh:
        out.append(fresh.call("QUIT"))
        assert fresh.is_closed_by_peer(10)
    with RespConnection(port, timeout=30) as fresh:
        out.append(fresh.call(*wrong_kill))
        out.append(fresh.call(*kill))
        out.append(a.read_reply())  # the killed script's error
        out.append(a.read_reply())  # the PING behind it
        out.append(fresh.call(*kill))  # nothing runs any more
    out += [x.call("GET", "k") for x in (a, b, c, d, e)]
    out.append(d.call("EVAL", "return 7", "0"))
    for x in (a, b, c, d, e):
        x.close()
    return out


def test_script_busy_for_every_client_and_killed_from_a_new_connection(cachette, oracle):
    args = (["EVAL", LOOP, "0"], ["SCRIPT", "KILL"], ["FUNCTION", "KILL"], False)
    expected = _busy_flow(oracle.port, *args)
    assert expected[0] == BUSY_SCRIPT
    assert _busy_flow(cachette.port, *args) == expected


def test_function_busy_for_every_client_and_killed_from_a_new_connection(cachette, oracle):
    for srv in (cachette, oracle):
        assert srv.call("FUNCTION", "LOAD", "REPLACE", SPIN_LIBRARY) == b"$7\r\nbusylib\r\n"
    args = (["FCALL", "spin", "0"], ["FUNCTION", "KILL"], ["SCRIPT", "KILL"], True)
    expected = _busy_flow(oracle.port, *args)
    assert expected[0] == BUSY_FUNCTION
    assert _busy_flow(cachette.port, *args) == expected


def test_script_that_wrote_is_unkillable_and_shutdown_nosave_stops_the_server(cachette):
    a, b, c, d, e = _clients(cachette.port)
    a.send(encode("EVAL", WRITE_THEN_LOOP, "1", "k"))
    _wait_busy(b)
    for x in (c, d, e):
        assert x.call("SCRIPT", "KILL").startswith(b"-UNKILLABLE Sorry the script already "
                                                   b"executed write commands")
    started = time.monotonic()
    e.send(encode("SHUTDOWN", "NOSAVE"))
    assert cachette.proc.wait(timeout=1.0) == 0
    assert time.monotonic() - started < 1.0
    cachette.stop()
    for x in (a, b, c, d, e):
        x.close()


def test_busy_clients_keep_working_after_a_script_ends_by_itself(cachette):
    # A script that runs past the threshold, then returns: the clients it answered -BUSY
    # meanwhile go on normally (their reads were taken over and are handed back).
    a, b, c, d, e = _clients(cachette.port)
    # 400 ms on a Release server: long enough for b and then e to be answered -BUSY.
    run_us = int(400_000 * SLOWDOWN)
    a.send(encode("EVAL", "local t = redis.call('TIME') local s = t[1] * 1000000 + t[2] "
                          "repeat local n = redis.call('TIME') until "
                          f"(n[1] * 1000000 + n[2]) - s > {run_us} return 'done'", "0"))
    assert _wait_busy(b) == BUSY_SCRIPT
    assert e.call("GET", "k") == BUSY_SCRIPT
    assert a.read_reply() == b"$4\r\ndone\r\n"
    for i, x in enumerate((a, b, c, d, e)):
        assert x.call("SET", f"k{i}", "v") == b"+OK\r\n"
        assert x.call("GET", f"k{i}") == b"$1\r\nv\r\n"
    for x in (a, b, c, d, e):
        x.close()


def test_watch_and_closing_watchers_on_another_thread_do_not_hold_up_that_thread(start_server):
    # WATCH, or a closing client's unwatch, needs the shard locks the script holds. From the
    # other thread (c and d, with two threads) neither may stop that thread from answering:
    # the WATCH reply waits for the script, the unwatch is left pending.
    srv = start_server(threads=2, busy_reply_threshold=THRESHOLD_MS)
    a, b, c, d, e = _clients(srv.port)
    assert d.call("WATCH", "w") == b"+OK\r\n"
    a.send(encode("EVAL", LOOP, "0"))
    _wait_busy(c)
    c.send(encode("WATCH", "k"))
    d.close()
    for _ in range(4):  # dealt to both threads in turn
        with RespConnection(srv.port, timeout=5) as fresh:
            assert fresh.call("GET", "k") == BUSY_SCRIPT
    with RespConnection(srv.port, timeout=5) as fresh:
        assert fresh.call("SCRIPT", "KILL") == b"+OK\r\n"
    assert a.read_reply().startswith(b"-ERR Script killed by user with SCRIPT KILL...")
    assert c.read_reply() == b"+OK\r\n"  # the WATCH, once the script ended
    assert c.call("MULTI") == b"+OK\r\n"
    assert c.call("SET", "k", "1") == b"+QUEUED\r\n"
    assert e.call("SET", "k", "2") == b"+OK\r\n"  # breaks c's WATCH
    assert c.call("EXEC") == b"*-1\r\n"
    for x in (a, b, c, e):
        x.close()


def _kill_while_busy(port, body):
    """Client a runs `body`; once b gets -BUSY, SCRIPT KILL from a new connection. Returns a's
    reply and then a PING from a and from b."""
    a, b, _, _, _ = _clients(port)
    a.send(encode("EVAL", body, "0"))
    _wait_busy(b)
    with RespConnection(port, timeout=30) as killer:
        assert killer.call("SCRIPT", "KILL") == b"+OK\r\n"
    return [a.read_reply(), a.call("PING"), b.call("PING")]


def test_script_kill_stops_a_script_that_catches_the_kill(cachette, oracle):
    """A pcall that catches the kill error in a loop: the next line raises it again. As Redis."""
    body = "while true do pcall(function() while true do end end) end"
    assert _kill_while_busy(cachette.port, body) == _kill_while_busy(oracle.port, body)


def test_script_kill_stops_an_xpcall_handler_that_loops(cachette):
    """Lua 5.1 runs xpcall's handler inside the hook's error with hooks off, so a looping
    handler could never be stopped (Redis 7.0.15 hangs here). Ours runs it after the error,
    hooked: the kill ends the handler ("error in error handling"), xpcall returns false and the
    script's reply is nil."""
    body = "return xpcall(function() while true do end end, function(e) while true do end end)"
    assert _kill_while_busy(cachette.port, body) == [b"$-1\r\n", b"+PONG\r\n", b"+PONG\r\n"]


def _send_all_in_background(conn, data):
    """Sends `data` on `conn` from a thread (the server may stop reading until we read)."""
    sender = threading.Thread(target=conn.sock.sendall, args=(data,))
    sender.start()
    return sender


def _pipeline_behind_a_starting_script(srv, payload, count):
    """With the server stopped (SIGSTOP), client b sends what of `payload` its socket takes,
    then client a (on b's I/O thread) sends an endless script; the server resumes (SIGCONT)
    with both inputs waiting, and b sends the rest. Returns a, b, the third client and b's
    first `count` replies."""
    b, filler, a = (RespConnection(srv.port, timeout=30) for _ in range(3))
    for x in (a, b, filler):
        assert x.call("PING") == b"+PONG\r\n"
    os.kill(srv.pid, signal.SIGSTOP)
    try:
        b.sock.setblocking(False)
        sent = 0
        try:
            while sent < len(payload):
                sent += b.sock.send(payload[sent:])
        except BlockingIOError:
            pass
        b.sock.settimeout(30)
        a.send(encode("EVAL", LOOP, "0"))
    finally:
        os.kill(srv.pid, signal.SIGCONT)
    sender = _send_all_in_background(b, payload[sent:])
    replies = b.read_replies(count)
    sender.join()
    return a, b, filler, replies


def _pipelined_echoes_while_a_script_starts(srv, count):
    """Lines up the race of a pipelining client with a script, as a busy event loop meets it:
    with the server stopped (SIGSTOP), client b sends `count` pipelined ECHOs, then client a
    (on b's I/O thread) sends an endless script; the server resumes (SIGCONT) with both inputs
    waiting. Returns b's replies, read until the script is killed, and b's PING after it."""
    payload = b"".join(encode("ECHO", "m%06d" % i) for i in range(count))
    a, b, _filler, replies = _pipeline_behind_a_starting_script(srv, payload, count)
    with RespConnection(srv.port, timeout=30) as killer:
        assert killer.call("SCRIPT", "KILL") == b"+OK\r\n"
    assert a.read_reply().startswith(b"-ERR Script killed by user with SCRIPT KILL...")
    after = b.call("PING")
    for x in (a, b, _filler):
        x.close()
    return replies, after


def _echoes_then_busy(replies):
    """How many replies are the ECHOs in order before the rest are all -BUSY (or None)."""
    echoed = 0
    while echoed < len(replies) and replies[echoed] == b"$7\r\nm%06d\r\n" % echoed:
        echoed += 1
    return echoed if all(r == BUSY_SCRIPT for r in replies[echoed:]) else None


def test_pipelined_input_read_when_a_script_turns_busy_keeps_its_order(cachette, oracle):
    # Every one of the 20,000 commands gets its reply, in order: the ECHOs run before the
    # script, -BUSY after; nothing is lost, joined to other bytes or closed (Redis too).
    count = 20000
    for srv in (oracle, cachette):
        replies, after = _pipelined_echoes_while_a_script_starts(srv, count)
        assert len(replies) == count
        assert _echoes_then_busy(replies) is not None, [
            r for r in replies if not r.startswith((b"$7\r\nm", BUSY_SCRIPT))][:3]
        assert after == b"+PONG\r\n"


def test_text_inside_pipelined_values_never_runs_as_a_command_while_busy(cachette):
    # Values holding the line "SHUTDOWN NOSAVE" are data: the server stays up, every SET is
    # answered +OK or -BUSY.
    count = 400
    payload = b"".join(encode("SET", "k%d" % i, "SHUTDOWN NOSAVE\r\n" * 50) for i in range(count))
    a, b, _filler, replies = _pipeline_behind_a_starting_script(cachette, payload, count)
    assert all(r in (b"+OK\r\n", BUSY_SCRIPT) for r in replies)
    assert cachette.proc.poll() is None
    with RespConnection(cachette.port, timeout=30) as killer:
        assert killer.call("SCRIPT", "KILL") == b"+OK\r\n"
    assert a.read_reply().startswith(b"-ERR Script killed by user with SCRIPT KILL...")
    for x in (a, b, _filler):
        x.close()


def _big_reply_in_flight_when_a_script_turns_busy(srv, size):
    """Client c asks for a value of `size` bytes and does not read it; once part of the reply
    has reached c (the rest is stuck in the server), a (on c's I/O thread) starts an endless
    script. Then c reads its whole reply and sends SCRIPT KILL. Returns what c got."""
    c, other, a = (RespConnection(srv.port, timeout=30) for _ in range(3))
    assert a.call("SET", "big", "x" * size) == b"+OK\r\n"
    assert other.call("PING") == b"+PONG\r\n"
    c.send(encode("GET", "big"))
    wait_until(lambda: select.select([c.sock], [], [], 0)[0], message="a part of the reply")
    a.send(encode("EVAL", LOOP, "0"))
    _wait_busy(other)
    reply = c.read_reply()
    c.send(encode("SCRIPT", "KILL"))
    killed = c.read_reply()
    killed_error = a.read_reply()
    for x in (a, c, other):
        x.close()
    return reply, killed, killed_error


def test_reply_being_written_when_a_script_turns_busy_is_delivered_and_script_killable(
        cachette, oracle):
    size = 32 << 20
    expected = (b"$%d\r\n" % size) + b"x" * size + b"\r\n"
    for srv in (oracle, cachette):
        reply, killed, killed_error = _big_reply_in_flight_when_a_script_turns_busy(srv, size)
        assert reply == expected
        assert killed == b"+OK\r\n"
        assert killed_error.startswith(b"-ERR Script killed by user with SCRIPT KILL...")


def _quiet_pings_around_a_busy_script(port):
    """A read's worth of PINGs and then, in the same write, CLIENT REPLY OFF, a script that runs
    past busy-reply-threshold, CLIENT REPLY ON and a PING: the bytes that come back."""
    script = ("local t = redis.call('TIME') local stop = t[1] * 1000000 + t[2] + %d "
              "while true do local n = redis.call('TIME') "
              "if n[1] * 1000000 + n[2] > stop then break end end return 'SCRIPT'"
              % (3 * THRESHOLD_MS * 1000))
    pings = 3000  # more than one 16 KB read: their replies wait for the round's end
    request = (encode("PING") * pings + encode("CLIENT", "REPLY", "OFF") +
               encode("EVAL", script, "0") + encode("CLIENT", "REPLY", "ON") + encode("PING"))
    with RespConnection(port, timeout=30) as c:
        c.send(request)
        replies = c.read_replies(pings + 2)
        # Anything stray behind them would be read as the next reply.
        return b"".join(replies) + c.call("ECHO", "end")


def test_replies_waiting_for_the_round_are_not_cut_by_a_busy_script_of_their_client(
        cachette, oracle):
    # The busy-script loop writes every connection's waiting replies, but not those of the
    # script's own client, whose reply is being built behind them (with CLIENT REPLY OFF it
    # came back as NUL bytes).
    expected = _quiet_pings_around_a_busy_script(oracle.port)
    assert expected.endswith(b"+PONG\r\n+OK\r\n+PONG\r\n$3\r\nend\r\n")
    assert _quiet_pings_around_a_busy_script(cachette.port) == expected
