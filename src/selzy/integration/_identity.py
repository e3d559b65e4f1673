"""One person is one contact: a phone is never sent in a row that would update someone else's.

Selzy identifies a contact by its email *or* its phone: a row whose email is new but whose phone
another contact holds updates that other contact (its fields, its lists: two people become one,
under one of their names). Before changes are sent, :func:`claim_phones` gives each phone to one
record: the record whose contact holds it already (the host's states), else the first record of
the run that sends it. Another record with the same phone is

- sent without the phone when it has an email, with a note naming the owner (``phone_shared``,
  counted in ``RunTotals.notes``);
- held back when the phone is its only address (Selzy would update the owner's contact): an
  ``invalid`` change whose rejection names the owner (``phone_taken``, counted in
  ``RunTotals.skipped``).

The state recorded for a record sent without its phone keeps the hash of the whole converted
row, so the next run sees it unchanged instead of sending it again.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, MutableMapping
from dataclasses import dataclass, replace

from ._changes import Change
from ._job import ImportJob
from ._records import Rejection

SHARED = "phone_shared"  # a note: the contact got in without the phone
TAKEN = "phone_taken"  # a rejection: the phone was the record's only address


@dataclass(frozen=True, slots=True)
class PhoneOwner:
    """The record whose contact holds a phone in Selzy, and that contact's email."""

    source_id: Hashable
    email: str = ""


def claim_phones(
    job: ImportJob, changes: Iterable[Change], owners: MutableMapping[str, PhoneOwner]
) -> list[Change]:
    """``changes`` with every phone sent by its owner only (see the module's docstring).

    ``owners`` maps phones to their owners: seed it with what the host knows (its states) and
    keep it across the batches of a run; the records here that send a phone nobody holds become
    its owners.
    """
    if "phone" not in job.field_names:
        return list(changes)
    out = []
    for change in changes:
        state = change.state
        if state is None or not state.phone or change.kind == "invalid":
            out.append(change)
            continue
        owner = owners.get(state.phone)
        if owner is None or owner.source_id == change.source_id or _same_email(owner, state.email):
            owners[state.phone] = PhoneOwner(change.source_id, state.email)
            out.append(change)
        elif change.kind == "unchanged":
            out.append(change)  # nothing is sent for it
        else:
            out.append(
                _without_phone(job, change, owner) if state.email else _held(job, change, owner)
            )
    return out


def _same_email(owner: PhoneOwner, email: str) -> bool:
    """The owner's contact is this email's: the same person, in Selzy's eyes."""
    return bool(email) and owner.email.lower() == email.lower()


def _whose(job: ImportJob, owner: PhoneOwner) -> str:
    return f"{job.id_name} {owner.source_id}" + (f" ({owner.email})" if owner.email else "")


def _without_phone(job: ImportJob, change: Change, owner: PhoneOwner) -> Change:
    assert change.state is not None
    assert change.row is not None
    phone = change.state.phone
    blank = {job.field_names.index("phone")}
    if "phone_list_ids" in job.field_names:
        blank.add(job.field_names.index("phone_list_ids"))
    row = tuple("" if i in blank else cell for i, cell in enumerate(change.row))
    note = Rejection(
        change.source_id,
        change.position,
        SHARED,
        f"phone {phone} belongs to {_whose(job, owner)}: sent without it, or Selzy would update "
        "that contact",
        "local",
        change.state.email,
        phone,
    )
    state = replace(change.state, phone="")
    return replace(change, row=row, state=state, notes=(*change.notes, note))


def _held(job: ImportJob, change: Change, owner: PhoneOwner) -> Change:
    assert change.state is not None
    phone = change.state.phone
    rejection = Rejection(
        change.source_id,
        change.position,
        TAKEN,
        f"phone {phone} belongs to {_whose(job, owner)} and is this {job.id_name}'s only "
        "address: held back, or Selzy would update that contact",
        "local",
        "",
        phone,
    )
    return Change("invalid", change.source_id, change.position, previous=change.previous,
                  rejection=rejection)  # fmt: skip
