"""Incremental sync, part one: what was last sent for a contact, and what a record now needs.

A sync keeps one :class:`ContactState` per source contact: the address and the hash of the row
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

The same :func:`classify` serves the real run (:func:`send_changes`) and :func:`dry_run`, so a
dry run's counts are what the run then does.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Literal

from ._job import ImportJob
from ._records import Rejection, SourceRecord

ChangeKind = Literal["new", "update", "unchanged", "move", "remove", "invalid"]

#: Every change kind, in the order reports show them.
CHANGE_KINDS: tuple[ChangeKind, ...] = ("new", "update", "unchanged", "move", "remove", "invalid")


@dataclass(frozen=True, slots=True)
class ContactState:
    """What was last sent to Selzy for one source contact.

    ``email`` and ``phone`` are the values as sent; ``row_hash`` is :func:`row_hash` of the row
    sent, ``""`` when nothing has been sent yet (a state created to remember a pending change).
    """

    source_id: Hashable
    email: str = ""
    phone: str = ""
    row_hash: str = ""

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
    address was sent before); ``rejection`` why an invalid record cannot be sent.
    """

    kind: ChangeKind
    source_id: Hashable
    position: int = 0
    row: tuple[str, ...] | None = None
    state: ContactState | None = None
    previous: ContactState | None = None
    delete: tuple[str, str] | None = None
    rejection: Rejection | None = None

    @property
    def rows(self) -> int:
        """importContacts rows the change takes (at most; :func:`send_changes` may merge)."""
        upsert = self.kind in ("new", "update", "move")
        return int(upsert) + int(self.delete is not None)


@dataclass(frozen=True, slots=True)
class SyncCounts:
    """How many changes of each kind a sync (or a dry run) saw."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    moved: int = 0
    removed: int = 0
    invalid: int = 0

    def __add__(self, other: SyncCounts) -> SyncCounts:
        return SyncCounts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    @classmethod
    def of(cls, changes: Iterable[Change]) -> SyncCounts:
        """The counts of ``changes``."""
        return cls.from_kinds(Counter(change.kind for change in changes))

    @classmethod
    def from_kinds(cls, tally: Mapping[str, int]) -> SyncCounts:
        """Counts from a tally by change kind (``"update"`` -> ``updated``, ...)."""
        return cls(
            new=tally.get("new", 0),
            updated=tally.get("update", 0),
            unchanged=tally.get("unchanged", 0),
            moved=tally.get("move", 0),
            removed=tally.get("remove", 0),
            invalid=tally.get("invalid", 0),
        )

    @property
    def total(self) -> int:
        """Every change counted."""
        return sum(getattr(self, f.name) for f in fields(self))

    def as_dict(self) -> dict[str, int]:
        """The counts as a plain dict, for JSON storage."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


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


def state_of(job: ImportJob, source_id: Hashable, row: tuple[str, ...]) -> ContactState:
    """The state a converted row leaves once it is sent."""
    names = job.field_names
    email = row[names.index("email")] if "email" in names else ""
    phone = row[names.index("phone")] if "phone" in names else ""
    return ContactState(source_id, email, phone, row_hash(job, row))


def classify(
    job: ImportJob,
    record: SourceRecord | None,
    state: ContactState | None,
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
    converted = job.convert(record, position)
    if isinstance(converted, Rejection):
        return Change(
            "invalid", record.id, position, previous=state, delete=old, rejection=converted
        )
    new = state_of(job, record.id, converted)
    if sent is None:
        kind: ChangeKind = "new"
    elif not _same(old, _address(job, new.email, new.phone)):
        return Change("move", record.id, position, converted, new, state, old)
    else:
        kind = "unchanged" if sent.row_hash == new.row_hash else "update"
    return Change(kind, record.id, position, converted, new, state)
