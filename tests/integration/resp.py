"""A small RESP reader/encoder for the integration tests.

Replies are returned as the exact bytes the server sent (one complete reply each), so that
tests can compare them byte for byte with redis-server's.
"""

import socket
import time


class ConnectionClosed(Exception):
    """The peer closed the connection; `pending` holds the bytes read but not consumed."""

    def __init__(self, pending=b""):
        super().__init__(f"connection closed (pending bytes: {pending[:200]!r})")
        self.pending = pending


def encode(*args):
    """Encodes a command as a RESP array of bulk strings."""
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        if isinstance(arg, str):
            arg = arg.encode()
        elif isinstance(arg, int):
            arg = str(arg).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
    return b"".join(out)


_SIMPLE = b"+-:_,#("
_BULK = b"$!="
_AGGREGATE = b"*~>"
_MAP = b"%|"


def reply_end(buf, pos=0):
    """Returns the index just past the complete reply starting at `pos`, or None if the buffer
    holds only part of it. Raises ValueError on bytes that are not RESP."""
    idx = buf.find(b"\r\n", pos)
    if idx < 0:
        return None
    kind = buf[pos:pos + 1]
    after = idx + 2
    if kind and kind in _SIMPLE:
        return after
    if kind and kind in _BULK:
        n = int(buf[pos + 1:idx])
        if n < 0:
            return after
        if len(buf) < after + n + 2:
            return None
        return after + n + 2
    if kind and (kind in _AGGREGATE or kind in _MAP):
        n = int(buf[pos + 1:idx])
        if n < 0:
            return after
        if kind in _MAP:
            n *= 2
        for _ in range(n):
            after = reply_end(buf, after)
            if after is None:
                return None
        return after
    raise ValueError(f"not a RESP reply at {pos}: {buf[pos:pos + 80]!r}")


def parse(raw):
    """Decodes one complete RESP2 reply (bytes) into Python values, for readability in tests:
    simple strings -> str, errors -> RespError, integers -> int, bulks -> bytes or None,
    arrays -> list or None."""
    value, end = _parse_at(raw, 0)
    assert end == len(raw), f"trailing bytes after reply: {raw[end:]!r}"
    return value


class RespError(str):
    pass


def _parse_at(buf, pos):
    idx = buf.index(b"\r\n", pos)
    kind, line, after = buf[pos:pos + 1], buf[pos + 1:idx], idx + 2
    if kind == b"+":
        return line.decode(), after
    if kind == b"-":
        return RespError(line.decode()), after
    if kind == b":":
        return int(line), after
    if kind == b"$":
        n = int(line)
        if n < 0:
            return None, after
        return buf[after:after + n], after + n + 2
    if kind == b"*":
        n = int(line)
        if n < 0:
            return None, after
        items = []
        for _ in range(n):
            item, after = _parse_at(buf, after)
            items.append(item)
        return items, after
    raise ValueError(f"unsupported reply type {kind!r}")


class RespConnection:
    """One raw TCP connection that sends bytes and reads whole replies."""

    def __init__(self, port, host="127.0.0.1", timeout=10.0, source=None):
        """`source`: the local address to connect from (e.g. "127.0.0.2", which Redis does not
        count as a local client)."""
        self.sock = socket.create_connection((host, port), timeout=timeout,
                                             source_address=(source, 0) if source else None)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.timeout = timeout

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        try:
            data = self.sock.recv(1 << 16)
        except ConnectionResetError:
            data = b""
        if not data:
            raise ConnectionClosed(self.buf)
        self.buf += data

    def read_reply(self):
        """Reads exactly one reply and returns its raw bytes."""
        while True:
            end = reply_end(self.buf) if self.buf else None
            if end is not None:
                reply, self.buf = self.buf[:end], self.buf[end:]
                return reply
            self._fill()

    def read_replies(self, count):
        return [self.read_reply() for _ in range(count)]

    def call(self, *args):
        """Sends one command and returns the raw bytes of its reply."""
        self.send(encode(*args))
        return self.read_reply()

    def read_until_closed(self, deadline_s=10.0):
        """Reads until the peer closes; returns every byte not yet consumed. Raises
        TimeoutError if the connection is still open at the deadline."""
        deadline = time.monotonic() + deadline_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"connection still open; read so far: {self.buf[:200]!r}")
            self.sock.settimeout(min(remaining, 1.0))
            try:
                data = self.sock.recv(1 << 16)
            except socket.timeout:
                continue
            except (ConnectionResetError, BrokenPipeError):
                data = b""
            if not data:
                out, self.buf = self.buf, b""
                return out
            self.buf += data

    def is_closed_by_peer(self, deadline_s=10.0):
        try:
            self.read_until_closed(deadline_s)
            return True
        except TimeoutError:
            return False
