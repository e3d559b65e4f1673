"""§5.2 importContacts: the bulk upsert, the emulator's hottest path.

Counting rule (the emulator's invariant): every row ends up in exactly one of inserted, updated,
deleted or invalid, so those four always add up to ``total``. Rows refused by the anti-spam and
validation checks are reported in ``log`` with their 0-based index in ``data``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from selzy.protocol import MAX_IMPORT_ROWS, MAX_TAGS_PER_CONTACT, SYSTEM_FIELD_NAMES

from .._call import Call, api
from .._errors import InvalidArg, missing
from .._params import parse_time, text_of
from .._state import Account, Contact, Membership, Tag, UserField
from ._common import EMAIL_RE, PHONE_RE, ROLE_LOCAL_PARTS, leave_list, norm_phone
from .fields import convert_value

_IMPORT_EMAIL_STATUSES = frozenset({"new", "active", "inactive", "unsubscribed"})
#: Existing contacts whose status the import may change (§5.2: other statuses stay put).
_CHANGEABLE = frozenset({"new", "active", "inactive"})
_AVAILABILITY = frozenset(
    {"available", "unreachable", "temp_unreachable", "mailbox_full", "spam_rejected", "spam_folder"}
)
_TRUE = frozenset({"1", "yes", "true"})


class RowError(Exception):
    """One row is not imported; becomes a ``log`` entry."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def remove_contact(account: Account, contact: Contact) -> None:
    """Delete a contact and its index entries and notes."""
    account.contacts.pop(contact.id, None)
    if contact.email:
        account.by_email.pop(contact.email.lower(), None)
    if contact.phone:
        account.by_phone.pop(norm_phone(contact.phone), None)
    for note_id in [n.id for n in account.notes.values() if n.contact_id == contact.id]:
        del account.notes[note_id]


def _ids(account: Account, text: str, column: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            lid = int(part)
        except ValueError:
            raise RowError("invalid_list_id", f"{column}: {part!r} is not a list id") from None
        if lid not in account.lists:
            raise RowError("invalid_list_id", f"{column}: list {lid} does not exist")
        out.append(lid)
    return out


def _times(text: str, count: int, column: str, now: datetime) -> list[datetime]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        return [now] * count
    if len(parts) != count:
        raise RowError(
            "invalid_subscribe_times",
            f"{column}: {len(parts)} times for {count} list ids; they must line up one to one",
        )
    try:
        return [parse_time(p, column) for p in parts]
    except InvalidArg as exc:
        raise RowError("invalid_subscribe_times", exc.message) from None


def _apply_lists(
    current: dict[int, Membership],
    list_ids: list[int],
    times: list[datetime],
    unsubscribed: list[int],
    excluded: list[int],
    *,
    overwrite: bool,
    now: datetime,
) -> dict[int, Membership]:
    result = {} if overwrite else current
    for lid, at in zip(list_ids, times, strict=True):
        old = current.get(lid)
        if old is not None:
            # An unsubscribed membership is never re-activated by an import (§5.2, pitfall 7).
            result[lid] = old
        else:
            result[lid] = Membership("active", now, at)
    for lid in unsubscribed:
        old = current.get(lid)
        result[lid] = Membership("unsubscribed", old.added_at if old else now, now)
        if old is not None:
            result[lid].subscribed_at = old.subscribed_at
    for lid in excluded:
        leave_list(result, lid)
    return result


class _Importer:
    """State for one importContacts call."""

    def __init__(self, call: Call, columns: list[str], fields: dict[int, UserField]) -> None:
        self.call = call
        self.account = call.account
        self.now = call.now
        self.columns = columns
        self.col = {name: i for i, name in enumerate(columns)}
        self.fields = fields
        self.overwrite_tags = call.params.flag("overwrite_tags")
        self.overwrite_lists = call.params.flag("overwrite_lists")
        self.tags_by_name = {t.name: t for t in self.account.tags.values()}
        self.ids_cache: dict[tuple[str, str], list[int]] = {}

        col = self.col
        # Column positions are resolved once per call: rows are then plain list indexing.
        self.i_email = col.get("email")
        self.i_phone = col.get("phone")
        self.i_delete = col.get("delete")
        self.i_tags = col.get("tags")
        self.i_status = col.get("email_status")
        self.i_phone_status = col.get("phone_status")
        self.i_avail = col.get("email_availability")
        self.field_cols = [(fid, f, col[f.name]) for fid, f in fields.items()]
        self.channels: list[tuple[str, int | None, int | None, int | None, int | None]] = []
        for ch in ("email", "phone"):
            spec = (
                col.get(f"{ch}_list_ids"),
                col.get(f"{ch}_subscribe_times"),
                col.get(f"{ch}_unsubscribed_list_ids"),
                col.get(f"{ch}_excluded_list_ids"),
            )
            if spec[0] is not None or spec[2] is not None or spec[3] is not None:
                self.channels.append((ch, *spec))

    def row(self, row: list[str]) -> str:
        """Import one row; returns inserted/updated/deleted or raises RowError."""
        account = self.account
        email = row[self.i_email].strip() if self.i_email is not None else ""
        phone = row[self.i_phone].strip() if self.i_phone is not None else ""
        if not email and not phone:
            raise RowError("missing_contact", "the row has neither an email nor a phone")
        if email and EMAIL_RE.fullmatch(email) is None:
            raise RowError("invalid_email", f"{email!r} is not a valid email address")
        if phone and PHONE_RE.fullmatch(phone) is None:
            raise RowError("invalid_phone", f"{phone!r} is not a phone in international format")
        by_email = account.by_email.get(email.lower()) if email else None
        by_phone = account.by_phone.get(norm_phone(phone)) if phone else None
        if by_email is not None and by_phone is not None and by_email is not by_phone:
            raise RowError(
                "conflict",
                f"Contacts {email} and {phone} already exist but owned by different subscribers",
            )
        existing = by_email or by_phone
        if self.i_delete is not None and row[self.i_delete].strip().lower() in _TRUE:
            if existing is not None:
                remove_contact(account, existing)
            return "deleted"
        if email and email.partition("@")[0].lower() in ROLE_LOCAL_PARTS:
            raise RowError(
                "role_address",
                f"{email} is a role address and is not imported; use double opt-in to add it",
            )
        # Validate everything before touching the contact, so a refused row changes nothing.
        values: dict[int, str] = {}
        for fid, ufield, i in self.field_cols:
            raw = row[i]
            if ufield.type == "text" or (
                ufield.type == "string" and "\n" not in raw and "\r" not in raw
            ):
                values[fid] = raw
                continue
            try:
                values[fid] = convert_value(ufield, raw)
            except ValueError as exc:
                raise RowError("invalid_field_value", str(exc)) from None
        tags_text = row[self.i_tags] if self.i_tags is not None else None
        tag_names = [t.strip() for t in (tags_text or "").split(",") if t.strip()]
        if len(tag_names) > MAX_TAGS_PER_CONTACT:
            raise RowError("too_many_tags", f"{len(tag_names)} tags; at most 10 per contact")
        email_status = row[self.i_status].strip() if self.i_status is not None else ""
        if email_status and email_status not in _IMPORT_EMAIL_STATUSES:
            raise RowError("invalid_status", f"email_status: {email_status!r} is not allowed")
        phone_status = row[self.i_phone_status].strip() if self.i_phone_status is not None else ""
        if phone_status and phone_status not in _IMPORT_EMAIL_STATUSES:
            raise RowError("invalid_status", f"phone_status: {phone_status!r} is not allowed")
        availability = row[self.i_avail].strip() if self.i_avail is not None else ""
        if availability and availability not in _AVAILABILITY:
            raise RowError("invalid_availability", f"email_availability: {availability!r}")
        channels = {}
        for ch, i_ids, i_times, i_unsub, i_excl in self.channels:
            list_ids = self.ids(row[i_ids], f"{ch}_list_ids") if i_ids is not None else []
            times = _times(
                row[i_times] if i_times is not None else "",
                len(list_ids),
                f"{ch}_subscribe_times",
                self.now,
            )
            unsub = (
                _ids(account, row[i_unsub], f"{ch}_unsubscribed_list_ids")
                if i_unsub is not None
                else []
            )
            excl = (
                _ids(account, row[i_excl], f"{ch}_excluded_list_ids") if i_excl is not None else []
            )
            channels[ch] = (list_ids, times, unsub, excl)

        outcome = "updated"
        contact = existing
        if contact is None:
            outcome = "inserted"
            contact = Contact(
                id=self.call.state.next_id("contact"),
                email=email or None,
                phone=phone or None,
                added_at=self.now,
                email_status=email_status or "new",
                phone_status=phone_status or "active",
            )
            account.contacts[contact.id] = contact
        else:
            if email_status:
                if contact.email_status in _CHANGEABLE:
                    contact.email_status = email_status
                elif email_status != contact.email_status:
                    self.log_warning(
                        "status_unchanged",
                        f"{email}: status {contact.email_status!r} cannot be changed by import",
                    )
            if phone_status and contact.phone_status in _CHANGEABLE:
                contact.phone_status = phone_status
        if email and contact.email is None:
            contact.email = email
        if phone and contact.phone is None:
            contact.phone = phone
        if contact.email:
            account.by_email[contact.email.lower()] = contact
        if contact.phone:
            account.by_phone[norm_phone(contact.phone)] = contact
        if availability:
            contact.email_availability = availability
        for fid, value in values.items():
            if value == "":
                contact.fields.pop(fid, None)
            else:
                contact.fields[fid] = value
        if tags_text is not None:
            ids = {self.tag(name).id for name in tag_names}
            contact.tags = ids if self.overwrite_tags else contact.tags | ids
        for ch, (list_ids, times, unsub, excl) in channels.items():
            current = contact.email_lists if ch == "email" else contact.phone_lists
            updated = _apply_lists(
                current, list_ids, times, unsub, excl, overwrite=self.overwrite_lists, now=self.now
            )
            if ch == "email":
                contact.email_lists = updated
            else:
                contact.phone_lists = updated
        return outcome

    def ids(self, text: str, column: str) -> list[int]:
        """`_ids`, memoised per call: every row of a batch usually names the same lists."""
        key = (text, column)
        found = self.ids_cache.get(key)
        if found is None:
            found = _ids(self.account, text, column)
            self.ids_cache[key] = found
        return list(found)

    def tag(self, name: str) -> Tag:
        tag = self.tags_by_name.get(name)
        if tag is None:
            tag = Tag(self.call.state.next_id("tag"), name)
            self.account.tags[tag.id] = tag
            self.tags_by_name[name] = tag
        return tag

    log: list[dict[str, Any]]
    index: int

    def log_warning(self, code: str, message: str) -> None:
        self.log.append({"index": self.index, "code": code, "message": message})


def _columns(call: Call) -> tuple[list[str], dict[int, UserField]]:
    raw = call.params.array("field_names")
    names: list[str] = []
    for item in raw:
        text = text_of(item)
        if text is None:
            raise InvalidArg("field_names: expected field_names[0]=email&field_names[1]=...")
        names.append(text.strip())
    if len(names) == 1 and "," in names[0]:
        names = [n.strip() for n in names[0].split(",")]
    if not names:
        raise missing("field_names")
    if "email" not in names and "phone" not in names:
        raise InvalidArg("field_names: must contain email or phone")
    if len(set(names)) != len(names):
        raise InvalidArg("field_names: a column name appears twice")
    by_name = {f.name: f for f in call.account.fields.values()}
    fields: dict[int, UserField] = {}
    for name in names:
        if name in SYSTEM_FIELD_NAMES:
            continue
        ufield = by_name.get(name)
        if ufield is None:
            raise InvalidArg(
                f"field_names: {name!r} is neither a system field nor a user field of this "
                "account (create it with createField)"
            )
        fields[ufield.id] = ufield
    return names, fields


@api("importContacts")
def import_contacts(call: Call) -> dict[str, Any]:
    """Create, update or delete up to MAX_IMPORT_ROWS contacts."""
    columns, fields = _columns(call)
    data = call.params.raw("data")
    if not isinstance(data, dict) or not data:
        raise missing("data")
    if len(data) > MAX_IMPORT_ROWS:
        raise InvalidArg(
            f"data: {len(data)} rows; importContacts takes at most {MAX_IMPORT_ROWS} per call"
        )
    width = len(columns)
    rows: list[list[str]] = []
    for i, node in enumerate(data.values()):
        if not isinstance(node, dict):
            raise InvalidArg(f"data[{i}]: expected a row such as data[{i}][0]=...")
        row = [v if isinstance(v, str) else (text_of(v) or "") for v in node.values()]
        if len(row) != width:
            raise InvalidArg(
                f"data[{i}]: the row has {len(row)} values but field_names has {width}"
            )
        rows.append(row)

    importer = _Importer(call, columns, fields)
    importer.log = []
    counts = {"inserted": 0, "updated": 0, "deleted": 0, "invalid": 0}
    seen: set[str] = set()
    imported: set[str] = set()
    email_col = importer.col.get("email")
    for index, row in enumerate(rows):
        importer.index = index
        key = row[email_col].strip().lower() if email_col is not None else ""
        try:
            if key and key in seen:
                raise RowError("duplicate", f"{row[email_col or 0]} appears earlier in this call")
            outcome = importer.row(row)
        except RowError as err:
            counts["invalid"] += 1
            importer.log.append({"index": index, "code": err.code, "message": err.message})
            continue
        counts[outcome] += 1
        if key:
            seen.add(key)
            if outcome != "deleted":
                imported.add(key)
    new_emails = 0
    if imported:
        by_email = call.account.by_email
        for key in imported:
            contact = by_email.get(key)
            if contact is not None and contact.email_status == "new":
                new_emails += 1
    return {
        "total": len(rows),
        "inserted": counts["inserted"],
        "updated": counts["updated"],
        "deleted": counts["deleted"],
        "new_emails": new_emails,
        "invalid": counts["invalid"],
        "log": importer.log,
    }
