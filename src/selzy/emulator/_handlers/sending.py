"""§5.4 Sending: single emails, SMS, test emails, opt-in letters, web versions."""

from __future__ import annotations

import re
import zlib
from datetime import timedelta
from typing import Any

from selzy.protocol import (
    MAX_CHECK_EMAIL_IDS,
    MAX_SEND_EMAIL_BYTES,
    MAX_SMS_PHONES,
    MAX_SMS_TEXT_CHARS,
    MAX_TEST_EMAIL_RECIPIENTS,
)

from .._call import Call, api
from .._errors import DestInvalid, InvalidArg, NotEnoughMoney, SrcInvalid, Unspecified, missing
from .._mail import send_letter
from .._state import DirectEmail, OptInLetter, Sms
from ._common import PHONE_RE, checked_sender, get_list, get_message, sender_name, valid_email
from .campaigns import get_campaign
from .messages import attachments_of

_NAMED = re.compile(r"\s*(?:(?P<name>[^<]*?)\s*<(?P<addr>[^>]+)>|(?P<bare>\S+))\s*")
_SMS_SENDER = re.compile(r"[A-Za-z0-9 .\-]{3,11}")
#: sendSms price per number, in USD (the emulator's choice).
SMS_PRICE = 0.05


def _recipient(value: str) -> str:
    match = _NAMED.fullmatch(value)
    addr = (match.group("addr") or match.group("bare")) if match else ""
    if not addr or not valid_email(addr.strip()):
        raise InvalidArg(f"email: {value!r} is not a valid recipient")
    return addr.strip()


@api("sendEmail")
def send_email(call: Call) -> dict[str, Any]:
    """One individual letter; its status goes ok_sent -> ok_delivered after a few seconds."""
    account = call.account
    raw_to = call.params.req_text("email")
    to = _recipient(raw_to)
    name = sender_name(call)
    sender = checked_sender(account, call.params.req_text("sender_email"))
    subject = call.params.req_text("subject")
    body = call.params.req_text("body")
    get_list(account, call.params.req_int("list_id"), as_argument=True)
    attachments = attachments_of(call)
    size = len(body.encode()) + sum(len(a.content) for a in attachments)
    if size > MAX_SEND_EMAIL_BYTES:
        raise InvalidArg(f"the message is {size} bytes; sendEmail takes at most 1 MB")
    email_id = call.state.next_id("email")
    final = "err_user_unknown" if "+bounce" in to.partition("@")[0] else "ok_delivered"
    account.emails[email_id] = DirectEmail(
        email_id, to, [(call.now, "ok_sent"), (call.now + timedelta(seconds=5), final)]
    )
    html = body.replace("{{UnsubscribeUrl}}", call.link("/_emulator/unsubscribed"))
    for address in [raw_to, call.params.text("cc") or ""]:
        if address.strip():
            send_letter(
                call.state,
                login=account.login,
                kind="email",
                to=address.strip(),
                sender=f"{name} <{sender.email}>",
                subject=subject,
                html_body=html,
                now=call.now,
                attachments=attachments,
            )
    return {"email_id": email_id}


@api("checkEmail")
def check_email(call: Call) -> dict[str, Any]:
    """Statuses of sendEmail letters; a single id also gets a top-level status (§5.4)."""
    ids = call.params.int_csv("email_id")
    if not ids:
        raise missing("email_id")
    if len(ids) > MAX_CHECK_EMAIL_IDS:
        raise InvalidArg(f"email_id: at most {MAX_CHECK_EMAIL_IDS} ids per call")
    statuses = []
    for email_id in ids:
        record = call.account.emails.get(email_id)
        if record is None:
            raise InvalidArg(f"email_id: no letter {email_id}")
        status = "not_sent"
        for when, st in record.statuses:
            if when <= call.now:
                status = st
        statuses.append({"id": email_id, "status": status})
    result: dict[str, Any] = {"statuses": statuses}
    if len(statuses) == 1:
        result["status"] = statuses[0]["status"]
    return result


@api("sendSms")
def send_sms(call: Call) -> Any:
    """Texts to up to MAX_SMS_PHONES numbers; one number answers an object, several an array."""
    phones = call.params.csv("phone")
    if not phones:
        raise missing("phone")
    if len(phones) > MAX_SMS_PHONES:
        raise InvalidArg(f"phone: at most {MAX_SMS_PHONES} numbers per call")
    sender = call.params.req_text("sender")
    if not _SMS_SENDER.fullmatch(sender):
        raise SrcInvalid(f"sender: {sender!r} is not a registered sender name")
    text = call.params.req_text("text")
    if len(text) > MAX_SMS_TEXT_CHARS:
        raise InvalidArg(f"text: at most {MAX_SMS_TEXT_CHARS} characters")
    for phone in phones:
        if PHONE_RE.fullmatch(phone) is None:
            raise DestInvalid(f"phone: {phone!r} is not a valid number")
    cost = SMS_PRICE * len(phones)
    if call.account.balance < cost:
        raise NotEnoughMoney(f"sending costs {cost:.2f} USD, the balance is lower")
    call.account.balance -= cost
    out = []
    for phone in phones:
        sms_id = f"{call.state.next_id('sms')}.{zlib.crc32(phone.encode()) % 10**8:08d}"
        call.account.sms[sms_id] = Sms(sms_id, phone, call.now)
        out.append({"currency": "USD", "price": SMS_PRICE, "sms_id": sms_id})
    return out[0] if len(out) == 1 else out


@api("checkSms")
def check_sms(call: Call) -> dict[str, Any]:
    """Status of one SMS."""
    sms_id = call.params.req_text("sms_id").strip()
    record = call.account.sms.get(sms_id)
    if record is None:
        raise Unspecified("AK100313-05 [invalid sms id]")
    return {"status": record.status}


@api("sendTestEmail")
def send_test_email(call: Call) -> dict[str, Any]:
    """Send a message to up to MAX_TEST_EMAIL_RECIPIENTS addresses; letters go to the outbox."""
    msg = get_message(call.account, call.params.req_int("id"))
    if msg.service_type != "email":
        raise InvalidArg("id: not an email message")
    addresses = call.params.csv("email")
    if not addresses:
        raise missing("email")
    if len(addresses) > MAX_TEST_EMAIL_RECIPIENTS:
        raise InvalidArg(f"email: at most {MAX_TEST_EMAIL_RECIPIENTS} addresses per test send")
    result: dict[str, Any] = {}
    for address in addresses:
        ok = valid_email(address)
        result[address] = {"success": ok}
        if ok:
            send_letter(
                call.state,
                login=call.account.login,
                kind="test",
                to=address,
                sender=f"{msg.sender_name} <{msg.sender_email}>",
                subject=msg.subject,
                html_body=msg.body,
                now=call.now,
                attachments=msg.attachments,
            )
    return result


@api("updateOptInEmail")
def update_opt_in_email(call: Call) -> list[Any]:
    """Set a list's confirmation letter; its body must link to {{ConfirmUrl}}."""
    lst = get_list(call.account, call.params.req_int("list_id"))
    name = sender_name(call)
    sender = checked_sender(call.account, call.params.req_text("sender_email"))
    subject = call.params.req_text("subject")
    body = call.params.req_text("body")
    if "{{ConfirmUrl}}" not in body:
        raise InvalidArg('body: must contain a link with href="{{ConfirmUrl}}"')
    lst.optin = OptInLetter(name, sender.email, subject, body)
    return []


@api("getWebVersion")
def get_web_version(call: Call) -> dict[str, Any]:
    """Link to the web version of a campaign's letter."""
    campaign = get_campaign(call)
    return {
        "letter_id": campaign.message_id,
        "web_letter_link": call.link(f"/_emulator/web/{campaign.id}"),
    }
