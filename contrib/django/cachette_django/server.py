"""Cachette's own commands, sent through a redis-py client (docs/commands.md, docs/django.md).

- INVALIDATE PREFIX prefix / INVALIDATE MATCH pattern: invalidates every matching key of the
  selected database in one round trip and replies with their number. invalidate() sends PREFIX
  when the glob pattern is a literal followed by '*' (the common case: a Django key prefix, a
  version, then `reviews:user:42:*`), MATCH otherwise. A plain Redis answers
  `ERR unknown command 'INVALIDATE' ...`: invalidate() then returns None and remembers the
  answer for the client's connection pool, so each pool asks once.
- PREFIXSTATS [SORT field] [ASC|DESC] [COUNT n]: hits, misses, hit ratio, writes, keys and
  memory per key prefix; prefix_stats() turns the RESP2 array (or the RESP3 map) into a dict.

Glob rules are Redis's: `*`, `?`, `[...]` classes (`[^...]` negated, `a-z` ranges) and `\\x`
escapes, matched byte by byte.
"""

import re
import weakref

from redis.exceptions import ResponseError

__all__ = ["NotCachetteError", "glob_escape", "invalidate", "literal_prefix", "prefix_stats",
           "scan_delete", "SORT_FIELDS"]

SORT_FIELDS = ("hits", "misses", "hit_ratio", "writes", "keys", "memory", "prefix")
_INT_FIELDS = ("hits", "misses", "writes", "keys", "memory")

# Connection pools whose server answered that it does not know INVALIDATE.
_no_invalidate = weakref.WeakKeyDictionary()

_GLOB_SPECIAL = re.compile(r"([*?[\]\\])")


class NotCachetteError(RuntimeError):
    """The server does not know a Cachette command (it is a plain Redis, or an older
    Cachette)."""


def glob_escape(text):
    """`text` as a glob pattern that matches exactly `text` (backslash before * ? [ ] \\)."""
    return _GLOB_SPECIAL.sub(r"\\\1", text)


def literal_prefix(pattern):
    """The literal string L when `pattern` matches exactly the keys that start with L (L with its
    glob characters escaped, as `\\*` or `[*]`, then one or more trailing `*`); None for any
    other pattern, including an exact key with no wildcard and a bare `*`."""
    out = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if pattern[i:].strip("*") or not out:
                return None
            return "".join(out)
        if c == "?":
            return None
        if c == "\\":
            if i + 1 >= n:
                return None
            out.append(pattern[i + 1])
            i += 2
            continue
        if c == "[":
            # A class of one character stands for that character: [*] (django-redis's escape
            # of its key prefix) or [\c]. Classes match bytes: only ASCII is a single byte.
            if pattern.startswith("\\", i + 1) and i + 3 < n and pattern[i + 3] == "]" \
                    and ord(pattern[i + 2]) < 128:
                out.append(pattern[i + 2])
                i += 4
                continue
            if i + 2 < n and pattern[i + 2] == "]" and pattern[i + 1] not in "^]\\-" \
                    and ord(pattern[i + 1]) < 128:
                out.append(pattern[i + 1])
                i += 3
                continue
            return None
        out.append(c)
        i += 1
    return None


def _is_unknown_command(error, name):
    text = str(error)
    if text.startswith("ERR "):
        text = text[4:]
    return text.lower().startswith(f"unknown command '{name.lower()}'")


def invalidate(client, pattern):
    """Invalidates the keys of `client`'s database that match the glob `pattern` with one
    INVALIDATE command; returns their number, or None when the server does not know INVALIDATE
    (then nothing was done, and later calls on the same connection pool return None at once).
    Other errors (connection, NOPERM...) propagate as redis-py raises them."""
    pool = client.connection_pool
    if _no_invalidate.get(pool):
        return None
    prefix = literal_prefix(pattern)
    args = ("PREFIX", prefix) if prefix is not None else ("MATCH", pattern)
    try:
        return int(client.execute_command("INVALIDATE", *args))
    except ResponseError as e:
        if _is_unknown_command(e, "INVALIDATE"):
            _no_invalidate[pool] = True
            return None
        raise


def scan_delete(client, pattern, itersize=None):
    """The client-side way, for servers without INVALIDATE: SCAN MATCH pattern COUNT itersize
    (the server's default, 10, when None), and DEL of the keys found, up to 1,000 per command.
    Returns the number of keys deleted."""
    count = 0
    page = []
    for key in client.scan_iter(match=pattern, count=itersize):
        page.append(key)
        if len(page) >= 1000:
            count += client.delete(*page)
            page = []
    if page:
        count += client.delete(*page)
    return count


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    return value


def _pairs(reply):
    """A RESP3 map (dict) or a RESP2 flat array [k1, v1, k2, v2 ...] as (key, value) pairs."""
    if isinstance(reply, dict):
        return list(reply.items())
    return list(zip(reply[0::2], reply[1::2]))


def _row(fields):
    row = {}
    for name, value in _pairs(fields):
        name = _text(name)
        value = _text(value)
        if name in _INT_FIELDS:
            value = int(value)
        elif name == "hit_ratio":
            value = float(value)
        row[name] = value
    return row


def prefix_stats(client, sort=None, order=None, count=None):
    """PREFIXSTATS through `client` as {prefix: {"hits", "misses", "hit_ratio", "writes",
    "keys", "memory"}}, in the server's order (sorted by `sort`, one of SORT_FIELDS, `order`
    "asc" or "desc", at most `count` rows when given). The row "other" sums the prefixes the
    server does not track one by one. Raises NotCachetteError when the server does not know
    PREFIXSTATS."""
    args = []
    if sort is not None:
        if sort not in SORT_FIELDS:
            raise ValueError(f"sort must be one of {', '.join(SORT_FIELDS)}, not {sort!r}")
        args += ["SORT", sort]
    if order is not None:
        if str(order).lower() not in ("asc", "desc"):
            raise ValueError(f"order must be 'asc' or 'desc', not {order!r}")
        args.append(str(order).upper())
    if count is not None:
        args += ["COUNT", int(count)]
    try:
        reply = client.execute_command("PREFIXSTATS", *args)
    except ResponseError as e:
        if _is_unknown_command(e, "PREFIXSTATS"):
            raise NotCachetteError("the server does not know PREFIXSTATS (is it Cachette?)") \
                from e
        raise
    return {_text(prefix): _row(fields) for prefix, fields in _pairs(reply)}
