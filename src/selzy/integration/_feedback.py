"""What Selzy learns about a contact, in one vocabulary whatever told it.

Three sources report it: webhook events (``unsubscribe``, ``subscribe``, ``email_status``), the
per-address delivery report (getCampaignDeliveryStats' ``send_result``) and the contact export
(exportContacts' ``email_status``, ``email_availability`` and list columns). Each is read here
into :class:`Feedback` of one :data:`FeedbackKind`, so a host applies one rule per kind however
it heard of it (a webhook, or the reconciliation that repairs a missed one).

Bounces are kept apart on purpose: a *hard* bounce (the address does not exist, the domain is
gone) means the address is undeliverable; a *soft* one (a full mailbox, a greylisting retry, a
letter too large) says nothing lasting about the address and must never disable it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

FeedbackKind = Literal[
    "sent",
    "delivered",
    "opened",
    "clicked",
    "unsubscribed",
    "subscribed",
    "soft_bounce",
    "hard_bounce",
    "complaint",
]
FEEDBACK_KINDS: tuple[FeedbackKind, ...] = get_args(FeedbackKind)

#: Kinds that change whether the address may be written to (the rest are engagement).
STATUS_KINDS: frozenset[FeedbackKind] = frozenset(
    {"unsubscribed", "subscribed", "hard_bounce", "complaint"}
)

#: Where a piece of feedback came from.
Origin = Literal["webhook", "delivery_stats", "reconciliation"]

# checkEmail's status vocabulary (REFERENCE.md §5.5) read as feedback. ``ok_spam_folder`` is
# what getCampaignCommonStats counts as ``spam`` and ``ok_fbl`` a feedback-loop report: both
# are the recipient calling the letter spam, a complaint.
_DELIVERY: dict[str, FeedbackKind] = {
    "ok_sent": "sent",
    "ok_delivered": "delivered",
    "ok_read": "opened",
    "ok_link_visited": "clicked",
    "ok_unsubscribed": "unsubscribed",
    "ok_spam_folder": "complaint",
    "ok_fbl": "complaint",
}
#: The address itself is bad: it does not exist, is closed, or its domain cannot take mail.
HARD_BOUNCES = frozenset(
    {
        "err_user_unknown",
        "err_user_inactive",
        "err_mailbox_discarded",
        "err_no_dns",
        "err_domain_inactive",
        "err_destination_misconfigured",
        "err_dest_invalid",
        "err_unreachable",
        "err_blacklisted",
    }
)
#: The letter did not arrive this time; nothing lasting is known about the address.
SOFT_BOUNCES = frozenset(
    {
        "err_will_retry",
        "err_resend",
        "err_mailbox_full",
        "err_no_smtp",
        "err_spam_rejected",
        "err_spam_removed",
        "err_spam_may_retry",
        "err_too_large",
        "err_giveup",
        "err_delivery_failed",
        "err_over_quota",
        "err_not_available",
        "err_internal",
        "err_lost",
    }
)
# Not sent at all (err_skip_letter, err_unsubscribed, err_not_allowed, err_src_invalid...):
# nothing happened to the address, so no feedback.

#: exportContacts' ``email_availability`` values that mean a hard bounce; ``mailbox_full``,
#: ``temp_unreachable`` and ``spam_rejected`` clear by themselves (REFERENCE.md §4).
UNREACHABLE_AVAILABILITY = frozenset({"unreachable"})
#: ``email_availability`` after the recipient put a letter in the spam folder: a complaint.
COMPLAINED_AVAILABILITY = frozenset({"spam_folder"})
#: Contact-level ``email_status`` values of an address that may be written to: a new one (the
#: status an import gives) or a confirmed one. ``invited`` and ``activation_requested`` wait for
#: a confirmation, ``inactive`` and ``blocked`` may not be written to.
SUBSCRIBED_STATUSES = frozenset({"new", "active"})


@dataclass(frozen=True, slots=True)
class Feedback:
    """One thing Selzy learned about an address, when it happened and how we heard."""

    kind: FeedbackKind
    email: str
    time: dt.datetime
    origin: Origin
    campaign_id: int | None = None
    #: Selzy's own word for it (``err_mailbox_full``, ``unsubscribed``...), for the record.
    status: str = ""
    #: The lists it concerns (an unsubscription from some lists only), when Selzy said.
    list_ids: tuple[int, ...] = ()

    def concerns(self, list_id: int | None) -> bool:
        """True unless Selzy named the lists and ``list_id`` is not among them."""
        return not self.list_ids or list_id is None or list_id in self.list_ids


def delivery_feedback(status: str) -> FeedbackKind | None:
    """The kind of a checkEmail / ``email_status`` / ``send_result`` status; None for statuses
    that say nothing happened to the address (not sent, skipped, unknown)."""
    status = status.strip().lower()
    if status in _DELIVERY:
        return _DELIVERY[status]
    if status in HARD_BOUNCES:
        return "hard_bounce"
    if status in SOFT_BOUNCES:
        return "soft_bounce"
    return None


def is_hard_bounce(status: str) -> bool:
    """True for a delivery status that makes the address undeliverable."""
    return status.strip().lower() in HARD_BOUNCES


@dataclass(frozen=True, slots=True)
class ExportedStatus:
    """One contact's standing in a list as exportContacts reports it."""

    email: str
    #: ``active``, ``unsubscribed`` (from the whole account), ``blocked``, ``inactive``...
    email_status: str
    availability: str
    in_list: bool
    unsubscribed_from_list: bool

    @property
    def unsubscribed(self) -> bool:
        """The person left the list, or every list of the account."""
        return self.unsubscribed_from_list or self.email_status == "unsubscribed"

    @property
    def subscribed(self) -> bool:
        """In the list, not unsubscribed from it nor from the account, and writable."""
        return self.in_list and not self.unsubscribed and self.email_status in SUBSCRIBED_STATUSES

    @property
    def undeliverable(self) -> bool:
        """The address bounced hard."""
        return self.availability in UNREACHABLE_AVAILABILITY

    @property
    def complained(self) -> bool:
        """The recipient marked a letter as spam."""
        return self.availability in COMPLAINED_AVAILABILITY


#: The columns :func:`exported_status` reads, to ask exportContacts for.
EXPORT_FIELDS = (
    "email",
    "email_status",
    "email_availability",
    "email_list_ids",
    "email_unsubscribed_list_ids",
)


def exported_status(row: Mapping[str, str], list_id: int) -> ExportedStatus | None:
    """An export row (by column name) read for ``list_id``; None for a row without an email
    (a phone-only contact). Unknown list ids and stray spaces are tolerated."""
    email = (row.get("email") or "").strip().lower()
    if not email:
        return None
    return ExportedStatus(
        email=email,
        email_status=(row.get("email_status") or "").strip().lower(),
        availability=(row.get("email_availability") or "").strip().lower(),
        in_list=list_id in _ids(row.get("email_list_ids")),
        unsubscribed_from_list=list_id in _ids(row.get("email_unsubscribed_list_ids")),
    )


def _ids(cell: str | None) -> set[int]:
    return {int(part) for part in (cell or "").split(",") if part.strip().isdigit()}
