"""Reading the answer: the JSON envelope of §2, turned into a result or an error.

Selzy answers API errors with HTTP 200 and ``{"error": ..., "code": ...}``; ``code`` may be
missing (then it is ``unspecified``), ``result`` may ride along with an error and is ignored.
A success may carry ``warnings``, which are logged and kept on the response. ``false`` is a
result (isContactInLists), not a failure; an empty body is an empty result.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from ._exceptions import APIStatusError, InvalidResponseError, api_error_for
from ._keys import mask_key

logger = logging.getLogger("selzy")

_BODY_PREVIEW = 300


@dataclass(frozen=True, slots=True, repr=False)
class APIResponse:
    """One successful call: its result as sent and what came with it.

    Its repr masks every ``api_key`` in the result (register's answer carries the new account's
    key), by the one rule of :func:`~selzy.client.mask_key`.
    """

    method: str
    #: The envelope's ``result`` as decoded JSON; None when the answer had none.
    result: Any
    warnings: tuple[str, ...] = ()
    status_code: int = 200
    #: How many times the call was sent again before this answer (0 = first try).
    retries_taken: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"APIResponse(method={self.method!r}, result={_masked(self.result)!r}, "
            f"warnings={self.warnings!r}, status_code={self.status_code!r}, "
            f"retries_taken={self.retries_taken!r}, extra={_masked(self.extra)!r})"
        )


def _masked(value: Any) -> Any:
    """``value`` with the string under every ``api_key`` key masked, at any depth."""
    if isinstance(value, dict):
        return {
            k: mask_key(v) if k == "api_key" and isinstance(v, str) else _masked(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def redact(text: str, secret: str | None) -> str:
    """Remove the API key from a text that came from elsewhere (a server message, a body)."""
    if secret and secret in text:
        return text.replace(secret, "***")
    return text


def _warnings(raw: Any) -> tuple[str, ...]:
    if not raw:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    out: list[str] = []
    for item in items:
        if isinstance(item, dict):
            text = item.get("warning")
            out.append(str(text) if text is not None else json.dumps(item, ensure_ascii=False))
        else:
            out.append(str(item))
    return tuple(out)


def parse_response(
    method: str, status_code: int, content: bytes, *, api_key: str | None
) -> APIResponse:
    """The response of one HTTP exchange, or the error it stands for."""
    if not 200 <= status_code < 300:
        preview = redact(content[:_BODY_PREVIEW].decode("utf-8", "replace"), api_key)
        raise APIStatusError(
            f"{method}: HTTP {status_code} from the Selzy API (API errors come with HTTP 200, "
            "so this is a server or proxy failure)",
            method=method,
            status_code=status_code,
            body=preview,
        )
    if not content.strip():
        return APIResponse(method, None, status_code=status_code)
    try:
        envelope = json.loads(content)
    except ValueError:
        preview = redact(content[:_BODY_PREVIEW].decode("utf-8", "replace"), api_key)
        raise InvalidResponseError(
            f"{method}: the answer is not JSON (HTTP {status_code}); "
            f"it starts with {preview[:80]!r}",
            method=method,
            status_code=status_code,
            body=preview,
        ) from None
    if not isinstance(envelope, dict):
        # Not the documented envelope, but a bare JSON value is the only thing it can mean.
        return APIResponse(method, envelope, status_code=status_code)
    error = envelope.get("error")
    if error:
        code = envelope.get("code")
        raise api_error_for(str(code) if code else None, redact(str(error), api_key), method)
    warnings = _warnings(envelope.get("warnings"))
    for warning in warnings:
        logger.warning("Selzy %s warning: %s", method, redact(warning, api_key))
    extra = {k: v for k, v in envelope.items() if k not in ("result", "warnings", "error", "code")}
    return APIResponse(
        method, envelope.get("result"), warnings, status_code=status_code, extra=extra
    )
