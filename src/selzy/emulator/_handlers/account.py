"""§5.8 Account and reseller methods, and the currency rates."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .._call import Call, api
from .._errors import AccessDenied, InvalidArg, LimitForIp, NotEnoughMoney
from .._mail import confirmation_letter, fmt, send_letter
from .._state import Account
from ._common import req_email
from .senders import own_account

TARIFFS = [
    {"id": 1, "name": "Free", "emails": 1500, "subscribers": 100, "price": 0.0},
    {"id": 2, "name": "Lite", "emails": 15000, "subscribers": 1500, "price": 8.0},
    {"id": 3, "name": "Standard", "emails": 100000, "subscribers": 10000, "price": 49.0},
]
CURRENCY_RATES = [
    {
        "id": 1,
        "code": "USD",
        "rate_to_usd": "1.0000",
        "min_payment_sum": "10.00",
        "is_visible": True,
    },
    {
        "id": 2,
        "code": "EUR",
        "rate_to_usd": "1.0800",
        "min_payment_sum": "10.00",
        "is_visible": True,
    },
    {
        "id": 3,
        "code": "UAH",
        "rate_to_usd": "0.0240",
        "min_payment_sum": "400.00",
        "is_visible": True,
    },
    {
        "id": 4,
        "code": "KZT",
        "rate_to_usd": "0.0021",
        "min_payment_sum": "5000.00",
        "is_visible": True,
    },
    {
        "id": 5,
        "code": "BRL",
        "rate_to_usd": "0.2000",
        "min_payment_sum": "50.00",
        "is_visible": True,
    },
]


def user_info(account: Account) -> dict[str, Any]:
    """The getUserInfo object."""
    used = sum(len(c.recipients) for c in account.campaigns.values())
    return {
        "login": account.login,
        "email": account.email,
        "firstname": account.firstname,
        "middlename": "",
        "lastname": "",
        "reg_time": fmt(account.created),
        "phone": "",
        "company": "",
        "channel": "",
        "timezone": account.timezone,
        "master": "",
        "balance": round(account.balance, 2),
        "balance_bonus": 0,
        "currency": account.currency,
        "emails_paid": 1500,
        "emails_used": used,
        "period_emails_paid": 1500,
        "period_emails_used": used,
        "email_period_start": fmt(account.created),
        "email_period_end": fmt(account.created + timedelta(days=30)),
        "tariff_id": 1,
        "next_tariff_id": 1,
        "services": [],
        "is_active": 1,
        "reg_ref": account.parent_login,
        "reg_url": "",
        "api_mode": "on",
        "subscribers_total": 100,
        "subscribers_used": len(account.contacts),
    }


def _reseller(call: Call) -> Account:
    if not call.account.reseller:
        raise AccessDenied(f"{call.method} is available to resellers only")
    return call.account


@api("register")
def register(call: Call) -> dict[str, Any]:
    """Create an account and return its key; one per minute per IP for non-resellers (§5.8)."""
    caller = call.account_or_none
    reseller = caller is not None and caller.reseller
    email = req_email(call, "email")
    need_confirm = call.params.flag("need_confirm")
    if not need_confirm and not reseller:
        raise AccessDenied(
            "need_confirm=0 is allowed for resellers only; pass need_confirm=1 so the new user "
            "confirms the address"
        )
    if not reseller and call.limits:
        last = call.state.register_times.get(call.ip)
        if last is not None and call.now - last < timedelta(minutes=1):
            raise LimitForIp("register: one registration per minute from the same IP address")
    if any(a.email.lower() == email.lower() for a in call.state.accounts.values()):
        raise InvalidArg(f"email: {email} is already registered")
    login = (call.params.text("login") or "").strip()
    if login and login in call.state.by_login:
        raise InvalidArg(f"login: {login!r} is taken")
    timezone = (call.params.text("timezone") or "UTC").strip() or "UTC"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        call.warnings.append(f"unknown timezone {timezone!r}; UTC is used")
        timezone = "UTC"
    user_id = call.state.next_id("account")
    extra = call.params.mapping("extra")
    firstname = extra.get("firstname")
    account = call.state.add_account(
        Account(
            key=call.state.token("api_key")[:40],
            login=login or f"ID{user_id}",
            email=email,
            created=call.now,
            password=call.params.text("password") or call.state.token("password")[:12],
            parent_login=caller.login if reseller and caller is not None else "",
            timezone=timezone,
            firstname=firstname if isinstance(firstname, str) else "",
        )
    )
    call.state.register_times[call.ip] = call.now
    if need_confirm:
        confirmation_letter(
            call.state,
            base_url=call.base_url,
            login=account.login,
            purpose="register",
            subject_ref=account.login,
            to=email,
            now=call.now,
        )
    if call.params.flag("notify"):
        send_letter(
            call.state,
            login=account.login,
            kind="welcome",
            to=email,
            sender="Selzy <noreply@selzy.example>",
            subject="Welcome to Selzy",
            html_body=f"<p>Your login: {account.login}</p><p>Your password: {account.password}</p>",
            now=call.now,
        )
    return {"api_key": account.key, "user_id": user_id, "login": account.login}


@api("checkUserExists")
def check_user_exists(call: Call) -> dict[str, Any]:
    """Whether a login or an email is taken."""
    login = (call.params.text("login") or "").strip()
    email = (call.params.text("email") or "").strip().lower()
    if not login and not email:
        raise InvalidArg("login or email: one of them is required")
    return {
        "login_exists": int(bool(login) and login in call.state.by_login),
        "email_exists": int(
            bool(email) and any(a.email.lower() == email for a in call.state.accounts.values())
        ),
    }


@api("getUserInfo")
def get_user_info(call: Call) -> dict[str, Any]:
    """The caller's account (a reseller may name one of its users by login)."""
    if call.account.reseller and call.params.has("login"):
        return user_info(own_account(call, "login"))
    return user_info(call.account)


@api("getUsers")
def get_users(call: Call) -> list[dict[str, Any]]:
    """A reseller's users, by registration time."""
    reseller = _reseller(call)
    after = call.params.time("registered_after")
    before = call.params.time("registered_before")
    return [
        user_info(a)
        for a in call.state.accounts.values()
        if a.parent_login == reseller.login
        and (after is None or a.created >= after)
        and (before is None or a.created <= before)
    ]


@api("transferMoney")
def transfer_money(call: Call) -> dict[str, Any]:
    """Move balance between a reseller and its users."""
    _reseller(call)
    source = own_account(call, "source_login")
    target = own_account(call, "target_login")
    text = call.params.req_text("sum")
    try:
        amount = float(text)
    except ValueError:
        raise InvalidArg(f"sum: {text!r} is not a number") from None
    if amount <= 0:
        raise InvalidArg("sum: must be positive")
    if source.balance < amount:
        raise NotEnoughMoney(f"the balance of {source.login} is below {amount:.2f}")
    before = (source.balance, target.balance)
    source.balance -= amount
    target.balance += amount
    return {
        "source_old_balance": round(before[0], 2),
        "source_new_balance": round(source.balance, 2),
        "source_currency": source.currency,
        "target_old_balance": round(before[1], 2),
        "target_new_balance": round(target.balance, 2),
        "target_currency": target.currency,
    }


@api("getPayments")
def get_payments(call: Call) -> list[Any]:
    """Payments (the emulator records none)."""
    own_account(call, "login", required=False)
    return []


@api("getTariffs")
def get_tariffs(call: Call) -> list[dict[str, Any]]:
    """The tariff catalogue (the emulator's invention)."""
    return [dict(t) for t in TARIFFS]


@api("changeTariff")
def change_tariff(call: Call) -> dict[str, Any]:
    """Change a user's tariff (reseller only)."""
    _reseller(call)
    account = own_account(call, "login")
    tariff_id = call.params.req_int("tariff_id")
    if tariff_id not in {t["id"] for t in TARIFFS}:
        raise InvalidArg(f"tariff_id: no tariff {tariff_id}")
    return {"login": account.login, "tariff_id": tariff_id}


@api("getCurrencyRates")
def get_currency_rates(call: Call) -> list[dict[str, Any]]:
    """Fixed currency rates."""
    return [dict(r) for r in CURRENCY_RATES]
