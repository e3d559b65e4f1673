"""Request decoding: PHP-style bracket forms into a tree, and typed accessors raising invalid_arg.

The real server is PHP, so ``a[0]=x``, ``a[]=x``, ``a[k]=x`` and ``data[i][j]=x`` all build
nested arrays, in the order the pairs arrive. Values are UTF-8 text, except under
``attachments`` where they are raw bytes (attachment content travels unencoded, §1.5, pitfall 9).
"""

from __future__ import annotations

import email.parser
import email.policy
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from urllib.parse import unquote_to_bytes

from ._errors import InvalidArg, missing

Node = str | bytes | dict[str, "Node"]
Tree = dict[str, Node]

#: Top-level names whose values stay bytes.
BYTES_PARAMS = frozenset({"attachments"})

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def _next_index(node: dict[str, Node]) -> str:
    # PHP appends after the largest integer key; keys are dense in practice, so start at len().
    k = len(node)
    while str(k) in node:
        k += 1
    return str(k)


def _decode_value(base: str, key: str, raw: bytes) -> str | bytes:
    if base in BYTES_PARAMS:
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidArg(f"{key}: value is not valid UTF-8") from None


#: Escapes that never stand for a delimiter (``&``, ``=``, ``+``, ``%``) can be decoded for the
#: whole body in one pass; brackets and ``@`` fill every key and email of an import.
_SAFE_ESCAPES = (
    (b"%5B", b"["),
    (b"%5D", b"]"),
    (b"%5b", b"["),
    (b"%5d", b"]"),
    (b"%40", b"@"),
    (b"%2C", b","),
    (b"%2c", b","),
    (b"%20", b" "),
    (b"%3A", b":"),
    (b"%3a", b":"),
)


def urlencoded_pairs(data: bytes) -> list[tuple[str, str | bytes]]:
    """Decode ``application/x-www-form-urlencoded`` bytes (also a query string) into pairs.

    This is the import path's hot loop: bulk replacements first, then per-pair work only where
    an escape is left.
    """
    if not data:
        return []
    if b"+" in data:
        data = data.replace(b"+", b" ")
    if b"%" in data:
        for escape, char in _SAFE_ESCAPES:
            if escape in data:
                data = data.replace(escape, char)
    out: list[tuple[str, str | bytes]] = []
    append = out.append
    for chunk in data.split(b"&"):
        if not chunk:
            continue
        k, _, v = chunk.partition(b"=")
        if b"%" in k:
            k = unquote_to_bytes(k)
        if b"%" in v:
            v = unquote_to_bytes(v)
        try:
            key = k.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidArg("a parameter name is not valid UTF-8") from None
        if key.startswith("attachments") and key.partition("[")[0] in BYTES_PARAMS:
            append((key, v))
            continue
        try:
            append((key, v.decode("utf-8")))
        except UnicodeDecodeError:
            raise InvalidArg(f"{key}: value is not valid UTF-8") from None
    return out


def multipart_pairs(content_type: str, body: bytes) -> Iterator[tuple[str, str | bytes]]:
    """Decode ``multipart/form-data`` (what PHP's cURL sends for an array, §1.2)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not msg.is_multipart():
        raise InvalidArg("multipart body could not be parsed")
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        raw = payload if isinstance(payload, bytes) else b""
        yield name, _decode_value(name.partition("[")[0], name, raw)


def build_tree(pairs: Iterable[tuple[str, str | bytes]]) -> Tree:
    """Fold decoded pairs into the PHP array tree (`insert`, inlined for the import path)."""
    tree: Tree = {}
    for key, value in pairs:
        i = key.find("[")
        if i <= 0 or key[-1] != "]":
            tree[key] = value
            continue
        segs = key[i + 1 : -1].split("][")
        base = key[:i]
        cur = tree.get(base)
        if not isinstance(cur, dict):
            cur = {}
            tree[base] = cur
        for seg in segs[:-1]:
            if seg == "":
                seg = _next_index(cur)
            nxt = cur.get(seg)
            if not isinstance(nxt, dict):
                nxt = {}
                cur[seg] = nxt
            cur = nxt
        last = segs[-1]
        if last == "":
            last = _next_index(cur)
        cur[last] = value
    return tree


def decode_body(content_type: str, body: bytes) -> Tree:
    """Decode a request body by its content type; JSON bodies are not part of the API (§1.2)."""
    ctype = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}
    if ctype == "multipart/form-data":
        return build_tree(multipart_pairs(content_type, body))
    if ctype in ("", "application/x-www-form-urlencoded", "text/plain"):
        return build_tree(urlencoded_pairs(body))
    raise InvalidArg(
        f"unsupported request Content-Type {ctype!r}: send application/x-www-form-urlencoded"
    )


def text_of(node: Node | None) -> str | None:
    """A scalar as text, None when absent; arrays are not text."""
    if node is None:
        return None
    if isinstance(node, bytes):
        return node.decode("utf-8", "replace")
    if isinstance(node, dict):
        return None
    return node


def list_of(node: Node | None) -> list[Node]:
    """PHP array values in order; a scalar is a one-item list."""
    if node is None:
        return []
    if isinstance(node, dict):
        return list(node.values())
    return [node]


def parse_time(value: str, name: str, *, seconds: bool | None = None) -> datetime:
    """Parse ``YYYY-MM-DD hh:mm:ss``, ``YYYY-MM-DD hh:mm`` or ``YYYY-MM-DD`` as UTC."""
    formats = {
        True: ("%Y-%m-%d %H:%M:%S",),
        False: ("%Y-%m-%d %H:%M",),
        None: ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"),
    }[seconds]
    for fmt in formats:
        try:
            return datetime.strptime(value.strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise InvalidArg(f"{name}: {value!r} is not a date-time in the format {formats[0]!r}")


class Params:
    """Typed, validating access to one call's arguments."""

    __slots__ = ("tree",)

    def __init__(self, tree: Tree) -> None:
        self.tree = tree

    def raw(self, name: str) -> Node | None:
        """The undecoded node (scalar or array) or None."""
        return self.tree.get(name)

    def has(self, name: str) -> bool:
        """True when the argument is present and not an empty string."""
        node = self.tree.get(name)
        return node is not None and node not in ("", b"")

    def text(self, name: str, default: str | None = None) -> str | None:
        """A scalar text argument; an array where a scalar belongs is invalid."""
        node = self.tree.get(name)
        if node is None:
            return default
        if isinstance(node, dict):
            raise InvalidArg(f"{name}: expected a single value, got an array")
        return text_of(node)

    def req_text(self, name: str) -> str:
        """A required, non-empty text argument."""
        value = self.text(name)
        if value is None or value.strip() == "":
            raise missing(name)
        return value

    def integer(
        self, name: str, default: int | None = None, *, lo: int | None = None, hi: int | None = None
    ) -> int | None:
        """An optional integer argument within [lo, hi]."""
        value = self.text(name)
        if value is None or value.strip() == "":
            return default
        try:
            number = int(value.strip())
        except ValueError:
            raise InvalidArg(f"{name}: {value!r} is not an integer") from None
        if lo is not None and number < lo:
            raise InvalidArg(f"{name}: must be at least {lo}, got {number}")
        if hi is not None and number > hi:
            raise InvalidArg(f"{name}: must be at most {hi}, got {number}")
        return number

    def req_int(self, name: str) -> int:
        """A required integer argument."""
        value = self.integer(name)
        if value is None:
            raise missing(name)
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        """A 0/1 argument (the docs always use 0/1; yes/no/true/false are tolerated)."""
        value = self.text(name)
        if value is None:
            return default
        v = value.strip().lower()
        if v in _TRUE:
            return True
        if v in _FALSE:
            return False
        raise InvalidArg(f"{name}: expected 0 or 1, got {value!r}")

    def choice(self, name: str, allowed: Iterable[str], default: str | None = None) -> str | None:
        """A text argument limited to a vocabulary."""
        value = self.text(name)
        if value is None or value == "":
            return default
        options = tuple(allowed)
        if value not in options:
            raise InvalidArg(f"{name}: {value!r} is not one of {', '.join(options)}")
        return value

    def csv(self, name: str) -> list[str]:
        """A comma-separated argument; bracket arrays are accepted too (some clients send them)."""
        node = self.tree.get(name)
        items: list[str] = []
        for item in list_of(node):
            text = text_of(item)
            if text is None:
                raise InvalidArg(f"{name}: nested arrays are not allowed here")
            items.extend(part.strip() for part in text.split(","))
        return [i for i in items if i != ""]

    def int_csv(self, name: str) -> list[int]:
        """A comma-separated list of integer ids."""
        out: list[int] = []
        for item in self.csv(name):
            try:
                out.append(int(item))
            except ValueError:
                raise InvalidArg(f"{name}: {item!r} is not an integer id") from None
        return out

    def array(self, name: str) -> list[Node]:
        """A bracket array (``a[0]``, ``a[]``) in order; a lone scalar counts as one item."""
        return list_of(self.tree.get(name))

    def mapping(self, name: str) -> dict[str, Node]:
        """An associative array ``name[key]=value``; empty when absent."""
        node = self.tree.get(name)
        if node is None or node == "":
            return {}
        if not isinstance(node, dict):
            raise InvalidArg(f"{name}: expected an array such as {name}[key]=value")
        return node

    def time(self, name: str, *, seconds: bool | None = None) -> datetime | None:
        """An optional UTC date-time argument."""
        value = self.text(name)
        if value is None or value.strip() == "":
            return None
        return parse_time(value, name, seconds=seconds)
