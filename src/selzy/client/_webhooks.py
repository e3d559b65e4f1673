"""Receiving Selzy's webhooks: check ``auth``, read the events (REFERENCE.md §6.5, §6.6).

Selzy signs nothing with a header; every payload carries ``auth``, the MD5 of the raw JSON body
in which the ``auth`` value is replaced by the account's API key (UNCONFIRMED for Selzy, the
sibling product's documented rule). Payloads come flat (``single_event=1``: one event, its
fields at the top level) or batched (``events_by_user[].events[]``, fields in ``event_data``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ._exceptions import SelzyError
from ._model import parse_datetime

_ENVELOPE_KEYS = frozenset({"auth", "login", "event_name", "event_time", "retry_count"})


class WebhookAuthError(SelzyError):
    """A webhook body whose ``auth`` does not match the API key, or that is not JSON."""


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """One event: its name (``campaign_status``, ``email_status``, ``subscribe``, ...), when it
    happened (UTC), the account login, and its data (``campaign_id``, ``status``, ``email``...)."""

    event_name: str
    event_time: datetime | None
    login: str
    data: dict[str, Any] = field(default_factory=dict)


def verify_webhook(body: bytes, api_key: str) -> bool:
    """True when ``body``'s ``auth`` is the MD5 of the body with the API key in its place."""
    try:
        text = body.decode("utf-8")
        auth = json.loads(text).get("auth")
    except (UnicodeDecodeError, ValueError, AttributeError):
        return False
    if not isinstance(auth, str) or not auth:
        return False
    # Replace the JSON string token (quotes included), so a value equal to the auth elsewhere
    # in the body cannot be hit by mistake; only the first one is the envelope's.
    signed = text.replace(json.dumps(auth), json.dumps(api_key), 1)
    expected = hashlib.md5(signed.encode("utf-8")).hexdigest()  # noqa: S324 - the protocol's hash
    return hmac.compare_digest(expected, auth)


def parse_webhook(body: bytes, api_key: str | None) -> list[WebhookEvent]:
    """The events of one webhook delivery, after checking ``auth`` (skipped when key is None).

    Raises :class:`WebhookAuthError` for a body that fails the check or is not a JSON object.
    """
    if api_key is not None and not verify_webhook(body, api_key):
        raise WebhookAuthError("Webhook auth does not match this account's API key")
    try:
        payload = json.loads(body)
    except ValueError:
        raise WebhookAuthError("Webhook body is not JSON") from None
    if not isinstance(payload, dict):
        raise WebhookAuthError("Webhook body is not a JSON object")
    if "events_by_user" in payload:
        events = []
        for group in payload.get("events_by_user") or []:
            login = str(group.get("login", ""))
            for item in group.get("events") or []:
                events.append(
                    WebhookEvent(
                        event_name=str(item.get("event_name", "")),
                        event_time=parse_datetime(item.get("event_time")),
                        login=login,
                        data=dict(item.get("event_data") or {}),
                    )
                )
        return events
    return [
        WebhookEvent(
            event_name=str(payload.get("event_name", "")),
            event_time=parse_datetime(payload.get("event_time")),
            login=str(payload.get("login", "")),
            data={k: v for k, v in payload.items() if k not in _ENVELOPE_KEYS},
        )
    ]
