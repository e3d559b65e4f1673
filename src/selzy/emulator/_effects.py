"""What a letter's status and a person's choice do to a contact, and the events that report it.

One place for both paths that change a contact from outside the API: the replay of a campaign's
planned timeline (`_timeline`) and the control plane's "make this contact do it" (`_acts`). So a
bounce, a complaint or an unsubscription made by hand leaves the contact exactly as one planned by
the campaign model does, and is reported by the same events.

Availability after a status (REFERENCE.md §4 lists the values):

====================================  ======================================================
err_user_unknown, err_domain_inactive  ``unreachable`` (lasting: the address is dead)
err_mailbox_full                       ``mailbox_full`` (temporary)
err_will_retry, err_giveup             ``temp_unreachable`` (temporary)
err_spam_rejected                      ``spam_rejected`` (temporary)
ok_spam_folder                         ``spam_folder`` (the person complained)
ok_delivered                           ``available`` again, when it was only temporarily not
====================================  ======================================================
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ._call import Event
from ._state import Contact, Membership
from ._webhooks import status_group

AVAILABILITY = {
    "err_user_unknown": "unreachable",
    "err_domain_inactive": "unreachable",
    "err_mailbox_full": "mailbox_full",
    "err_will_retry": "temp_unreachable",
    "err_giveup": "temp_unreachable",
    "err_spam_rejected": "spam_rejected",
    "ok_spam_folder": "spam_folder",
}
#: Availabilities a delivered letter clears: they said nothing lasting about the address.
TEMPORARY = frozenset({"temp_unreachable", "mailbox_full", "spam_rejected"})
#: Contact statuses that keep a person from being mailed whatever their lists say.
NOT_MAILABLE = frozenset({"unsubscribed", "blocked"})


def apply_letter_status(contact: Contact, status: str, at: datetime) -> None:
    """A letter to `contact` reached `status` at `at`: its ``last_*`` times and availability.

    Unsubscriptions are not handled here: they concern a list (`unsubscribe_from`).
    """
    if status == "ok_sent":
        contact.last_send_at = at
    elif status == "ok_delivered":
        contact.last_delivery_at = at
        if contact.email_availability in TEMPORARY:
            contact.email_availability = "available"
    elif status == "ok_read":
        contact.last_read_at = at
    elif status == "ok_link_visited":
        contact.last_click_at = at
        contact.last_read_at = contact.last_read_at or at
    elif status in AVAILABILITY:
        contact.email_availability = AVAILABILITY[status]


def unsubscribe_from(contact: Contact, list_ids: list[int]) -> list[int]:
    """Mark the contact's memberships in these lists unsubscribed; the ids that changed."""
    changed = []
    for lid in list_ids:
        member = contact.email_lists.get(lid)
        if member is not None and member.status != "unsubscribed":
            member.status = "unsubscribed"
            changed.append(lid)
    return changed


def resubscribe(contact: Contact, list_ids: list[int], at: datetime) -> list[int]:
    """The person's own consent (a confirmation link): active in these lists again, the contact
    mailable again; the ids whose membership became active.

    The one way back from ``unsubscribed`` (§5.2: the API cannot restore it, the person can).
    """
    changed = []
    for lid in list_ids:
        old = contact.email_lists.get(lid)
        if old is not None and old.status == "active":
            continue
        contact.email_lists[lid] = Membership("active", old.added_at if old else at, at)
        changed.append(lid)
    contact.email_status = "active"
    return changed


def email_status_event(
    login: str, email: str, status: str, at: datetime, campaign_id: int | None
) -> Event:
    """An ``email_status`` event; a letter outside campaigns carries no ``campaign_id``."""
    data: dict[str, Any] = {"email": email, "status": status, "status_group": status_group(status)}
    if campaign_id is not None:
        data["campaign_id"] = campaign_id
    return Event(login, "email_status", at, data)


def unsubscribe_event(login: str, email: str, list_ids: list[int], at: datetime) -> Event:
    """An ``unsubscribe`` event; no list ids means every list."""
    return Event(login, "unsubscribe", at, {"email": email, "unsubscribed_list_ids": list_ids})


def subscribe_event(login: str, email: str, list_ids: list[int], at: datetime) -> Event:
    """A ``subscribe`` event for the lists the person joined."""
    return Event(login, "subscribe", at, {"email": email, "subscribed_list_ids": list_ids})
