"""A verified webhook body read into unsaved :class:`.models.WebhookEvent` rows, or refused.

Selzy's payloads come flat (one event, its fields at the top level) or batched
(``events_by_user[].events[]``, the fields in ``event_data``), REFERENCE.md §6.5. A body signed
with the right key can still hold something the module cannot act on (a bug on either side, a
format change): the whole body is refused with :class:`BadPayload` (the view answers 400), so
no event of it is stored and a redelivery of the same body cannot apply its first events twice.

The dedupe key is built from the event's own fields (kind, login, subject, event_time, status
or lists), never from ``retry_count``, which Selzy adds to every redelivery.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from .models import Campaign, ContactState, WebhookEvent

#: The envelope's keys in a flat payload; the rest is the event's data.
ENVELOPE_KEYS = frozenset({"auth", "login", "event_name", "event_time", "retry_count"})
#: Events about one contact, by the key holding the lists they concern.
CONTACT_EVENTS = {"unsubscribe": "unsubscribed_list_ids", "subscribe": "subscribed_list_ids"}

_KIND_MAX = WebhookEvent._meta.get_field("kind").max_length or 64
_LOGIN_MAX = WebhookEvent._meta.get_field("login").max_length or 64
_STATUS_MAX = Campaign._meta.get_field("status").max_length or 32
_EMAIL_MAX = ContactState._meta.get_field("email").max_length or 320


class BadPayload(ValueError):
    """A signed body of a shape the module cannot act on; the message says what is wrong."""


def read_events(body: bytes) -> list[WebhookEvent]:
    """Every event of a verified body, unsaved, in the body's order; :class:`BadPayload` when
    any of them (or the body) has an unexpected shape."""
    try:
        payload = json.loads(body)
    except ValueError:
        raise BadPayload("the body is not JSON") from None
    if not isinstance(payload, dict):
        raise BadPayload("the body is not a JSON object")
    if _holds_nul(payload):
        raise BadPayload("the body holds a NUL character")  # PostgreSQL cannot store one
    if "events_by_user" not in payload:
        data = {k: v for k, v in payload.items() if k not in ENVELOPE_KEYS}
        return [_event(payload, payload.get("login", ""), data, "the event")]
    groups = payload["events_by_user"]
    if not isinstance(groups, list):
        raise BadPayload("events_by_user is not a list")
    events = []
    for g, group in enumerate(groups):
        if not isinstance(group, dict) or not isinstance(group.get("events"), list):
            raise BadPayload(f"events_by_user[{g}] is not an object with a list of events")
        for e, item in enumerate(group["events"]):
            where = f"events_by_user[{g}].events[{e}]"
            if not isinstance(item, dict):
                raise BadPayload(f"{where} is not an object")
            data = item.get("event_data", {})
            if not isinstance(data, dict):
                raise BadPayload(f"{where}.event_data is not an object")
            events.append(_event(item, group.get("login", ""), data, where))
    return events


def _event(
    envelope: dict[str, Any], login: object, data: dict[str, Any], where: str
) -> WebhookEvent:
    kind = envelope.get("event_name")
    if not isinstance(kind, str) or not kind or len(kind) > _KIND_MAX:
        raise BadPayload(f"{where} has no event_name")
    if not isinstance(login, str) or len(login) > _LOGIN_MAX:
        raise BadPayload(f"{where} has a login that is not a short string")
    event_time = _time(envelope.get("event_time"), where)
    subject, detail = _subject(kind, data, where)
    key = json.dumps([kind, login, subject, event_time.isoformat(), detail], sort_keys=True)
    return WebhookEvent(
        kind=kind,
        login=login,
        subject=subject,
        event_time=event_time,
        payload=data,
        dedupe_key=hashlib.sha256(key.encode()).hexdigest(),
    )


def _time(value: object, where: str) -> dt.datetime:
    if not isinstance(value, str):
        raise BadPayload(f"{where} has no event_time")
    try:  # Selzy's "YYYY-MM-DD hh:mm:ss" in UTC (§6.5); ISO 8601 is read too
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadPayload(f"{where} has an event_time that is not a date: {value[:40]!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _subject(kind: str, data: dict[str, Any], where: str) -> tuple[str, object]:
    """What the event is about, and what else tells two such events apart."""
    if kind == "campaign_status":
        campaign_id, status = data.get("campaign_id"), data.get("status")
        if _number(campaign_id) is None:
            raise BadPayload(f"{where} has no campaign_id")
        if not isinstance(status, str) or not status or len(status) > _STATUS_MAX:
            raise BadPayload(f"{where} has no status of at most {_STATUS_MAX} characters")
        return str(_number(campaign_id)), status
    if kind in CONTACT_EVENTS:
        email, lists = data.get("email"), data.get(CONTACT_EVENTS[kind])
        if not isinstance(email, str) or not email.strip() or len(email) > _EMAIL_MAX:
            raise BadPayload(f"{where} has no email")
        if lists is not None and (
            not isinstance(lists, list) or any(_number(i) is None for i in lists)
        ):
            raise BadPayload(f"{where} has {CONTACT_EVENTS[kind]} that are not list ids")
        return email.strip().lower(), sorted(_number(i) or 0 for i in lists or [])
    if kind == "email_status":
        email, status = data.get("email"), data.get("status")
        if not isinstance(email, str) or not email.strip() or len(email) > _EMAIL_MAX:
            raise BadPayload(f"{where} has no email")
        if not isinstance(status, str) or not status or len(status) > _STATUS_MAX:
            raise BadPayload(f"{where} has no status of at most {_STATUS_MAX} characters")
        campaign_id = data.get("campaign_id")
        if campaign_id is not None and _number(campaign_id) is None:
            raise BadPayload(f"{where} has a campaign_id that is not an id")
        return email.strip().lower(), [status, _number(campaign_id)]
    # An event the module does not act on: stored for the signal, told apart by its usual keys.
    email, campaign_id = data.get("email"), data.get("campaign_id")
    subject = email.strip().lower() if isinstance(email, str) else str(campaign_id or "")
    return subject[:_EMAIL_MAX], json.dumps(data.get("status"), default=str)


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def _number(value: object) -> int | None:
    """A non-negative id given as a number or as digits, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
