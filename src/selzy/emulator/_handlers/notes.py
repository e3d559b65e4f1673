"""§5.10 Contact notes: names are known, parameters and results are the emulator's proposal."""

from __future__ import annotations

from typing import Any

from .._call import Call, api
from .._errors import missing, not_found
from .._mail import fmt
from .._state import Contact, Note
from ._common import contact_by_email


def _contact(call: Call) -> Contact:
    subscriber_id = call.params.integer("subscriber_id")
    if subscriber_id is not None:
        contact = call.account.contacts.get(subscriber_id)
        if contact is None:
            raise not_found("Contact", subscriber_id)
        return contact
    if call.params.has("email"):
        return contact_by_email(call.account, call.params.req_text("email"))
    raise missing("subscriber_id")


def _note(call: Call) -> Note:
    note_id = call.params.req_int("id")
    note = call.account.notes.get(note_id)
    if note is None:
        raise not_found("Note", note_id)
    return note


def note_dict(note: Note) -> dict[str, Any]:
    """A note object."""
    return {
        "id": note.id,
        "subscriber_id": note.contact_id,
        "content": note.content,
        "is_pinned": note.is_pinned,
        "created_at": fmt(note.created),
        "updated_at": fmt(note.updated),
    }


@api("createSubscriberNote")
def create_subscriber_note(call: Call) -> dict[str, Any]:
    """A note on a contact (by subscriber_id or email)."""
    contact = _contact(call)
    note = Note(
        id=call.state.next_id("note"),
        contact_id=contact.id,
        content=call.params.req_text("content"),
        is_pinned=call.params.flag("is_pinned"),
        created=call.now,
        updated=call.now,
    )
    call.account.notes[note.id] = note
    return {"id": note.id}


@api("updateSubscriberNote")
def update_subscriber_note(call: Call) -> dict[str, Any]:
    """Change a note's text or pin."""
    note = _note(call)
    if call.params.has("content"):
        note.content = call.params.req_text("content")
    if call.params.raw("is_pinned") is not None:
        note.is_pinned = call.params.flag("is_pinned")
    note.updated = call.now
    return {"id": note.id}


@api("deleteSubscriberNote")
def delete_subscriber_note(call: Call) -> dict[str, Any]:
    """Delete a note."""
    del call.account.notes[_note(call).id]
    return {}


@api("getSubscriberNote")
def get_subscriber_note(call: Call) -> dict[str, Any]:
    """One note."""
    return note_dict(_note(call))


@api("getSubscriberNotes")
def get_subscriber_notes(call: Call) -> list[dict[str, Any]]:
    """A contact's notes, pinned first."""
    contact = _contact(call)
    notes = [n for n in call.account.notes.values() if n.contact_id == contact.id]
    notes.sort(key=lambda n: (not n.is_pinned, n.id))
    return [note_dict(n) for n in notes]
