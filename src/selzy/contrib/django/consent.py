"""Consent evidence: how a :class:`~.models.ConsentRecord` is written, confirmed and exported.

- :func:`evidence` reads what the request shows of the visitor (the IP as ``SIGNUP_IP`` says,
  the user agent), for a new record;
- :func:`confirm` is called for every ``subscribed`` feedback (the ``subscribe`` webhook, which
  Selzy sends when the person clicks the link in its confirmation letter): the sign-ups of that
  address sent to one of those lists, and their records, get the confirmation time;
- :func:`export` gathers everything kept about some addresses, for a GDPR access request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.http import HttpRequest

from selzy.integration import Feedback

from .conf import selzy_settings
from .models import ConsentRecord, SignUp
from .signup_limits import client_ip

USER_AGENT_LENGTH = 500
_IP_SALT = b"selzy.consent.ip"


def ip_hash(ip: str) -> str:
    """The HMAC-SHA256 of ``ip`` keyed with SECRET_KEY, as a record keeps it with "hash":
    ``ip_hash(address) == record.ip`` proves the address made the sign-up."""
    key = hmac.new(_IP_SALT, settings.SECRET_KEY.encode(), hashlib.sha256).digest()
    return hmac.new(key, ip.encode(), hashlib.sha256).hexdigest()


def evidence(request: HttpRequest | None) -> dict[str, str]:
    """A new record's ``ip``, ``ip_mode`` and ``user_agent`` from ``request`` (none without)."""
    mode = selzy_settings().signup_ip
    if request is None or mode == ConsentRecord.IPMode.NONE:
        return {"ip": "", "ip_mode": mode, "user_agent": ""}
    ip = client_ip(request)
    agent = str(request.META.get("HTTP_USER_AGENT", ""))[:USER_AGENT_LENGTH]
    kept = ip_hash(ip) if mode == ConsentRecord.IPMode.HASHED and ip else ip
    return {"ip": kept, "ip_mode": mode, "user_agent": agent}


def _by_email(queryset: QuerySet[Any], emails: Iterable[str]) -> QuerySet[Any]:
    lowered = sorted({email.strip().lower() for email in emails})
    found: QuerySet[Any] = queryset.alias(email_lower=Lower("email")).filter(
        email_lower__in=lowered
    )
    return found


def confirm(feedback: Feedback) -> int:
    """Mark the address's sign-ups confirmed that this ``subscribed`` feedback answers: sent
    (or being sent) to one of its lists (any, when it names none); how many. Confirmed ones are
    left as they are (a redelivered event changes nothing).

    The event's time is not compared with the sign-up's: Selzy's ``event_time`` carries no
    zone, and a person can only confirm a letter the sign-up made Selzy send, after it was
    sent (an older subscription's event was applied when it came, and is never applied twice).
    """
    if feedback.kind != "subscribed":
        return 0
    waiting = _by_email(SignUp.objects.all(), [feedback.email]).filter(
        status__in=(SignUp.Status.SENT, SignUp.Status.SENDING),
        confirmed_at__isnull=True,
    )
    if feedback.list_ids:
        waiting = waiting.filter(list_id__in=feedback.list_ids)
    ids = list(waiting.values_list("pk", flat=True))
    if not ids:
        return 0
    SignUp.objects.filter(pk__in=ids).update(
        status=SignUp.Status.CONFIRMED, confirmed_at=feedback.time
    )
    ConsentRecord.objects.filter(signup__pk__in=ids, confirmed_at__isnull=True).update(
        confirmed_at=feedback.time
    )
    return len(ids)


def _when(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def export(emails: Iterable[str]) -> dict[str, Any]:
    """Every consent record and sign-up kept for the addresses (however their case is
    written), as JSON-ready data: what a GDPR access request is answered with."""
    wanted = sorted({email.strip().lower() for email in emails if email.strip()})
    records = _by_email(ConsentRecord.objects.all(), wanted).order_by("given_at", "pk")
    signups = _by_email(SignUp.objects.all(), wanted).order_by("created_at", "pk")
    return {
        "emails": wanted,
        "consent_records": [
            {
                "id": r.pk,
                "email": r.email,
                "form": r.form_key,
                "origin": r.origin,
                "consent_text": r.consent_text,
                "consent_version": r.consent_version,
                "language": r.language,
                "double_optin": r.double_optin,
                "page": r.page,
                "ip": r.ip,
                "ip_kept_as": r.ip_mode,
                "user_agent": r.user_agent,
                "given_at": _when(r.given_at),
                "confirmed_at": _when(r.confirmed_at),
            }
            for r in records
        ],
        "sign_ups": [
            {
                "id": s.pk,
                "email": s.email,
                "form": s.form_key,
                "origin": s.origin,
                "values": s.values,
                "list_id": s.list_id,
                "tags": s.tags,
                "status": s.status,
                "consent_record": s.consent_id,
                "created_at": _when(s.created_at),
                "sent_at": _when(s.sent_at),
                "selzy_person_id": s.person_id,
                "confirmed_at": _when(s.confirmed_at),
            }
            for s in signups
        ],
    }
