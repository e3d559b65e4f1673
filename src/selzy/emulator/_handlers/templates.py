"""§5.5 Email templates (user templates plus a few fixed system ones)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .._call import Call, api
from .._errors import InvalidArg, missing, not_found
from .._mail import fmt
from .._state import Template

_SYSTEM_CREATED = datetime(2020, 1, 1, tzinfo=UTC)
SYSTEM_TEMPLATES: dict[int, Template] = {
    t.id: t
    for t in (
        Template(
            id=1,
            title="Newsletter",
            subject="Our news",
            body="<html><body><h1>News</h1><p>{{Name}}, here is what is new.</p></body></html>",
            created=_SYSTEM_CREATED,
            updated=_SYSTEM_CREATED,
            type="system",
        ),
        Template(
            id=2,
            title="Announcement",
            subject="Announcement",
            body="<html><body><p>Something happened.</p></body></html>",
            created=_SYSTEM_CREATED,
            updated=_SYSTEM_CREATED,
            type="system",
        ),
    )
}
_FORMATS = ("block", "raw_html", "text")


def template_dict(call: Call, tpl: Template, *, body: bool) -> dict[str, Any]:
    """The documented template object (ids as strings, §5.5)."""
    item: dict[str, Any] = {
        "id": str(tpl.id),
        "sub_user_login": None,
        "title": tpl.title,
        "description": tpl.description,
        "lang_code": tpl.lang,
        "subject": tpl.subject,
        "attachments": "",
        "screenshot_url": call.link(f"/_emulator/templates/{tpl.id}.png"),
        "fullsize_screenshot_url": "",
        "created": fmt(tpl.created),
        "updated": fmt(tpl.updated),
        "message_format": tpl.message_format,
        "type": tpl.type,
    }
    if body:
        item["body"] = tpl.body
        item["raw_body"] = tpl.raw_body
    return item


def _get(call: Call) -> Template:
    tpl_id = call.params.integer("template_id")
    system_id = call.params.integer("system_template_id")
    if tpl_id is None and system_id is None:
        raise missing("template_id")
    if tpl_id is not None:
        tpl = call.account.templates.get(tpl_id)
        if tpl is None:
            raise not_found("Template", tpl_id)
        return tpl
    found = SYSTEM_TEMPLATES.get(system_id or 0)
    if found is None:
        raise not_found("Template", system_id)
    return found


def _set(call: Call, tpl: Template) -> None:
    for name in ("title", "subject", "body", "text_body", "raw_body", "description"):
        value = call.params.text(name)
        if value is not None:
            setattr(tpl, name, value)
    lang = call.params.text("lang")
    if lang:
        tpl.lang = lang
    message_format = call.params.choice("message_format", _FORMATS)
    if message_format:
        tpl.message_format = message_format


@api("createEmailTemplate")
def create_email_template(call: Call) -> dict[str, Any]:
    """A new user template (older-signature sender arguments are accepted and ignored)."""
    tpl = Template(
        id=call.state.next_id("template"),
        title=call.params.req_text("title"),
        subject=call.params.req_text("subject"),
        body=call.params.req_text("body"),
        created=call.now,
        updated=call.now,
        lang=call.lang,
    )
    _set(call, tpl)
    call.account.templates[tpl.id] = tpl
    return {"template_id": tpl.id}


@api("updateEmailTemplate")
def update_email_template(call: Call) -> list[Any]:
    """Edit a user template."""
    tpl = _get(call)
    if tpl.type == "system":
        raise InvalidArg("system templates cannot be changed")
    _set(call, tpl)
    tpl.updated = call.now
    return []


@api("deleteTemplate")
def delete_template(call: Call) -> list[Any]:
    """Delete a user template."""
    tpl = _get(call)
    if tpl.type == "system":
        raise InvalidArg("system templates cannot be deleted")
    del call.account.templates[tpl.id]
    return []


@api("getTemplate")
def get_template(call: Call) -> dict[str, Any]:
    """One template (an object, not an array)."""
    return template_dict(call, _get(call), body=True)


def _filtered(call: Call) -> list[Template]:
    kind = call.params.choice("type", ("user", "system"), "user")
    limit = call.params.integer("limit", 50, lo=1, hi=100) or 50
    offset = call.params.integer("offset", 0, lo=0) or 0
    if kind == "system":
        rows = list(SYSTEM_TEMPLATES.values())
    else:
        start = call.params.time("date_from")
        end = call.params.time("date_to")
        rows = [
            t
            for t in call.account.templates.values()
            if (start is None or t.created >= start) and (end is None or t.created <= end)
        ]
    return rows[offset : offset + limit]


@api("getTemplates")
def get_templates(call: Call) -> list[dict[str, Any]]:
    """Templates with body."""
    return [template_dict(call, t, body=True) for t in _filtered(call)]


@api("listTemplates")
def list_templates(call: Call) -> list[dict[str, Any]]:
    """Templates without body."""
    return [template_dict(call, t, body=False) for t in _filtered(call)]
