"""§6 webhook payloads, their ``auth`` value, and delivery with the documented retries.

``auth`` follows §6.6's recommendation: the MD5 of the raw JSON body in which the auth value was
replaced by the account's API key. A receiver verifies by doing the same replacement.
"""

from __future__ import annotations

import hashlib
import json
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ._call import Event
from ._mail import fmt
from ._state import Account, Hook

#: Sends one POST; returns the HTTP status or raises OSError. Injectable for in-process tests.
WebhookSender = Callable[[str, bytes, dict[str, str]], int]

RETRY_EVERY = timedelta(minutes=10)
GIVE_UP_AFTER = timedelta(hours=24)
TIMEOUT_SECONDS = 3.0

_STATUS_GROUPS = {
    "ok_sent": "success_pending_group",
    "ok_delivered": "success_group",
    "ok_read": "success_group",
    "ok_link_visited": "success_group",
    "ok_unsubscribed": "success_group",
    "ok_spam_folder": "success_group",
    "err_will_retry": "temporary_fail_group",
}


def status_group(status: str) -> str:
    """The emulator's ``status_group`` for a status (only success_pending_group is documented)."""
    return _STATUS_GROUPS.get(status, "fail_group" if status.startswith("err_") else "other")


def urllib_sender(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST with urllib and the documented 3-second timeout."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        status: int = response.status
        return status


def sign(payload: dict[str, Any], api_key: str) -> bytes:
    """Serialise with ``auth`` first and set it to md5(body with the key in its place)."""
    body = {"auth": api_key, **{k: v for k, v in payload.items() if k != "auth"}}
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    auth = hashlib.md5(raw.encode("utf-8")).hexdigest()  # noqa: S324 - the protocol says md5
    return raw.replace(json.dumps(api_key), json.dumps(auth), 1).encode("utf-8")


def verify_webhook(body: bytes, api_key: str) -> bool:
    """Check a payload's ``auth`` the way a receiver would (used by tests and docs)."""
    text = body.decode("utf-8")
    auth = json.loads(text).get("auth", "")
    if not isinstance(auth, str):
        return False
    replaced = text.replace(json.dumps(auth), json.dumps(api_key), 1)
    return hashlib.md5(replaced.encode("utf-8")).hexdigest() == auth  # noqa: S324


@dataclass(slots=True)
class Delivery:
    """One POST to a hook URL, possibly a retry."""

    login: str
    url: str
    payload: dict[str, Any]
    events: int
    first_attempt: datetime
    retry_count: int = 0
    due: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _wants(hook: Hook, event: Event) -> bool:
    if hook.status != "active" or event.name not in hook.events:
        return False
    values = hook.events[event.name]
    return values is None or str(event.data.get("status", "")) in values


def deliveries_for(account: Account, events: list[Event], now: datetime) -> list[Delivery]:
    """Payloads for every active hook of the account that wants some of these events."""
    out: list[Delivery] = []
    for hook in account.hooks.values():
        chosen = [e for e in events if _wants(hook, e)]
        if not chosen:
            continue
        if hook.single_event:
            for e in chosen:
                payload = {
                    "login": account.login,
                    "event_name": e.name,
                    "event_time": fmt(e.time),
                    **e.data,
                }
                out.append(Delivery(account.login, hook.url, payload, 1, now))
        else:
            batch = [
                {"event_name": e.name, "event_time": fmt(e.time), "event_data": e.data}
                for e in chosen
            ]
            payload = {"events_by_user": [{"login": account.login, "events": batch}]}
            out.append(Delivery(account.login, hook.url, payload, len(chosen), now))
    return out


def body_of(delivery: Delivery, api_key: str) -> bytes:
    """The signed JSON body; redeliveries carry ``retry_count`` (§6.2, as a JSON key)."""
    payload = dict(delivery.payload)
    if delivery.retry_count:
        payload["retry_count"] = delivery.retry_count
    return sign(payload, api_key)
