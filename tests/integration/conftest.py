"""Fixtures that run the real cachette-server binary (and Debian's redis-server, for
differential tests) on free loopback ports.

- `server`: one cachette-server for the whole session (most tests).
- `r`: a redis-py client (decode_responses=True) on `server`, after FLUSHALL.
- `start_server(*args, **directives)`: starts extra servers with specific directives; each is
  stopped with SIGTERM at the end of the test and must exit with status 0.
- `redis_server`: Debian's /usr/bin/redis-server on a free port, for byte comparisons.

A server whose log holds a sanitizer report (a ThreadSanitizer data race, an AddressSanitizer
error) fails the test that stops it, whatever its exit status; sanitizer builds also set the
sanitizer's exit code (tests/CMakeLists.txt) so that the report fails the status check too.

Nothing here sleeps for a fixed time: readiness and shutdown are awaited with deadlines.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import redis

from resp import RespConnection, encode

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
REDIS_SERVER = "/usr/bin/redis-server"
START_DEADLINE_S = 10.0
STOP_DEADLINE_S = 10.0
# What every report of ASan, LSan, UBSan and TSan (builds with CACHETTE_SANITIZE or CACHETTE_TSAN)
# holds, errors ("WARNING: ThreadSanitizer: data race"), summaries ("SUMMARY:
# UndefinedBehaviorSanitizer: ...") and the tools' own failures ("ThreadSanitizer: CHECK failed")
# alike.
SANITIZER_REPORT_MARKERS = ("AddressSanitizer:", "LeakSanitizer:", "ThreadSanitizer:",
                            "UndefinedBehaviorSanitizer:")

# How many times slower than a Release build the server under test runs: the ThreadSanitizer run
# sets 10 (tests/CMakeLists.txt). The tests that fill hundreds of thousands of keys to keep the
# server busy for a while fill that many times fewer (scaled_count), which keeps them as long;
# a script that must outlast a few round trips runs that many times longer.
SLOWDOWN = max(1.0, float(os.environ.get("CACHETTE_IT_SLOWDOWN", "1")))


def scaled_count(count):
    """`count` for a Release server; proportionally fewer for a slower (sanitizer) one."""
    return max(1, int(count / SLOWDOWN))


# The tests configure Django themselves (settings.configure); a DJANGO_SETTINGS_MODULE left in a
# Django developer's shell would name a project that is not this one.
os.environ.pop("DJANGO_SETTINGS_MODULE", None)


def server_binary():
    path = os.environ.get("CACHETTE_SERVER")
    if not path:
        for candidate in ("build/release", "build-it", "build"):
            p = os.path.join(REPO, candidate, "cachette-server")
            if os.path.exists(p):
                path = p
                break
    if not path or not os.path.exists(path):
        pytest.exit("set CACHETTE_SERVER to the cachette-server binary", returncode=2)
    return path


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, deadline_s=10.0, interval_s=0.005, message="condition"):
    """Polls `condition()` until it returns a truthy value, which is returned; fails the test
    at the deadline."""
    deadline = time.monotonic() + deadline_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {deadline_s}s waiting for {message}")
        time.sleep(interval_s)
        interval_s = min(interval_s * 2, 0.05)


class ServerHandle:
    """A running server process: port, process, log, client factory and raw-bytes helper."""

    def __init__(self, argv, port, log_path, name, password=None):
        self.argv = argv
        self.port = port
        self.log_path = log_path
        self.name = name
        self.password = password
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        self._clients = []

    @property
    def pid(self):
        return self.proc.pid

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def sanitizer_report(self):
        """The sanitizer report in the server's log, from its first line; "" when none."""
        text = self.log()
        starts = [text.find(m) for m in SANITIZER_REPORT_MARKERS if m in text]
        if not starts:
            return ""
        start = text.rfind("\n", 0, min(starts)) + 1
        return text[start:start + 8000]

    def _ping_once(self):
        try:
            with RespConnection(self.port, timeout=1.0) as conn:
                if self.password:
                    conn.call("AUTH", self.password)
                return conn.call("PING") == b"+PONG\r\n"
        except (OSError, Exception):  # noqa: BLE001 - any failure means "not ready yet"
            return False

    def wait_ready(self, deadline_s=START_DEADLINE_S):
        deadline = time.monotonic() + deadline_s
        interval = 0.002
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if self._ping_once():
                return True
            time.sleep(interval)
            interval = min(interval * 2, 0.05)
        raise AssertionError(f"{self.name} not ready within {deadline_s}s; log:\n{self.log()}")

    def client(self, **kwargs):
        """A redis-py client on this server (closed at teardown)."""
        kwargs.setdefault("host", "127.0.0.1")
        kwargs.setdefault("port", self.port)
        kwargs.setdefault("socket_timeout", 10)
        if self.password is not None:
            kwargs.setdefault("password", self.password)
        c = redis.Redis(**kwargs)
        self._clients.append(c)
        return c

    def conn(self, timeout=10.0):
        """A raw RespConnection (the caller closes it)."""
        return RespConnection(self.port, timeout=timeout)

    def raw(self, data, replies=1, until=None, until_closed=False, timeout=10.0):
        """Opens a socket, sends `data`, and reads until `replies` complete replies arrived
        (returned concatenated), or `until(buffer)` is true, or (until_closed) the server
        closes the connection. Returns the bytes read."""
        with RespConnection(self.port, timeout=timeout) as c:
            c.send(data)
            if until_closed:
                return c.read_until_closed(timeout)
            if until is not None:
                deadline = time.monotonic() + timeout
                while not until(c.buf):
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"raw(): condition not met; got {c.buf[:300]!r}")
                    c._fill()
                return c.buf
            return b"".join(c.read_reply() for _ in range(replies))

    def call(self, *args):
        """One command on a fresh raw connection; the raw reply bytes."""
        return self.raw(encode(*args))

    def rss_kb(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def close_clients(self):
        for c in self._clients:
            try:
                c.close()
                c.connection_pool.disconnect()
            except Exception:  # noqa: BLE001
                pass
        self._clients.clear()

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, deadline_s=STOP_DEADLINE_S):
        try:
            return self.proc.wait(timeout=deadline_s)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.name} still running {deadline_s}s after stop; log:\n"
                                 f"{self.log()[-4000:]}")

    def stop(self, check=True):
        """SIGTERM, await exit; asserts status 0 when `check`, and always that the log holds no
        sanitizer report."""
        self.close_clients()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            status = self.wait_exit()
        except AssertionError:
            self.proc.kill()
            self.proc.wait()
            raise
        finally:
            self._log.close()
        report = self.sanitizer_report()
        assert not report, f"{self.name} (pid {self.pid}) reported:\n{report}"
        if check:
            assert status == 0, f"{self.name} exited with {status}; log:\n{self.log()[-4000:]}"
        return status


def _directive_args(args, directives):
    argv = [str(a) for a in args]
    for name, value in directives.items():
        argv += ["--" + name.replace("_", "-"), str(value)]
    return argv


def _launch(make_argv, log_dir, name, password=None, attempts=5):
    """Starts a server on a free port, retrying on the rare port clash."""
    last = None
    for attempt in range(attempts):
        port = free_port()
        log_path = os.path.join(log_dir, f"{name}-{port}-{attempt}.log")
        handle = ServerHandle(make_argv(port), port, log_path, name, password)
        try:
            if handle.wait_ready():
                return handle
        except BaseException:
            handle.proc.kill()  # never leave a half-started server behind
            handle.proc.wait()
            handle._log.close()
            raise
        handle.proc.wait()
        handle._log.close()
        last = handle.log()
        if "in use" not in last:
            break
    raise AssertionError(f"{name} failed to start; log:\n{last}")


def start_cachette(log_dir, *args, **directives):
    binary = server_binary()
    directives.setdefault("threads", 2)
    # The ThreadSanitizer run sets 32 (tests/CMakeLists.txt): its lock-order checker follows at
    # most 64 locks held at once, and a whole-store hold takes every shard's.
    if os.environ.get("CACHETTE_IT_SHARDS") and "shards" not in directives:
        directives["shards"] = os.environ["CACHETTE_IT_SHARDS"]
    password = directives.get("requirepass")
    extra = _directive_args(args, directives)

    # A config file (a positional argument) must come first, as with redis-server.
    first = []
    if extra and not extra[0].startswith("-"):
        first, extra = extra[:1], extra[1:]

    def argv(port):
        return [binary, *first, "--bind", "127.0.0.1", "--port", str(port), *extra]

    return _launch(argv, log_dir, "cachette", password=password)


def start_redis(log_dir, *args):
    if not os.path.exists(REDIS_SERVER):
        pytest.skip("redis-server not installed")
    args = [str(a) for a in args]
    password = args[args.index("--requirepass") + 1] if "--requirepass" in args else None

    def argv(port):
        return [REDIS_SERVER, "--save", "", "--appendonly", "no", "--bind", "127.0.0.1",
                "--port", str(port), "--dir", log_dir, *[str(a) for a in args]]

    return _launch(argv, log_dir, "redis-server", password=password)


@pytest.fixture(scope="session")
def log_dir():
    path = tempfile.mkdtemp(prefix="cachette-it-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def server(log_dir):
    # CACHETTE_IT_AGAINST_REDIS=1 runs the redis-py tests against redis-server instead, to
    # check that the suite's expectations are Redis's.
    if os.environ.get("CACHETTE_IT_AGAINST_REDIS") == "1":
        handle = start_redis(log_dir)
    else:
        handle = start_cachette(log_dir)
    yield handle
    handle.stop()


@pytest.fixture
def r(server):
    """A decoded redis-py client on the session server, after FLUSHALL."""
    server.call("FLUSHALL")
    client = server.client(decode_responses=True)
    yield client
    client.close()


@pytest.fixture
def rb(server):
    """A bytes redis-py client on the session server, after FLUSHALL."""
    server.call("FLUSHALL")
    client = server.client()
    yield client
    client.close()


@pytest.fixture
def start_server(log_dir):
    """Factory: start_server('--timeout', 1) or start_server(maxclients=5)."""
    started = []

    def factory(*args, **directives):
        handle = start_cachette(log_dir, *args, **directives)
        started.append(handle)
        return handle

    yield factory
    failures = []
    for handle in started:
        if handle.proc.poll() is not None and handle.proc.returncode is not None \
                and handle._log.closed:
            continue  # the test stopped it itself
        try:
            handle.stop()
        except AssertionError as e:
            failures.append(str(e))
    assert not failures, "\n".join(failures)


@pytest.fixture(scope="session")
def redis_server(log_dir):
    handle = start_redis(log_dir)
    yield handle
    handle.stop()


@pytest.fixture
def start_redis_server(log_dir):
    started = []

    def factory(*args):
        handle = start_redis(log_dir, *args)
        started.append(handle)
        return handle

    yield factory
    for handle in started:
        if not handle._log.closed:
            handle.stop()


@pytest.fixture(scope="module")
def both(server, redis_server):
    """Cachette and redis-server, for differential tests."""
    return server, redis_server
