"""§5.2 Contacts: subscribe, exclude, unsubscribe and the single-contact reads."""

from __future__ import annotations

from typing import Any

from selzy.protocol import MAX_TAGS_PER_CONTACT

from .._call import Call, api
from .._effects import NOT_MAILABLE
from .._errors import InvalidArg, Unspecified, missing
from .._mail import fmt, send_letter
from .._params import text_of
from .._state import Account, Contact, Membership, Tag
from ._common import (
    PHONE_RE,
    contact_by_email,
    get_list,
    leave_list,
    norm_phone,
    req_email,
    valid_email,
)
from .fields import convert_value


def _tag(call: Call, name: str) -> Tag:
    tag = call.account.tag_by_name(name)
    if tag is None:
        tag = Tag(call.state.next_id("tag"), name)
        call.account.tags[tag.id] = tag
    return tag


def _subscribe_fields(call: Call) -> tuple[str, str, dict[int, str]]:
    fields = call.params.mapping("fields")
    if not fields:
        raise missing("fields")
    email = (text_of(fields.get("email")) or "").strip()
    phone = (text_of(fields.get("phone")) or "").strip()
    if not email and not phone:
        raise InvalidArg("fields: must contain fields[email] or fields[phone]")
    if email and not valid_email(email):
        raise InvalidArg(f"fields[email]: {email!r} is not a valid email address")
    if phone and PHONE_RE.fullmatch(phone) is None:
        raise InvalidArg(f"fields[phone]: {phone!r} is not in international format")
    values: dict[int, str] = {}
    by_name = {f.name: f for f in call.account.fields.values()}
    for name, node in fields.items():
        if name in ("email", "phone"):
            continue
        ufield = by_name.get(name)
        if ufield is None:
            raise InvalidArg(f"fields[{name}]: no user field with this name")
        try:
            values[ufield.id] = convert_value(ufield, text_of(node) or "")
        except ValueError as exc:
            raise InvalidArg(f"fields[{name}]: {exc}") from None
    return email, phone, values


def _find(account: Account, email: str, phone: str) -> Contact | None:
    by_email = account.by_email.get(email.lower()) if email else None
    by_phone = account.by_phone.get(norm_phone(phone)) if phone else None
    if by_email is not None and by_phone is not None and by_email is not by_phone:
        raise Unspecified(
            f"Contacts {email} and {phone} already exist but owned by different subscribers"
        )
    return by_email or by_phone


def _join(contact: Contact, list_ids: list[int], call: Call, email: str, phone: str) -> None:
    """Add the channels to the lists at once; a ``subscribe`` event names the lists the email
    joined (none for a list it is in already, or one it left: only the person can come back)."""
    joined: list[int] = []
    for lid in list_ids:
        for channel, wanted in ((contact.email_lists, email), (contact.phone_lists, phone)):
            if not wanted:
                continue
            old = channel.get(lid)
            if old is None:
                channel[lid] = Membership("active", call.now, call.now)
                if channel is contact.email_lists:
                    joined.append(lid)
    # An address unsubscribed from everything (or blocked) is not mailed whatever its lists say.
    if email and joined and contact.email_status not in NOT_MAILABLE:
        call.emit("subscribe", {"email": contact.email, "subscribed_list_ids": joined})


@api("subscribe")
def subscribe(call: Call) -> dict[str, Any]:
    """Add one contact to lists, with or without an invitation letter (double_optin)."""
    account = call.account
    list_ids = call.params.int_csv("list_ids")
    if not list_ids:
        raise missing("list_ids")
    for lid in list_ids:
        get_list(account, lid, as_argument=True)
    email, phone, values = _subscribe_fields(call)
    tag_names = call.params.csv("tags")
    if len(tag_names) > MAX_TAGS_PER_CONTACT:
        raise InvalidArg(f"tags: at most {MAX_TAGS_PER_CONTACT} tags per contact")
    double_optin = call.params.integer("double_optin", 0)
    if double_optin not in (0, 1, 2, 3, 4):
        raise InvalidArg("double_optin: expected 0, 3 or 4")
    overwrite = call.params.integer("overwrite", 0)
    if overwrite not in (0, 1, 2):
        raise InvalidArg("overwrite: expected 0, 1 or 2")

    contact = _find(account, email, phone)
    # "Already in your lists with status new or active" (§5.2); a list the person left needs
    # their own consent again, so it is not "known good" either.
    known_good = (
        contact is not None
        and contact.email_status in ("new", "active")
        and not any(
            m.status == "unsubscribed" for lid, m in contact.email_lists.items() if lid in list_ids
        )
    )
    invite = double_optin == 0 or (double_optin == 4 and not known_good)
    first = account.lists[list_ids[0]]
    if invite and email and first.optin is None:
        ids = ",".join(str(i) for i in list_ids)
        raise Unspecified(f'These list ids="{ids}" has no confirmation letters')

    if contact is None:
        contact = Contact(
            id=call.state.next_id("contact"),
            email=email or None,
            phone=phone or None,
            added_at=call.now,
            email_status="invited" if invite and email else "new",
        )
        account.contacts[contact.id] = contact
    if email and contact.email is None:
        contact.email = email
    if phone and contact.phone is None:
        contact.phone = phone
    if contact.email:
        account.by_email[contact.email.lower()] = contact
    if contact.phone:
        account.by_phone[norm_phone(contact.phone)] = contact

    if overwrite == 1:
        contact.fields = {k: v for k, v in values.items() if v}
        contact.tags = {_tag(call, n).id for n in tag_names}
        for channel in (contact.email_lists, contact.phone_lists):
            for lid in [lid for lid in channel if lid not in list_ids]:
                del channel[lid]
    else:
        for fid, value in values.items():
            if overwrite == 2 or fid not in contact.fields:
                contact.fields[fid] = value
        new_tags = {_tag(call, n).id for n in tag_names}
        contact.tags = new_tags if (overwrite == 2 and tag_names) else contact.tags | new_tags

    if invite and email and first.optin is not None:
        token = call.state.token("subscription")
        ids_text = ",".join(str(i) for i in list_ids)
        call.state.tokens[token] = ("subscription", account.login, f"{contact.id}:{ids_text}")
        url = call.link(f"/_emulator/confirm/{token}")
        optin = first.optin
        send_letter(
            call.state,
            login=account.login,
            kind="optin",
            to=email,
            sender=f"{optin.sender_name} <{optin.sender_email}>",
            subject=optin.subject,
            html_body=optin.body.replace("{{ConfirmUrl}}", url),
            now=call.now,
            links=[("Confirm subscription", url)],
        )
        if phone:
            _join(contact, list_ids, call, "", phone)
    else:
        _join(contact, list_ids, call, email, phone)
    return {"person_id": contact.id}


def _target(call: Call) -> tuple[Contact, str, list[int]]:
    kind = call.params.choice("contact_type", ("email", "phone"))
    if kind is None:
        raise missing("contact_type")
    value = call.params.req_text("contact").strip()
    account = call.account
    if kind == "email":
        contact = account.by_email.get(value.lower())
    else:
        contact = account.by_phone.get(norm_phone(value))
    if contact is None:
        raise Unspecified(f'Contact "{value}" not found')
    list_ids = call.params.int_csv("list_ids")
    channel = contact.email_lists if kind == "email" else contact.phone_lists
    if list_ids and not any(lid in channel for lid in list_ids):
        raise Unspecified(f'Contact "{value}" not found')
    return contact, kind, list_ids


@api("exclude")
def exclude(call: Call) -> dict[str, Any]:
    """Remove a contact from lists without marking it unsubscribed."""
    contact, kind, list_ids = _target(call)
    channel = contact.email_lists if kind == "email" else contact.phone_lists
    for lid in list_ids or list(channel):
        leave_list(channel, lid)
    return {}


@api("unsubscribe")
def unsubscribe(call: Call) -> dict[str, Any]:
    """Mark a contact unsubscribed from lists (all lists: the contact status too)."""
    contact, kind, list_ids = _target(call)
    channel = contact.email_lists if kind == "email" else contact.phone_lists
    targets = [lid for lid in (list_ids or list(channel)) if lid in channel]
    changed = []
    for lid in targets:
        if channel[lid].status != "unsubscribed":
            channel[lid].status = "unsubscribed"
            changed.append(lid)
    everything = False
    if not list_ids:
        if kind == "email":
            everything = contact.email_status != "unsubscribed"
            contact.email_status = "unsubscribed"
        else:
            contact.phone_status = "unsubscribed"
    # Only a change is news: the lists that changed, or all of them when the whole address left.
    if kind == "email" and (changed or everything):
        call.emit(
            "unsubscribe",
            {"email": contact.email, "unsubscribed_list_ids": targets if everything else changed},
        )
    return {}


def rating(contact: Contact) -> str | None:
    """A 0.0-5.0 engagement rating, null when never sent (§5.2 getContact)."""
    if contact.last_send_at is None:
        return None
    score = 1.0 + (2.0 if contact.last_read_at else 0.0) + (2.0 if contact.last_click_at else 0.0)
    return f"{score:.1f}"


@api("getContact")
def get_contact(call: Call) -> dict[str, Any]:
    """One contact by email, with lists, fields and details on request."""
    account = call.account
    contact = contact_by_email(account, req_email(call, "email"))
    email: dict[str, Any] = {
        "email": contact.email,
        "added_at": fmt(contact.added_at),
        "status": contact.email_status,
        "availability": contact.email_availability,
    }
    if call.params.flag("include_details"):
        email.update(
            last_send_datetime=fmt(contact.last_send_at),
            last_delivery_datetime=fmt(contact.last_delivery_at),
            last_read_datetime=fmt(contact.last_read_at),
            last_click_datetime=fmt(contact.last_click_at),
            rating=rating(contact),
        )
    result: dict[str, Any] = {"email": email}
    if call.params.flag("include_lists"):
        result["lists"] = [
            {"id": lid, "status": m.status, "added_at": fmt(m.added_at)}
            for lid, m in contact.email_lists.items()
        ]
    if call.params.flag("include_fields"):
        result["fields"] = {f.name: contact.fields.get(f.id, "") for f in account.fields.values()}
    return result


@api("isContactInLists")
def is_contact_in_lists(call: Call) -> bool:
    """Whether the address is (actively) in any or all of the lists."""
    email = req_email(call, "email")
    list_ids = call.params.int_csv("list_ids")
    if not list_ids:
        raise missing("list_ids")
    condition = call.params.choice("condition", ("or", "and"))
    if condition is None:
        raise missing("condition")
    contact = call.account.by_email.get(email.lower())
    if contact is None:
        return False
    hits = [
        lid in contact.email_lists and contact.email_lists[lid].status == "active"
        for lid in list_ids
    ]
    return all(hits) if condition == "and" else any(hits)


@api("getContactFieldValues")
def get_contact_field_values(call: Call) -> dict[str, Any]:
    """Values of some user fields of one contact."""
    account = call.account
    contact = contact_by_email(account, req_email(call, "email"))
    field_ids = call.params.int_csv("field_ids")
    if not field_ids:
        raise missing("field_ids")
    values: dict[str, str] = {}
    for fid in field_ids:
        if fid not in account.fields:
            raise InvalidArg(f"field_ids: field {fid} does not exist")
        values[str(fid)] = contact.fields.get(fid, "")
    return {"fieldValues": values}
