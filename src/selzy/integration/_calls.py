"""importContacts calls, sans I/O: changes cut into calls, a call's rows, its answer mapped back.

The one place where rows become calls: :func:`plan_calls` cuts classified changes into groups
of at most 500 rows; :class:`ImportCall` turns one group into the call's columns and rows and
maps Selzy's answer (its counts and per-row log) back to source records as a
:class:`BatchOutcome`. :func:`selzy.integration.send_changes` sends it.

What is never sent: ``email_status`` (Selzy gives new addresses ``new`` and leaves existing
ones as they are, so an unsubscribed or blocked contact stays so), ``double_optin`` (no opt-in
letter is triggered) and ``overwrite_lists`` (a resync must not drop the contact from lists
the source knows nothing about).

Rows of one call: deletions first (so a moved contact's phone is free before the new address
is inserted with it), then upserts. Two contacts of the source sharing an address make one row:
the later one wins (Selzy holds one contact per address anyway), and the earlier one gets a
``duplicate`` note naming it, once the row is accepted. :func:`import_records` keeps the same
rule across calls. A deletion of an address another change of the same call upserts is
dropped, since Selzy refuses a call naming an address twice and the contact must live on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from selzy.protocol import MAX_IMPORT_ROWS
from selzy.types import ImportResult

from ._changes import Change, SentState
from ._job import ImportJob
from ._records import Rejection
from ._totals import ChangeCounts, RunTotals

DELETE_COLUMN = "delete"


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """What a batch did, for the host to store.

    ``synced`` are the states now in Selzy (record them); ``removed`` the source ids whose
    contact is now gone from Selzy (forget their states); ``rejections`` every record refused,
    locally or by Selzy's log, in the order of the changes (their contacts are not in
    ``synced``); ``totals`` the batch's :class:`RunTotals`.
    """

    totals: RunTotals
    rejections: tuple[Rejection, ...] = ()
    synced: tuple[SentState, ...] = ()
    removed: tuple[Hashable, ...] = ()
    warnings: tuple[str, ...] = ()

    def __add__(self, other: BatchOutcome) -> BatchOutcome:
        return BatchOutcome(
            self.totals + other.totals,
            self.rejections + other.rejections,
            self.synced + other.synced,
            self.removed + other.removed,
            self.warnings + other.warnings,
        )


def plan_calls(
    changes: Iterable[Change], max_rows: int = MAX_IMPORT_ROWS, *, max_changes: int | None = None
) -> Iterator[list[Change]]:
    """Cut ``changes`` (read lazily) into groups that each fit one importContacts call.

    A group holds at most ``max_rows`` rows (a move counts 2; a lone move always fits) and at
    most ``max_changes`` changes (default ``10 * max_rows``: changes that send nothing, such as
    unchanged contacts or local rejections, ride along, but memory stays bounded).
    """
    if not 1 <= max_rows <= MAX_IMPORT_ROWS:
        raise ValueError(f"max_rows must be from 1 to {MAX_IMPORT_ROWS}, got {max_rows}")
    limit = max_changes if max_changes is not None else 10 * max_rows
    group: list[Change] = []
    rows = 0
    for change in changes:
        need = change.rows
        if group and (rows + need > max_rows or len(group) >= limit):
            yield group
            group, rows = [], 0
        group.append(change)
        rows += need
    if group:
        yield group


def _key(column: str, address: str) -> tuple[str, str]:
    return (column, address.lower())


def _upserts(change: Change) -> bool:
    return change.state is not None and change.kind in ("new", "update", "move")


def upsert_key(job: ImportJob, change: Change) -> tuple[str, str]:
    """The address an upsert is known by in Selzy, lower-cased: ``("email", ...)`` or phone."""
    state = change.state
    assert state is not None
    if state.email and "email" in job.field_names:
        return _key("email", state.email)
    return _key("phone", state.phone)


def duplicate_note(job: ImportJob, later: Change, earlier_id: Hashable, position: int) -> Rejection:
    """The note of the row ``earlier_id`` replaced by ``later``, a row with the same address;
    ``position`` is the earlier row's, or where the later one was met."""
    column = upsert_key(job, later)[0]
    state = later.state
    assert state is not None
    reason = f"replaced by {job.id_name} {later.source_id}, which has the same {column}"
    return Rejection(earlier_id, position, "duplicate", reason, "local", state.email, state.phone)


class ImportCall:
    """One importContacts call: its rows, which changes own each row, then Selzy's answer."""

    def __init__(
        self, job: ImportJob, changes: Sequence[Change], keep_addresses: Collection[str]
    ) -> None:
        self.job = job
        self.changes = changes
        upserted = {upsert_key(job, c) for c in changes if _upserts(c)}
        kept = {address.lower() for address in keep_addresses}

        def deletes(change: Change) -> bool:
            if change.delete is None:
                return False
            column, address = change.delete
            return _key(column, address) not in upserted and address.lower() not in kept

        with_delete = any(deletes(c) for c in changes)
        self.field_names = job.field_names + ((DELETE_COLUMN,) if with_delete else ())
        self.rows: list[tuple[str, ...]] = []
        self.delete_row: dict[int, int] = {}  # id(change) -> its delete row
        self.upsert_row: dict[int, int] = {}
        self.replaced: dict[int, list[Rejection]] = {}  # id(change) -> the rows it replaced
        width = len(job.field_names)
        by_key: dict[tuple[str, str], int] = {}
        for change in changes:
            if not deletes(change):
                continue  # nothing to delete, or the contact lives on: another record holds it
            assert change.delete is not None
            column, address = change.delete
            index = by_key.get(_key(column, address))
            if index is None:
                cells = [""] * width
                cells[job.field_names.index(column)] = address
                index = by_key[_key(column, address)] = self._add((*cells, "1"))
            self.delete_row[id(change)] = index
        by_key.clear()
        owner: dict[int, Change] = {}  # row -> the change whose values it holds
        for change in changes:
            if not _upserts(change) or change.row is None:
                continue
            row = (*change.row, "0") if with_delete else change.row
            key = upsert_key(job, change)
            index = by_key.get(key)
            if index is None:
                index = by_key[key] = self._add(row)
            else:
                self.rows[index] = row  # the later record's values win, as they would in Selzy
                earlier = owner[index]
                note = duplicate_note(job, change, earlier.source_id, earlier.position)
                self.replaced.setdefault(id(change), []).append(note)
            owner[index] = change
            self.upsert_row[id(change)] = index
        if len(self.rows) > MAX_IMPORT_ROWS:
            raise ValueError(
                f"{len(self.rows)} rows: one importContacts call takes at most "
                f"{MAX_IMPORT_ROWS}; cut the changes with plan_calls()"
            )

    def _add(self, row: tuple[str, ...]) -> int:
        self.rows.append(row)
        return len(self.rows) - 1

    def finish(self, result: ImportResult | None) -> BatchOutcome:
        """Map Selzy's answer back to the changes."""
        failed: dict[int, tuple[str, str]] = {}
        # An entry naming no row of the call is Selzy's word all the same: kept, with no record.
        unplaced: list[Rejection] = []
        for entry in result.log if result is not None else ():
            code = entry.code or "unspecified"
            if 0 <= entry.index < len(self.rows):
                failed.setdefault(entry.index, (code, entry.message))
            else:
                unplaced.append(Rejection(None, -1, code, entry.message, "selzy"))
        rejections: list[Rejection] = []
        synced: list[SentState] = []
        removed: list[Hashable] = []
        for change in self.changes:
            if change.rejection is not None:
                rejections.append(change.rejection)
            delete_at = self.delete_row.get(id(change))
            upsert_at = self.upsert_row.get(id(change))
            # No delete row (none needed, or another record keeps the address) counts as done.
            deleted = delete_at not in failed
            if delete_at is not None and delete_at in failed:
                rejections.append(_refused(change, change.previous, failed[delete_at]))
            if upsert_at is not None and upsert_at in failed:
                rejections.append(_refused(change, change.state, failed[upsert_at]))
                if change.kind == "move" and deleted:
                    removed.append(change.source_id)  # the old address is gone, the new refused
            elif upsert_at is not None and change.state is not None:
                synced.append(change.state)
                rejections += change.notes
                rejections += self.replaced.get(id(change), ())
            elif (change.kind == "remove" and deleted) or (
                change.kind == "invalid" and change.delete is not None and deleted
            ):
                removed.append(change.source_id)
        rejections += unplaced
        return BatchOutcome(
            _totals(self.changes, rejections, len(self.rows), result),
            tuple(rejections),
            tuple(synced),
            tuple(removed),
            tuple(result.warnings) if result is not None else (),
        )


def _totals(
    changes: Sequence[Change],
    rejections: Sequence[Rejection],
    rows: int,
    result: ImportResult | None,
) -> RunTotals:
    counts = ChangeCounts.of(changes)
    skipped = Counter(r.code for r in rejections if r.stage == "local" and not r.is_note)
    notes = Counter(r.code for r in rejections if r.is_note)
    totals = RunTotals(
        total=len(changes),
        sent=rows,
        skipped_locally=counts.invalid,
        rejected=sum(1 for r in rejections if r.stage == "selzy"),
        changes=counts,
        skipped=dict(sorted(skipped.items())),
        notes=dict(sorted(notes.items())),
    )
    if result is None:
        return totals
    return totals + RunTotals(
        inserted=result.inserted,
        updated=result.updated,
        deleted=result.deleted,
        new_emails=result.new_emails,
        invalid=result.invalid,
        batches=1,
    )


def _refused(change: Change, state: SentState | None, failure: tuple[str, str]) -> Rejection:
    code, reason = failure
    email = state.email if state is not None else ""
    phone = state.phone if state is not None else ""
    return Rejection(change.source_id, change.position, code, reason, "selzy", email, phone)
