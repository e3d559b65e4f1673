"""Change classification: what was last sent for a contact, and what its record now needs.

A host keeps one :class:`SentState` per source contact: the address and the hash of the row
last sent to Selzy. Comparing a source record with its state gives a :class:`Change`:

=========  ==========================================================  ======================
kind       when                                                        importContacts rows
=========  ==========================================================  ======================
new        no state, or a state that was never sent                    1 (upsert)
update     same address, the row's hash differs                        1 (upsert)
unchanged  same address, same hash                                     0 (nothing is sent)
move       the address changed                                         2 (delete old, upsert)
remove     the record is gone or no longer eligible (``None``)         1 (delete), 0 unsent
invalid    the record cannot be converted (a local :class:`Rejection`)  1 if an old address
=========  ==========================================================  ======================

An address that turns malformed is taken out of Selzy (``invalid`` deletes the old address):
the person behind it can no longer be told apart, so the contact must not stay subscribed under
data the source no longer holds. An email change *moves* the contact instead of leaving the old
address behind as a duplicate. Addresses are compared case-insensitively, as Selzy does.

A contact known to have unsubscribed (``SentState.unsubscribed``) is never classified: every
run leaves it alone (not sent, not removed) and counts it as skipped. The same :func:`classify`
serves the real run (:func:`sync_batch`, :func:`import_records`) and :func:`dry_run`, so a dry
run's counts are what the run then does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Literal

from ._job import ImportJob
from ._records import Rejection, SourceRecord

ChangeKind = Literal["new", "update", "unchanged", "move", "remove", "invalid"]

#: Every change kind, in the order reports show them.
CHANGE_KINDS: tuple[ChangeKind, ...] = ("new", "update", "unchanged", "move", "remove", "invalid")


@dataclass(frozen=True, slots=True)
class SentState:
    """What was last sent to Selzy for one source contact.

    ``email`` and ``phone`` are the values as sent; ``row_hash`` is :func:`row_hash` of the row
    sent, ``""`` when nothing has been sent yet (a state created to remember a pending change).
    ``unsubscribed``: the person unsubscribed (Selzy's webhook said so); runs leave them alone.
    """

    source_id: Hashable
    email: str = ""
    phone: str = ""
    row_hash: str = ""
    unsubscribed: bool = False

    @property
    def sent(self) -> bool:
        """Whether this contact is in Selzy as far as the sync knows."""
        return bool(self.row_hash)


@dataclass(frozen=True, slots=True)
class Change:
    """What one source contact needs; built by :func:`classify`.

    ``row`` is the converted row (kinds new, update, move, unchanged) and ``state`` what will
    have been sent once it is; ``previous`` is the state before; ``delete`` the
    ``(column, address)`` the change takes out of Selzy (kinds move, remove, invalid, when an
    address was sent before); ``rejection`` why an invalid record cannot be sent; ``notes``
    what the record's contact gets in with (a value left out, a row it replaces), reported
    once its row is accepted.
    """

    kind: ChangeKind
    source_id: Hashable
    position: int = 0
    row: tuple[str, ...] | None = None
    state: SentState | None = None
    previous: SentState | None = None
    delete: tuple[str, str] | None = None
    rejection: Rejection | None = None
    notes: tuple[Rejection, ...] = ()

    @property
    def rows(self) -> int:
        """importContacts rows the change takes (at most; :func:`send_changes` may merge)."""
        upsert = self.kind in ("new", "update", "move")
        return int(upsert) + int(self.delete is not None)


def row_hash(job: ImportJob, row: tuple[str, ...]) -> str:
    """A stable hash of a converted row and its columns (a mapping change changes it too)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update("\x1f".join(job.field_names).encode())
    digest.update(b"\x1e")
    digest.update("\x1f".join(row).encode())
    return digest.hexdigest()


def _address(job: ImportJob, email: str, phone: str) -> tuple[str, str] | None:
    """The column and value Selzy knows the contact by: its email, else its phone."""
    if email and "email" in job.field_names:
        return ("email", email)
    if phone and "phone" in job.field_names:
        return ("phone", phone)
    return None


def _same(a: tuple[str, str] | None, b: tuple[str, str] | None) -> bool:
    if a is None or b is None:
        return a is b
    return a[0] == b[0] and a[1].lower() == b[1].lower()


def state_of(job: ImportJob, source_id: Hashable, row: tuple[str, ...]) -> SentState:
    """The state a converted row leaves once it is sent."""
    names = job.field_names
    email = row[names.index("email")] if "email" in names else ""
    phone = row[names.index("phone")] if "phone" in names else ""
    return SentState(source_id, email, phone, row_hash(job, row))


def classify(
    job: ImportJob,
    record: SourceRecord | None,
    state: SentState | None,
    position: int = 0,
) -> Change:
    """What ``record`` needs given what was last sent for it (``state``).

    ``record`` is None when the source contact was deleted or is no longer eligible (no
    consent, filtered out); ``state`` None when nothing is known about it. ``position`` only
    labels a rejection. Raises ValueError when both are None: there is nothing to classify.
    """
    sent = state if state is not None and state.sent else None
    old = _address(job, sent.email, sent.phone) if sent is not None else None
    if record is None:
        if state is None:
            raise ValueError("classify needs a record or a state")
        return Change("remove", state.source_id, position, previous=state, delete=old)
    converted, note = job.convert_noted(record, position)
    if isinstance(converted, Rejection):
        return Change(
            "invalid", record.id, position, previous=state, delete=old, rejection=converted
        )
    notes = (note,) if note is not None else ()
    new = state_of(job, record.id, converted)
    if sent is None:
        kind: ChangeKind = "new"
    elif not _same(old, _address(job, new.email, new.phone)):
        return Change("move", record.id, position, converted, new, state, old, notes=notes)
    else:
        kind = "unchanged" if sent.row_hash == new.row_hash else "update"
    return Change(kind, record.id, position, converted, new, state, notes=notes)
