"""§5.2 exports and §5.9 async tasks: the file is built at request time, ready after a delay."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from selzy.protocol import EMAIL_STATUSES

from .._call import Call, api
from .._errors import InvalidArg, missing
from .._mail import fmt
from .._params import text_of
from .._state import Account, Contact, Membership, Task

SYSTEM_EXPORT_FIELDS = (
    "email",
    "email_status",
    "email_availability",
    "email_list_ids",
    "email_subscribe_times",
    "email_unsubscribed_list_ids",
    "email_add_time",
    "phone",
    "phone_status",
    "phone_list_ids",
    "phone_subscribe_times",
    "phone_unsubscribed_list_ids",
    "tags",
)
_PHONE_STATUSES = ("new", "active", "inactive", "unsubscribed", "blocked")


def to_csv(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    """UTF-8 CSV with a header row (the emulator's export file format).

    Rows are encoded as they come into one growing byte buffer, whose bytes are then returned
    without a copy: a 1M-contact export never holds its rows, nor the file as text as well as
    bytes (bench/emulator_export.py measures it).
    """
    buffer = io.BytesIO()
    text = io.TextIOWrapper(buffer, encoding="utf-8", newline="", write_through=False)
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    text.flush()
    text.detach()  # closing the wrapper would close the buffer too
    return buffer.getvalue()


def create_task(call: Call, task_type: str, content: bytes) -> dict[str, Any]:
    """Store the file and answer with the documented ``{task_uuid, status: "new"}``."""
    uuid = call.state.token("task")
    uuid = f"{uuid[:8]}-{uuid[8:12]}-{uuid[12:16]}-{uuid[16:20]}-{uuid[20:32]}"
    name = f"{uuid}.csv"
    call.state.files[name] = ("text/csv; charset=utf-8", content)
    task = Task(
        uuid=uuid,
        type=task_type,
        created=call.now,
        ready_at=call.now + timedelta(seconds=call.task_seconds),
        file_name=name,
        file_url=call.link(f"/_emulator/files/{name}"),
        notify_url=call.params.text("notify_url") or "",
    )
    call.account.tasks[uuid] = task
    return {"task_uuid": uuid, "status": "new"}


def task_result(task: Task, now: datetime) -> dict[str, Any]:
    """The getTaskResult object (also the notify_url payload)."""
    done = now >= task.ready_at
    out: dict[str, Any] = {
        "task_uuid": task.uuid,
        "task_type": task.type,
        "status": "completed" if done else "processing",
    }
    if done:
        out["file_to_download"] = task.file_url
    return out


Column = Callable[[Contact], str]


def _ids(lists: dict[int, Membership], status: str) -> str:
    return ",".join(str(i) for i, m in lists.items() if m.status == status)


def _times(lists: dict[int, Membership]) -> str:
    return ",".join(fmt(m.subscribed_at) or "" for m in lists.values() if m.status == "active")


def _column(account: Account, name: str) -> Column:
    """How one export column reads a contact, chosen once per export rather than per cell."""
    fixed: dict[str, Column] = {
        "email": lambda c: c.email or "",
        "email_status": lambda c: c.email_status if c.email else "",
        "email_availability": lambda c: c.email_availability if c.email else "",
        "email_list_ids": lambda c: _ids(c.email_lists, "active"),
        "phone_list_ids": lambda c: _ids(c.phone_lists, "active"),
        "email_subscribe_times": lambda c: _times(c.email_lists),
        "phone_subscribe_times": lambda c: _times(c.phone_lists),
        "email_unsubscribed_list_ids": lambda c: _ids(c.email_lists, "unsubscribed"),
        "phone_unsubscribed_list_ids": lambda c: _ids(c.phone_lists, "unsubscribed"),
        "email_add_time": lambda c: fmt(c.added_at) or "",
        "phone_add_time": lambda c: fmt(c.added_at) or "",
        "phone": lambda c: c.phone or "",
        "phone_status": lambda c: c.phone_status if c.phone else "",
        "tags": lambda c: ",".join(
            account.tags[t].name for t in sorted(c.tags) if t in account.tags
        ),
    }
    if name in fixed:
        return fixed[name]
    ufield = account.field_by_name(name)
    if ufield is None:
        return lambda c: ""
    field_id = ufield.id
    return lambda c: c.fields.get(field_id, "")


def _export(call: Call) -> tuple[list[str], Iterator[list[str]]]:
    """The column names and the rows, one at a time: the arguments are checked at once, the
    rows are read as the file is written."""
    account = call.account
    names = [text_of(n) or "" for n in call.params.array("field_names")]
    if len(names) == 1 and "," in names[0]:
        names = [n.strip() for n in names[0].split(",")]
    if not names:
        names = list(SYSTEM_EXPORT_FIELDS) + [f.name for f in account.fields.values()]
    user_names = {f.name for f in account.fields.values()}
    for name in names:
        if name not in SYSTEM_EXPORT_FIELDS and name not in user_names:
            raise InvalidArg(f"field_names: unknown field {name!r}")
    list_id = call.params.integer("list_id")
    if list_id is not None and list_id not in account.lists:
        raise InvalidArg(f"list_id: list {list_id} does not exist")
    email = (call.params.text("email") or "").strip().lower()
    phone = (call.params.text("phone") or "").strip().lstrip("+")
    tag = call.params.text("tag")
    email_status = call.params.choice("email_status", EMAIL_STATUSES)
    phone_status = call.params.choice("phone_status", _PHONE_STATUSES)
    tag_obj = account.tag_by_name(tag) if tag else None
    columns = [_column(account, n) for n in names]
    if email:  # one address: its contact only, not a scan of the account
        found = account.by_email.get(email)
        contacts: Iterable[Contact] = [found] if found is not None else []
    else:
        contacts = account.contacts.values()

    def rows() -> Iterator[list[str]]:
        for contact in contacts:
            # A list filter includes contacts whose phone is in the list even if the email is not.
            if (
                list_id is not None
                and list_id not in contact.email_lists
                and list_id not in contact.phone_lists
            ):
                continue
            if email and (contact.email or "").lower() != email:
                continue
            if phone and (contact.phone or "").lstrip("+") != phone:
                continue
            if tag and (tag_obj is None or tag_obj.id not in contact.tags):
                continue
            if email_status and contact.email_status != email_status:
                continue
            if phone_status and contact.phone_status != phone_status:
                continue
            yield [column(contact) for column in columns]

    return names, rows()


@api("async/exportContacts")
def export_contacts_async(call: Call) -> dict[str, Any]:
    """Export contacts to a CSV file fetched through getTaskResult's file_to_download."""
    names, rows = _export(call)
    return create_task(call, "exportContacts", to_csv(names, rows))


@api("exportContacts")
def export_contacts(call: Call) -> dict[str, Any]:
    """Legacy synchronous export: at most 1000 rows per call through offset/limit."""
    offset = call.params.integer("offset", 0, lo=0) or 0
    limit = call.params.integer("limit", 1000, lo=1, hi=1000) or 1000
    names, rows = _export(call)
    return {"field_names": names, "data": list(itertools.islice(rows, offset, offset + limit))}


@api("async/getTaskResult")
def get_task_result(call: Call) -> dict[str, Any]:
    """Status of an async task, with the file URL once completed."""
    uuid = call.params.text("task_uuid")
    if not uuid:
        raise missing("task_uuid")
    task = call.account.tasks.get(uuid.strip())
    if task is None:
        raise InvalidArg(f"task_uuid: no task {uuid!r}")
    return task_result(task, call.now)
