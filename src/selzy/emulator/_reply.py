"""The adapter-neutral reply and its two renderings (JSON envelope, plain text or HTML)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"


@dataclass(slots=True)
class Reply:
    """What an adapter writes back: status, headers, body; `drop` means close without answering."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    drop: bool = False


def json_reply(payload: Any, status: int = 200) -> Reply:
    """A JSON reply with the content type L-orm insists on (§2.3)."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Reply(status, [("Content-Type", JSON_TYPE)], body)


def text_reply(text: str, status: int, content_type: str = "text/plain; charset=utf-8") -> Reply:
    """A non-JSON reply (404s, injected 5xx, HTML pages)."""
    return Reply(status, [("Content-Type", content_type)], text.encode("utf-8"))
