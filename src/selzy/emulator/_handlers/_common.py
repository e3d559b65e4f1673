"""Validation and lookups shared by the method handlers."""

from __future__ import annotations

import re

from .._call import Call
from .._errors import InvalidArg, Unspecified, not_found
from .._state import Account, Contact, MailList, Membership, Message, Sender

EMAIL_RE = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)
PHONE_RE = re.compile(r"\+?[0-9]{7,15}")

#: Role-based local parts the import's anti-spam check refuses (§5.2: info@, sales@, no-reply@,
#: all@ are documented; the rest is the emulator's list).
ROLE_LOCAL_PARTS = frozenset(
    {
        "info",
        "sales",
        "no-reply",
        "noreply",
        "do-not-reply",
        "donotreply",
        "all",
        "admin",
        "administrator",
        "postmaster",
        "abuse",
        "webmaster",
        "hostmaster",
        "support",
        "office",
        "billing",
        "marketing",
        "mailer-daemon",
    }
)

#: Free-mail domains whose DMARC policy forbids third-party sending (validateSender, §5.8).
DMARC_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "aol.com",
        "icloud.com",
        "mail.ru",
        "yandex.ru",
    }
)


def valid_email(value: str) -> bool:
    """A syntactically valid address."""
    return EMAIL_RE.fullmatch(value) is not None


def is_role(address: str) -> bool:
    """True for role addresses such as info@ or no-reply@."""
    return address.partition("@")[0].lower() in ROLE_LOCAL_PARTS


def norm_phone(value: str) -> str:
    """Digits only, the key phones are indexed by."""
    return value.strip().lstrip("+")


def req_email(call: Call, name: str) -> str:
    """A required, syntactically valid email argument."""
    value = call.params.req_text(name).strip()
    if not valid_email(value):
        raise InvalidArg(f"{name}: {value!r} is not a valid email address")
    return value


def get_list(account: Account, list_id: int, *, as_argument: bool = False) -> MailList:
    """The list, or the documented refusal (invalid_arg when it is an argument of a create)."""
    lst = account.lists.get(list_id)
    if lst is None:
        if as_argument:
            raise InvalidArg(f"invalid list_id: list {list_id} does not exist")
        raise not_found("List", list_id)
    return lst


def get_message(account: Account, message_id: int) -> Message:
    """The message or `unspecified` not found."""
    msg = account.messages.get(message_id)
    if msg is None:
        raise not_found("Message", message_id)
    return msg


def contact_by_email(account: Account, email: str) -> Contact:
    """The contact with this address, or the documented ``Contact "x" not found``."""
    contact = account.by_email.get(email.strip().lower())
    if contact is None:
        raise Unspecified(f'Contact "{email}" not found')
    return contact


def checked_sender(account: Account, email: str, name: str = "sender_email") -> Sender:
    """A confirmed sender address; unconfirmed ones are refused with invalid_arg."""
    sender = account.senders.get(email.strip().lower())
    if sender is None or not sender.is_checked:
        raise InvalidArg(
            f'{name}: "{email}" is not a confirmed sender address; call validateSender and '
            "open the link in the confirmation letter first"
        )
    return sender


def sender_name(call: Call) -> str:
    """The required sender_name, which must not be an email address (§5.4)."""
    value = call.params.req_text("sender_name")
    if "@" in value:
        raise InvalidArg("sender_name: must be a name, not an email address")
    return value


def leave_list(channel: dict[int, Membership], list_id: int) -> None:
    """Take a contact out of a list (exclude, importContacts' ``*_excluded_list_ids``).

    An unsubscribed membership stays: it is the list's record of the person's choice, so no later
    import or subscribe re-activates it (the conservative reading where the API is silent).
    """
    membership = channel.get(list_id)
    if membership is not None and membership.status != "unsubscribed":
        del channel[list_id]
