"""A small fake Selzy for the engine's tests: getFields, createField and importContacts.

It speaks the real wire format (form body, PHP brackets, JSON envelope) behind
``httpx.MockTransport``, so the engine runs through the real client. importContacts answers
like the service (REFERENCE §5.2): role addresses (``info@``, ``sales@``, ...) are not imported
and show up in the log by row index; a known address is updated, a new one inserted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

import httpx

import selzy

API_KEY = "5ecret0api0key0for0integration0tests"
ROLE_ADDRESSES = frozenset({"info", "sales", "no-reply", "noreply", "all", "admin"})
_KEY = re.compile(r"(\w+)((?:\[[^\]]*\])*)")
_CELL = re.compile(r"data%5B(\d+)%5D%5B(\d+)%5D=([^&]*)")


class FakeClock:
    """Time that moves only when the client sleeps (rate limiter, retry backoff)."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


def ok(result: Any) -> httpx.Response:
    return httpx.Response(200, json={"result": result})


def err(code: str, message: str = "failed") -> httpx.Response:
    return httpx.Response(200, content=json.dumps({"error": message, "code": code}).encode())


@dataclass
class FakeSelzy:
    """State and handler. ``remember=False`` keeps no per-contact or per-call state, only the
    counts (memory tests)."""

    fields: list[dict[str, Any]] = field(default_factory=list)
    contacts: dict[str, dict[str, str]] = field(default_factory=dict)
    remember: bool = True
    #: importContacts calls answered so far (successful ones).
    imports: int = 0
    #: rows received by importContacts, in order (only with remember=True).
    received: list[dict[str, str]] = field(default_factory=list)
    rows_received: int = 0
    calls: list[str] = field(default_factory=list)
    #: importContacts answers this error once ``imports`` reaches it (None: never).
    fail_from_import: int | None = None
    field_names_seen: list[tuple[str, ...]] = field(default_factory=list)
    options_seen: list[dict[str, str]] = field(default_factory=list)

    def handler(self, request: httpx.Request) -> httpx.Response:
        method = request.url.path.split("/api/", 1)[1]
        if self.remember:
            self.calls.append(method)
        body = request.read().decode("ascii")
        if method == "getFields":
            return ok(self.fields)
        if method == "createField":
            return self._create_field(dict(parse_qsl(body)))
        if method == "importContacts":
            return self._import(body)
        return err("unknown_method", f"no {method}")

    def client(self, handler: Any = None, **options: Any) -> selzy.Selzy:
        """A sync client talking to this fake (or to ``handler``)."""
        return selzy.Selzy(
            API_KEY,
            platform="TestSuite",
            transport=httpx.MockTransport(handler or self.handler),
            clock=FakeClock(),
            **options,
        )

    def async_client(self, handler: Any = None, **options: Any) -> selzy.AsyncSelzy:
        """An async client; ``handler`` (sync or async) replaces this fake's own."""
        return selzy.AsyncSelzy(
            API_KEY,
            platform="TestSuite",
            transport=httpx.MockTransport(handler or self.handler),
            clock=FakeClock(),
            **options,
        )

    def _create_field(self, form: dict[str, str]) -> httpx.Response:
        if any(f["name"] == form["name"] for f in self.fields):
            return err("invalid_arg", f"Field {form['name']} exists")
        if len(self.fields) >= 50:
            return err("invalid_arg", "Too many fields")
        new = {"id": 100 + len(self.fields), "name": form["name"], "type": form["type"]}
        self.fields.append(new)
        return ok({"id": new["id"]})

    def _import(self, body: str) -> httpx.Response:
        if self.fail_from_import is not None and self.imports >= self.fail_from_import:
            return err("retry_later", "Service is busy, try again later")
        self.imports += 1
        names: list[str] = []
        options: dict[str, str] = {}
        for key, value in parse_qsl(re.sub(r"(^|&)data%5B[^&]*", "", body)):
            if key.startswith("field_names["):
                names.append(value)
            elif key not in ("api_key", "platform", "format"):
                options[key] = value
        if not self.remember:
            return self._count_only(body, names)
        self.field_names_seen.append(tuple(names))
        self.options_seen.append(options)
        log = []
        inserted = updated = 0
        rows = list(self._rows(body, len(names)))
        for index, cells in enumerate(rows):
            row = dict(zip(names, cells, strict=True))
            email = row.get("email", "")
            if email.split("@")[0] in ROLE_ADDRESSES:
                log.append({"index": index, "code": "role_address", "message": "Role address"})
                continue
            self.received.append(row)
            key = email or row.get("phone", "")
            if key in self.contacts:
                updated += 1
                self.contacts[key].update(row)
            else:
                inserted += 1
                self.contacts[key] = row
        self.rows_received += len(rows)
        return ok(
            {
                "total": len(rows),
                "inserted": inserted,
                "updated": updated,
                "deleted": 0,
                "new_emails": inserted,
                "invalid": len(log),
                "log": log,
            }
        )

    def _count_only(self, body: str, names: list[str]) -> httpx.Response:
        """Rows counted and role addresses found without decoding the body (memory tests)."""
        email = names.index("email")
        rows = body.count(f"%5D%5B{email}%5D=")
        log = [
            {"index": int(m[1]), "code": "role_address", "message": "Role address"}
            for m in re.finditer(rf"data%5B(\d+)%5D%5B{email}%5D=(?:info|sales)%40", body)
        ]
        self.rows_received += rows
        imported = rows - len(log)
        counts = {"total": rows, "inserted": imported, "new_emails": imported}
        return ok({**counts, "updated": 0, "deleted": 0, "invalid": len(log), "log": log})

    @staticmethod
    def _rows(body: str, width: int) -> Iterator[list[str]]:
        """The data rows, read positionally (cells arrive in row order, columns in order)."""
        row: list[str] = []
        for match in _CELL.finditer(body):
            row.append(unquote_plus(match[3]))
            if len(row) == width:
                yield row
                row = []
