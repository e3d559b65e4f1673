"""§5.8 Sender addresses and sender domains."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from .._call import Call, api
from .._errors import AccessDenied, InvalidArg, Uncoded, missing
from .._mail import confirmation_letter
from .._state import Account, Sender, SenderDomain
from ._common import DMARC_DOMAINS, req_email


def own_account(call: Call, name: str, *, required: bool = True) -> Account:
    """The account named by a `login`/`username` argument: the caller's, or a reseller's user."""
    login = call.params.text(name)
    if login is None or login.strip() == "":
        if required:
            raise missing(name)
        return call.account
    account = call.state.by_login.get(login.strip())
    if account is None:
        raise InvalidArg(f"{name}: no account with login {login!r}")
    if account is not call.account and account.parent_login != call.account.login:
        raise AccessDenied(f"{name}: {login!r} is not your account or one of your users")
    return account


@api("validateSender")
def validate_sender(call: Call) -> dict[str, Any]:
    """Mail a confirmation link to the address; the link makes it a usable sender_email."""
    email = req_email(call, "email")
    domain = email.rpartition("@")[2].lower()
    if domain in DMARC_DOMAINS:
        raise InvalidArg(
            f"SZ151225-04 [You cannot send mailings from: {email}. DMARC policy of {domain} "
            "forbids sending from its addresses through third-party services]"
        )
    account = own_account(call, "login", required=False)
    key = email.lower()
    sender = account.senders.get(key)
    if sender is None:
        sender = Sender(email=email, name="", is_checked=False, requested_at=call.now)
        account.senders[key] = sender
    confirmation_letter(
        call.state,
        base_url=call.base_url,
        login=account.login,
        purpose="sender",
        subject_ref=key,
        to=email,
        now=call.now,
    )
    return {"message": "Confirmation letter was sent"}


@api("getCheckedEmail")
def get_checked_email(call: Call) -> list[dict[str, Any]]:
    """Sender addresses of the account and whether each is confirmed."""
    account = own_account(call, "login")
    wanted = (call.params.text("email") or "").strip().lower()
    return [
        {"email": s.email, "name": s.name, "is_checked": s.is_checked}
        for key, s in account.senders.items()
        if not wanted or key == wanted
    ]


def dkim_for(domain: str) -> str:
    """A stable fake DKIM record for a domain."""
    digest = hashlib.sha256(domain.encode()).digest() * 4
    return "v=DKIM1; k=rsa; p=" + base64.b64encode(digest).decode()


@api("setSenderDomain")
def set_sender_domain(call: Call) -> dict[str, Any]:
    """Register a sender domain; its documented errors carry no ``code`` (§5.8)."""
    domain = call.params.req_text("domain").strip().lower()
    if "://" in domain or "/" in domain or "." not in domain:
        raise Uncoded("OB20150818-06 [Couldn't register domain]")
    account = own_account(call, "username")
    if domain in account.domains:
        raise Uncoded("OB20150818-02 [Domain already exists]")
    record = SenderDomain(domain=domain, dkim=dkim_for(domain))
    if any(
        s.is_checked and s.email.lower().endswith("@" + domain) for s in account.senders.values()
    ):
        record.status = "active"
    account.domains[domain] = record
    return {"dkim": record.dkim}


@api("getSenderDomainList")
def get_sender_domain_list(call: Call) -> dict[str, Any]:
    """Sender domains with their status and DKIM key (capitalised keys, §5.8)."""
    account = own_account(call, "username")
    wanted = (call.params.text("domain") or "").strip().lower()
    limit = call.params.integer("limit", 50, lo=1, hi=100) or 50
    offset = call.params.integer("offset", 0, lo=0) or 0
    rows = [d for d in account.domains.values() if not wanted or d.domain == wanted]
    return {
        "status": "success",
        "domains": [
            {"Domain": d.domain, "Status": d.status, "Key": d.dkim}
            for d in rows[offset : offset + limit]
        ],
    }
