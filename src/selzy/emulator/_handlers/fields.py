"""§5.3 User fields and tags, and how field values are checked against their type."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from selzy.protocol import FIELD_NAME_PATTERN, FIELD_TYPES, MAX_USER_FIELDS, SYSTEM_FIELD_NAMES

from .._call import Call, api
from .._errors import InvalidArg, not_found
from .._state import Account, UserField

_NUMBER = re.compile(r"[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")
_DATE_FORMATS = (
    (re.compile(r"(\d{2})\.(\d{2})\.(\d{4})"), (3, 2, 1)),
    (re.compile(r"(\d{2})-(\d{2})-(\d{4})"), (3, 2, 1)),
    (re.compile(r"(\d{4})\.(\d{2})\.(\d{2})"), (1, 2, 3)),
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), (1, 2, 3)),
)
_BOOLS = {"1": "1", "0": "0", "yes": "1", "no": "0", "true": "1", "false": "0"}
#: A public name: Latin letters, digits, `_`, `-`, starting with a letter (§5.3 updateField).
_PUBLIC_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_\- ]*")


def convert_value(ufield: UserField, raw: str) -> str:
    """The stored form of a value for a field of this type; ValueError says what is wrong."""
    value = raw.strip()
    if value == "":
        return ""
    if ufield.type == "number":
        if not _NUMBER.fullmatch(value):
            raise ValueError(f'field "{ufield.name}" is a number, got {raw!r}')
        return value.replace(",", ".")
    if ufield.type == "date":
        for pattern, (y, m, d) in _DATE_FORMATS:
            match = pattern.fullmatch(value)
            if match:
                try:
                    day = date(int(match.group(y)), int(match.group(m)), int(match.group(d)))
                except ValueError:
                    break
                return day.isoformat()
        raise ValueError(
            f'field "{ufield.name}" is a date (DD.MM.YYYY, DD-MM-YYYY, YYYY.MM.DD or '
            f"YYYY-MM-DD), got {raw!r}"
        )
    if ufield.type == "bool":
        flag = _BOOLS.get(value.lower())
        if flag is None:
            raise ValueError(f'field "{ufield.name}" is a bool (1/0, yes/no), got {raw!r}')
        return flag
    if ufield.type == "string" and ("\n" in raw or "\r" in raw):
        raise ValueError(f'field "{ufield.name}" is a one-line string; use type text for lines')
    return raw


def check_field_name(account: Account, name: str, *, except_id: int | None = None) -> str:
    """Apply §5.3's naming rules: pattern, no system names, unique (case-sensitive)."""
    name = name.strip()
    if not FIELD_NAME_PATTERN.fullmatch(name):
        raise InvalidArg(
            f"name: {name!r} is not allowed: use Latin letters, digits and _, "
            "starting with a letter"
        )
    if name.lower() in SYSTEM_FIELD_NAMES:
        raise InvalidArg(f"name: {name!r} is a system field name")
    existing = account.field_by_name(name)
    if existing is not None and existing.id != except_id:
        raise InvalidArg(f"name: a field called {name!r} already exists (id {existing.id})")
    return name


def _public_name(call: Call, default: str) -> str:
    value = call.params.text("public_name")
    if value is None or value.strip() == "":
        return default
    if not _PUBLIC_NAME.fullmatch(value.strip()):
        raise InvalidArg(f"public_name: {value!r} must start with a letter")
    return value.strip()


def _get_field(call: Call) -> UserField:
    field_id = call.params.req_int("id")
    ufield = call.account.fields.get(field_id)
    if ufield is None:
        raise not_found("Field", field_id)
    return ufield


@api("getFields")
def get_fields(call: Call) -> list[dict[str, Any]]:
    """All user fields."""
    return [
        {
            "id": f.id,
            "name": f.name,
            "type": f.type,
            "is_visible": f.is_visible,
            "view_pos": f.view_pos,
            "public_name": f.public_name,
        }
        for f in call.account.fields.values()
    ]


@api("createField")
def create_field(call: Call) -> dict[str, Any]:
    """A new user field; at most MAX_USER_FIELDS per account."""
    account = call.account
    name = check_field_name(account, call.params.req_text("name"))
    ftype = call.params.choice("type", FIELD_TYPES)
    if ftype is None:
        raise InvalidArg("type: required argument is missing")
    if len(account.fields) >= MAX_USER_FIELDS:
        raise InvalidArg(f"the account already has the maximum of {MAX_USER_FIELDS} user fields")
    ufield = UserField(
        id=call.state.next_id("field"),
        name=name,
        type=ftype,
        public_name=_public_name(call, name),
        is_visible=1 if call.params.flag("is_visible", True) else 0,
        view_pos=call.params.integer("view_pos", len(account.fields) + 1) or 0,
    )
    account.fields[ufield.id] = ufield
    return {"id": ufield.id}


@api("updateField")
def update_field(call: Call) -> dict[str, Any]:
    """Rename a field (its type cannot change)."""
    ufield = _get_field(call)
    ufield.name = check_field_name(call.account, call.params.req_text("name"), except_id=ufield.id)
    ufield.public_name = _public_name(call, ufield.public_name)
    return {"id": ufield.id}


@api("deleteField")
def delete_field(call: Call) -> list[Any]:
    """Delete a field and every contact's value for it."""
    ufield = _get_field(call)
    del call.account.fields[ufield.id]
    for contact in call.account.contacts.values():
        contact.fields.pop(ufield.id, None)
    return []


@api("getTags")
def get_tags(call: Call) -> list[dict[str, Any]]:
    """All tags."""
    return [{"id": t.id, "name": t.name} for t in call.account.tags.values()]


@api("deleteTag")
def delete_tag(call: Call) -> list[Any]:
    """Delete a tag and remove it from every contact."""
    tag_id = call.params.req_int("id")
    if tag_id not in call.account.tags:
        raise not_found("Tag", tag_id)
    del call.account.tags[tag_id]
    for contact in call.account.contacts.values():
        contact.tags.discard(tag_id)
    return []
