"""Seeding accounts with known keys, and what following a confirmation link does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from selzy.protocol import FIELD_TYPES

from ._effects import resubscribe, subscribe_event
from ._state import Account, MailList, Sender, State, UserField
from ._webhooks import Delivery, deliveries_for


@dataclass(frozen=True, slots=True)
class AccountSeed:
    """An account to seed; its defaults are the only ones.

    `Emulator.seed_account` reads its defaults from `SEED_DEFAULTS`; ``POST /_emulator/seed``,
    `selzy.testing` and ``selzy emulator serve --api-key`` pass only what they are given, so
    none of them can drift from these.
    """

    api_key: str = "test-api-key"
    #: None: ``ID<user id>``, as the service names accounts.
    login: str | None = None
    email: str = "owner@example.com"
    lists: tuple[str, ...] = ("Newsletter",)
    #: Name -> type; read-only, as the default is shared by every seed.
    fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({"Name": "string"}))
    #: Confirmed sender addresses, ready for createEmailMessage.
    senders: tuple[str, ...] = ("news@example.com",)
    reseller: bool = False
    balance: float = 100.0
    timezone: str = "UTC"


#: What a seed holds when not told otherwise.
SEED_DEFAULTS = AccountSeed()


@dataclass(frozen=True, slots=True)
class SeededAccount:
    """What `Emulator.seed_account` created: the key and the ids tests need."""

    api_key: str
    login: str
    email: str
    list_ids: dict[str, int] = field(default_factory=dict)
    field_ids: dict[str, int] = field(default_factory=dict)
    senders: tuple[str, ...] = ()


def seed_account(state: State, now: datetime, seed: AccountSeed) -> SeededAccount:
    """Create an account directly in state (replacing one with the same key or login)."""
    api_key = seed.api_key
    if not api_key:
        raise ValueError("api_key must not be empty")
    for name, ftype in seed.fields.items():
        if ftype not in FIELD_TYPES:
            raise ValueError(f"field {name!r}: type must be one of {FIELD_TYPES}")
    user_id = state.next_id("account")
    login = seed.login or f"ID{user_id}"
    old = state.accounts.pop(api_key, None)
    if old is not None:
        state.by_login.pop(old.login, None)
    other = state.by_login.pop(login, None)
    if other is not None:
        state.accounts.pop(other.key, None)
    account = state.add_account(
        Account(
            key=api_key,
            login=login,
            email=seed.email,
            created=now,
            reseller=seed.reseller,
            balance=seed.balance,
            timezone=seed.timezone,
        )
    )
    for title in seed.lists:
        lst = MailList(id=state.next_id("list"), title=title, created=now)
        account.lists[lst.id] = lst
    for pos, (name, ftype) in enumerate(seed.fields.items(), start=1):
        ufield = UserField(state.next_id("field"), name, ftype, name, view_pos=pos)
        account.fields[ufield.id] = ufield
    for address in seed.senders:
        account.senders[address.lower()] = Sender(address, "", True, now, now)
    return SeededAccount(
        api_key=api_key,
        login=login,
        email=seed.email,
        list_ids={lst.title: lst.id for lst in account.lists.values()},
        field_ids={f.name: f.id for f in account.fields.values()},
        senders=seed.senders,
    )


def apply_token(state: State, token: str, now: datetime) -> tuple[list[Delivery], str]:
    """Follow a confirmation link; returns webhook deliveries and a sentence for the page."""
    entry = state.tokens.get(token)
    if entry is None:
        raise KeyError("unknown or expired confirmation link")
    purpose, login, ref = entry
    account = state.by_login.get(login)
    if account is None:
        raise KeyError("the account of this link no longer exists")
    if purpose == "sender":
        sender = account.senders.get(ref)
        if sender is None:
            raise KeyError("the sender address is no longer pending")
        sender.is_checked = True
        sender.confirmed_at = now
        domain = ref.rpartition("@")[2]
        if domain in account.domains:
            account.domains[domain].status = "active"
        return [], f"The sender address {sender.email} is confirmed."
    if purpose == "register":
        return [], f"The registration of {account.email} is confirmed."
    if purpose == "subscription":
        contact_text, _, ids_text = ref.partition(":")
        contact = account.contacts.get(int(contact_text))
        if contact is None:
            raise KeyError("the contact no longer exists")
        list_ids = [int(i) for i in ids_text.split(",") if int(i) in account.lists]
        joined = resubscribe(contact, list_ids, now)
        if not joined or not contact.email:
            return [], f"{contact.email} is subscribed already."
        event = subscribe_event(login, contact.email, joined, now)
        return deliveries_for(account, [event], now), f"{contact.email} is subscribed."
    raise KeyError(f"unknown link purpose {purpose!r}")
