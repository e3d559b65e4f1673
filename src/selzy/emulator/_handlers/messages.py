"""§5.4 Email and SMS messages: create, version, read, delete."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import quote

from selzy.protocol import MAX_ATTACHMENT_BYTES, MAX_MESSAGE_BYTES

from .._call import Call, api
from .._errors import InvalidArg, missing
from .._mail import fmt
from .._state import Attachment, Message, Template
from ._common import checked_sender, get_list, get_message, sender_name
from .templates import SYSTEM_TEMPLATES

MESSAGE_FORMATS = ("block", "raw_html", "text")
WRAP_TYPES = ("skip", "right", "left", "center")
_SMS_SENDER = re.compile(r"[A-Za-z0-9]{3,11}")
_TAGS = re.compile(r"<[^>]+>")


def attachments_of(call: Call) -> list[Attachment]:
    """``attachments[name]=<raw bytes>``, each at most MAX_ATTACHMENT_BYTES (the guidelines)."""
    out: list[Attachment] = []
    for name, node in call.params.mapping("attachments").items():
        if isinstance(node, dict):
            raise InvalidArg(f"attachments[{name}]: expected the file's bytes, got an array")
        content = node if isinstance(node, bytes) else node.encode("utf-8")
        if not name.strip():
            raise InvalidArg("attachments: every attachment needs a file name as its key")
        if len(content) > MAX_ATTACHMENT_BYTES:
            raise InvalidArg(
                f"attachments[{name}]: the file is {len(content)} bytes; each attachment may be "
                f"at most 500 KB ({MAX_ATTACHMENT_BYTES} bytes)"
            )
        out.append(Attachment(name, content))
    return out


def actual(call: Call, msg: Message) -> Message:
    """Follow the version chain to the newest version of a message."""
    seen = 0
    while msg.actual_id != msg.id and msg.actual_id in call.account.messages and seen < 1000:
        msg = call.account.messages[msg.actual_id]
        seen += 1
    return msg


def _template(call: Call) -> Template | None:
    user_id = call.params.integer("template_id")
    system_id = call.params.integer("system_template_id")
    if user_id is not None and system_id is not None:
        raise InvalidArg("template_id and system_template_id cannot be used together")
    if user_id is not None:
        tpl = call.account.templates.get(user_id)
        if tpl is None:
            raise InvalidArg(f"template_id: template {user_id} does not exist")
        return tpl
    if system_id is not None:
        found = SYSTEM_TEMPLATES.get(system_id)
        if found is None:
            raise InvalidArg(f"system_template_id: template {system_id} does not exist")
        return found
    return None


def _apply_content(call: Call, msg: Message, *, creating: bool) -> None:
    p = call.params
    tpl = _template(call) if creating else None
    if tpl is not None:
        msg.subject, msg.body, msg.text_body, msg.lang = (
            tpl.subject,
            tpl.body,
            tpl.text_body,
            tpl.lang,
        )
        msg.message_format = tpl.message_format
    for name in ("subject", "body", "text_body", "raw_body", "tag", "categories"):
        value = p.text(name)
        if value is not None:
            setattr(msg, name, value)
    if creating and not msg.subject.strip():
        raise missing("subject")
    if creating and not msg.body.strip():
        raise missing("body")
    fmt_value = p.choice("message_format", MESSAGE_FORMATS)
    if fmt_value is not None:
        msg.message_format = fmt_value
    wrap = p.choice("wrap_type", WRAP_TYPES)
    if wrap is not None:
        msg.wrap_type = wrap
    lang = p.text("lang")
    if lang:
        if not re.fullmatch(r"[a-z]{2}", lang):
            raise InvalidArg(f"lang: {lang!r} is not a two-letter language code")
        msg.lang = lang
    if p.flag("generate_text"):
        if p.has("text_body"):
            call.warnings.append("generate_text is ignored because text_body was given")
        else:
            msg.text_body = _TAGS.sub("", msg.body).strip()
    if p.raw("attachments") is not None:
        msg.attachments = attachments_of(call)
    size = len(msg.body.encode()) + sum(len(a.content) for a in msg.attachments)
    if size > MAX_MESSAGE_BYTES:
        raise InvalidArg(f"the message is {size} bytes; at most {MAX_MESSAGE_BYTES} (8 MB)")


@api("createEmailMessage")
def create_email_message(call: Call) -> dict[str, Any]:
    """A new email message for a later campaign; the sender must be confirmed."""
    account = call.account
    name = sender_name(call)
    sender = checked_sender(account, call.params.req_text("sender_email"))
    lst = get_list(account, call.params.req_int("list_id"), as_argument=True)
    msg_id = call.state.next_id("message")
    msg = Message(
        id=msg_id,
        service_type="email",
        list_id=lst.id,
        created=call.now,
        updated=call.now,
        sender_name=name,
        sender_email=sender.email,
        lang=call.lang,
        actual_id=msg_id,
    )
    _apply_content(call, msg, creating=True)
    account.messages[msg.id] = msg
    return {"message_id": msg.id}


@api("updateEmailMessage")
def update_email_message(call: Call) -> dict[str, Any]:
    """Edit a message; a message a campaign already used gets a new version id (§5.4)."""
    account = call.account
    old = actual(call, get_message(account, call.params.req_int("id")))
    if old.service_type != "email":
        raise InvalidArg("id: not an email message")
    if old.sent:
        new_id = call.state.next_id("message")
        msg = Message(
            id=new_id,
            service_type="email",
            list_id=old.list_id,
            created=call.now,
            updated=call.now,
            sender_name=old.sender_name,
            sender_email=old.sender_email,
            subject=old.subject,
            body=old.body,
            text_body=old.text_body,
            raw_body=old.raw_body,
            lang=old.lang,
            message_format=old.message_format,
            wrap_type=old.wrap_type,
            tag=old.tag,
            categories=old.categories,
            attachments=list(old.attachments),
            actual_id=new_id,
        )
    else:
        msg = old
    if call.params.has("sender_name"):
        msg.sender_name = sender_name(call)
    if call.params.has("sender_email"):
        msg.sender_email = checked_sender(account, call.params.req_text("sender_email")).email
    if call.params.has("list_id"):
        msg.list_id = get_list(account, call.params.req_int("list_id"), as_argument=True).id
    _apply_content(call, msg, creating=False)
    msg.updated = call.now
    if msg is not old:
        account.messages[msg.id] = msg
        old.actual_id = msg.id
    return {"message_id": msg.id}


@api("getActualMessageVersion")
def get_actual_message_version(call: Call) -> dict[str, Any]:
    """The newest version of a message."""
    msg = get_message(call.account, call.params.req_int("message_id"))
    return {"message_id": msg.id, "actual_version_id": actual(call, msg).id}


@api("deleteMessage")
def delete_message(call: Call) -> list[Any]:
    """Delete a message."""
    msg = get_message(call.account, call.params.req_int("message_id"))
    del call.account.messages[msg.id]
    return []


def message_dict(call: Call, msg: Message, *, body: bool, string_ids: bool) -> dict[str, Any]:
    """The documented message object (getMessage uses string ids, getMessages numbers)."""

    def ident(value: int) -> int | str:
        return str(value) if string_ids else value

    item: dict[str, Any] = {
        "id": ident(msg.id),
        "sub_user_login": None,
        "list_id": ident(msg.list_id),
        "segment_id": None,
        "created": fmt(msg.created),
        "last_update": fmt(msg.updated),
        "updated": fmt(msg.updated),
        "service_type": msg.service_type,
        "lang_code": msg.lang,
        "active_version_id": ident(actual(call, msg).id),
        "message_format": msg.message_format,
    }
    if msg.service_type == "email":
        item.update(
            wrap_type=msg.wrap_type,
            images_behavior="only_links",
            sender_email=msg.sender_email,
            sender_name=msg.sender_name,
            subject=msg.subject,
        )
        if body:
            item["text_body"] = msg.text_body
    else:
        item["sender"] = msg.sms_sender
        item["sms_from"] = msg.sms_sender
    if body:
        item["body"] = msg.body
        item["attachments"] = [
            {
                "isInline": False,
                "name": a.name,
                "size": len(a.content),
                "url": call.link(f"/_emulator/attachments/{msg.id}/{quote(a.name)}"),
            }
            for a in msg.attachments
        ]
    return item


@api("getMessage")
def get_message_method(call: Call) -> list[dict[str, Any]]:
    """One or several messages by id (an array result, ids as strings)."""
    ids = call.params.int_csv("id")
    if not ids:
        raise missing("id")
    return [
        message_dict(call, get_message(call.account, i), body=True, string_ids=True) for i in ids
    ]


def _window(call: Call, *, seconds: bool) -> list[Message]:
    start = call.params.time("date_from", seconds=None)
    end = call.params.time("date_to", seconds=None)
    if start is None:
        raise missing("date_from")
    if end is None:
        raise missing("date_to")
    limit = call.params.integer("limit", 50, lo=1, hi=100) or 50
    offset = call.params.integer("offset", 0, lo=0) or 0
    del seconds
    rows = [m for m in call.account.messages.values() if _between(m.created, start, end)]
    return rows[offset : offset + limit]


def _between(when: datetime, start: datetime, end: datetime) -> bool:
    return start <= when <= end


@api("getMessages")
def get_messages(call: Call) -> list[dict[str, Any]]:
    """Messages created in a window, with body and attachments."""
    return [
        message_dict(call, m, body=True, string_ids=False) for m in _window(call, seconds=False)
    ]


@api("listMessages")
def list_messages(call: Call) -> list[dict[str, Any]]:
    """Messages created in a window, without body."""
    out = []
    for m in _window(call, seconds=True):
        item = message_dict(call, m, body=False, string_ids=False)
        item["login"] = call.account.login
        out.append(item)
    return out


@api("createSmsMessage")
def create_sms_message(call: Call) -> dict[str, Any]:
    """A new SMS message for a campaign."""
    sender = call.params.req_text("sender")
    if not _SMS_SENDER.fullmatch(sender):
        raise InvalidArg("invalid sender")
    body = call.params.req_text("body")
    list_id = call.params.integer("list_id")
    if list_id is None or list_id not in call.account.lists:
        raise InvalidArg("invalid list_id")
    msg_id = call.state.next_id("message")
    msg = Message(
        id=msg_id,
        service_type="sms",
        list_id=list_id,
        created=call.now,
        updated=call.now,
        body=body,
        sms_sender=sender,
        tag=call.params.text("tag") or "",
        categories=call.params.text("categories") or "",
        message_format="text",
        actual_id=msg_id,
    )
    call.account.messages[msg.id] = msg
    return {"message_id": msg.id}
