"""SIGTERM and SHUTDOWN NOSAVE stop the server within a second, with exit status 0, even while
an I/O thread is busy: with a script that never ends (EVAL "while true do end" 0) or with
DEBUG SLEEP of any length. SHUTDOWN NOSAVE is sent on a second connection from a thread that
is free (with threads 1, during a script, the busy thread itself serves it)."""

import glob
import os
import platform
import signal
import time

import pytest

from conftest import SLOWDOWN, wait_until
from resp import RespConnection, encode

STOP_WITHIN_S = 1.0 * SLOWDOWN  # a sanitizer build also exits more slowly
# x86_64 syscall numbers of nanosleep and clock_nanosleep (/proc/<pid>/task/<tid>/syscall).
SLEEP_SYSCALLS = {"35", "230"}


def in_sleep_syscall(pid):
    """Whether a thread of the process is inside a sleep system call (DEBUG SLEEP runs)."""
    for path in glob.glob(f"/proc/{pid}/task/*/syscall"):
        try:
            with open(path) as f:
                if f.read().split(" ", 1)[0] in SLEEP_SYSCALLS:
                    return True
        except OSError:
            continue
    return False


def wait_for_busy_reply(conn):
    """Polls with GET on `conn` until the server answers -BUSY (the script is past
    busy-reply-threshold)."""
    wait_until(lambda: conn.call("GET", "k").startswith(b"-BUSY"), message="-BUSY")


def assert_stops_promptly(srv, stop):
    started = time.monotonic()
    stop()
    try:
        status = srv.proc.wait(timeout=STOP_WITHIN_S)
    except Exception:  # noqa: BLE001 - report the log with the failure
        raise AssertionError(f"still running {STOP_WITHIN_S}s after the stop; log:\n"
                             f"{srv.log()[-3000:]}")
    assert status == 0, srv.log()[-3000:]
    assert time.monotonic() - started < STOP_WITHIN_S
    srv.stop()  # already gone: closes the handle


def shutdown_nosave(conn):
    def stop():
        conn.send(encode("SHUTDOWN", "NOSAVE"))
    return stop


@pytest.mark.parametrize("threads", [1, 2])
def test_sigterm_stops_debug_sleep(start_server, threads):
    if platform.machine() != "x86_64":
        pytest.skip("reads x86_64 syscall numbers")
    srv = start_server(threads=threads, enable_debug_command="yes")
    sleeper = srv.conn()
    sleeper.send(encode("DEBUG", "SLEEP", "9e12"))
    wait_until(lambda: in_sleep_syscall(srv.pid), message="DEBUG SLEEP under way")
    assert_stops_promptly(srv, lambda: srv.signal(signal.SIGTERM))
    sleeper.close()


def test_shutdown_nosave_from_another_thread_stops_debug_sleep(start_server):
    if platform.machine() != "x86_64":
        pytest.skip("reads x86_64 syscall numbers")
    srv = start_server(threads=2, enable_debug_command="yes")
    sleeper = srv.conn()  # first I/O thread
    other = srv.conn()    # second I/O thread (connections are dealt round-robin)
    assert other.call("PING") == b"+PONG\r\n"
    sleeper.send(encode("DEBUG", "SLEEP", "9e12"))
    wait_until(lambda: in_sleep_syscall(srv.pid), message="DEBUG SLEEP under way")
    assert_stops_promptly(srv, shutdown_nosave(other))
    sleeper.close()
    other.close()


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("how", ["sigterm", "shutdown-nosave"])
def test_stop_during_endless_script(start_server, threads, how):
    srv = start_server(threads=threads, busy_reply_threshold=100)
    runner = srv.conn()
    other = srv.conn()
    assert other.call("PING") == b"+PONG\r\n"
    runner.send(encode("EVAL", "while true do end", "0"))
    wait_for_busy_reply(other)
    stop = (lambda: srv.signal(signal.SIGTERM)) if how == "sigterm" else shutdown_nosave(other)
    assert_stops_promptly(srv, stop)
    runner.close()
    other.close()


@pytest.mark.parametrize("threads", [1, 2])
def test_stop_during_script_that_wrote(start_server, threads):
    srv = start_server(threads=threads, busy_reply_threshold=100)
    runner = srv.conn()
    other = srv.conn()
    assert other.call("PING") == b"+PONG\r\n"
    runner.send(encode("EVAL", "redis.call('SET', 'k', 'v') while true do end", "0"))
    wait_for_busy_reply(other)
    assert other.call("SCRIPT", "KILL").startswith(b"-UNKILLABLE")
    assert_stops_promptly(srv, shutdown_nosave(other))
    runner.close()
    other.close()


# A pattern that Lua's matcher backtracks over for minutes inside one C call (string.find):
# the VM's hook never runs, so neither SCRIPT KILL nor the shutdown's kill can stop the script.
STUCK_IN_C = ("return string.find(string.rep('a', 40), "
              "string.rep('a?', 40) .. string.rep('a', 40))")


def process_cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# With one thread, no connection is served while the thread is stuck: only SIGTERM.
@pytest.mark.parametrize("threads,how", [(1, "sigterm"), (2, "sigterm"), (2, "shutdown-nosave")])
def test_stop_while_a_script_is_stuck_inside_one_c_call(start_server, threads, how):
    srv = start_server(threads=threads, busy_reply_threshold=100)
    runner = srv.conn()
    other = srv.conn()  # on the other thread when there are two
    assert other.call("PING") == b"+PONG\r\n"
    cpu_before = process_cpu_s(srv.pid)
    runner.send(encode("EVAL", STUCK_IN_C, "0"))
    if threads == 2:
        wait_for_busy_reply(other)
    else:
        wait_until(lambda: process_cpu_s(srv.pid) - cpu_before > 0.3,
                   message="the script under way")
    stop = (lambda: srv.signal(signal.SIGTERM)) if how == "sigterm" else shutdown_nosave(other)
    assert_stops_promptly(srv, stop)
    assert "stuck" in srv.log()
    runner.close()
    other.close()
