"""Results of the account, sender, reseller, webhook and note methods (§5.8, §5.10, §6)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .._model import Model, api_name


@dataclass(frozen=True, slots=True, kw_only=True)
class Registered(Model):
    """register: the new account's API key (kept out of the repr) and id.

    Save ``api_key`` for the account's later calls. The answer's full shape is UNCONFIRMED:
    ``user_id`` is sent by the emulator but perhaps not by the real API, and ``api_key`` is None
    should an answer lack it (e.g. while the registration awaits email confirmation).
    """

    api_key: str | None = field(default=None, repr=False)
    user_id: int | None = None
    warnings: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class UserExists(Model):
    """checkUserExists: whether the login and/or the email are taken."""

    login_exists: bool | None = None
    email_exists: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class UserService(Model):
    """getUserInfo: one paid service of the account."""

    id: int | None = None
    tariff: Any = None
    paid_until: str | None = field(default=None, metadata=api_name("paidUntil"))
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class UserInfo(Model):
    """getUserInfo, getUsers: an account, its balance and its plan.

    ``balance`` includes the bonus part and may be negative; ``master`` is the main user's
    login for a sub-user, else empty.
    """

    login: str = ""
    email: str | None = None
    firstname: str | None = None
    middlename: str | None = None
    lastname: str | None = None
    phone: str | None = None
    company: str | None = None
    channel: str | None = None
    timezone: str | None = None
    master: str | None = None
    reg_time: dt.datetime | None = None
    balance: float | None = None
    balance_bonus: float | None = None
    currency: str | None = None
    emails_paid: int | None = None
    emails_used: int | None = None
    period_emails_paid: int | None = None
    period_emails_used: int | None = None
    email_period_start: dt.datetime | None = None
    email_period_end: dt.datetime | None = None
    tariff_id: int | None = None
    next_tariff_id: int | None = None
    services: tuple[UserService, ...] = ()
    is_active: bool | None = None
    reg_ref: str | None = None
    reg_url: str | None = None
    api_mode: str | None = None
    subscribers_total: int | None = None
    subscribers_used: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class MoneyTransfer(Model):
    """transferMoney: both balances before and after (shape from one old library)."""

    source_old_balance: float | None = None
    source_new_balance: float | None = None
    source_currency: str | None = None
    target_old_balance: float | None = None
    target_new_balance: float | None = None
    target_currency: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Payment(Model):
    """getPayments: one payment (shape UNCONFIRMED: everything but ``id`` is in ``extra``)."""

    id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Tariff(Model):
    """getTariffs: one tariff (shape UNCONFIRMED: everything but ``id`` is in ``extra``)."""

    id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class SenderValidation(Model):
    """validateSender: the server's note that a confirmation letter went out."""

    message: str = ""
    warnings: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckedEmail(Model):
    """getCheckedEmail: a sender address and whether it is confirmed."""

    email: str
    name: str | None = None
    is_checked: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class SenderDomain(Model):
    """setSenderDomain: the DKIM public key to publish in the domain's DNS."""

    dkim: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class SenderDomainInfo(Model):
    """getSenderDomainList: one domain (the API capitalises the keys: Domain, Status, Key)."""

    domain: str = ""
    status: str | None = None
    key: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class SenderDomainList(Model):
    """getSenderDomainList: the account's sender domains."""

    status: str | None = None
    domains: tuple[SenderDomainInfo, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class CurrencyRate(Model):
    """getCurrencyRates: one currency; the amounts are decimal strings, kept exact."""

    id: int
    code: str = ""
    rate_to_usd: str | None = None
    min_payment_sum: str | None = None
    is_visible: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Hook(Model):
    """setHook, listHooks: a webhook handler's settings (shape UNCONFIRMED)."""

    hook_url: str = ""
    status: str | None = None
    event_format: str | None = None
    events: Any = None
    single_event: bool | None = None
    max_parallel: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscriberNote(Model):
    """A note on a contact (getSubscriberNote(s), createSubscriberNote: shapes UNCONFIRMED)."""

    id: int | None = None
    content: str | None = None
    is_pinned: bool | None = None
    created_at: str | None = None
    updated_at: str | None = None
    warnings: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
