"""Incremental sync, part two: sending classified changes, one importContacts call at a time.

:func:`send_changes` turns up to 500 rows' worth of :class:`Change` objects into one
importContacts call and Selzy's answer back into what the caller's ledger must record: the
states now in Selzy, the contacts now gone from it, and every rejection by source id.

What is never sent: ``email_status`` (Selzy gives new addresses ``new`` and leaves existing
ones as they are, so an unsubscribed or blocked contact stays so), ``double_optin`` (no opt-in
letter is triggered) and ``overwrite_lists`` (a resync must not drop the contact from lists
the source knows nothing about).

Rows of one call: deletions first (so a moved contact's phone is free before the new address
is inserted with it), then upserts. Two contacts of the source sharing an address make one row
(the later one's values: Selzy holds one contact per address anyway); a deletion of an address
another change of the same call upserts is dropped, since Selzy refuses a call naming an
address twice and the contact must live on.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from selzy.client import AsyncSelzy, Selzy
from selzy.protocol import MAX_IMPORT_ROWS
from selzy.types import ImportResult

from ._job import ImportJob
from ._records import ImportTotals, Rejection
from ._sync import Change, ContactState, SyncCounts

DELETE_COLUMN = "delete"


@dataclass(frozen=True, slots=True)
class SyncBatchOutcome:
    """What one :func:`send_changes` call did, for the caller's ledger.

    ``synced`` are the states now in Selzy (record them); ``removed`` the source ids whose
    contact is now gone from Selzy (forget their states); ``rejections`` every record refused,
    locally or by Selzy's log, in the order of the changes; their contacts are not in
    ``synced``. ``counts`` are the changes by kind, ``totals`` Selzy's counts for the call.
    """

    totals: ImportTotals
    rejections: tuple[Rejection, ...]
    synced: tuple[ContactState, ...]
    removed: tuple[Hashable, ...]
    counts: SyncCounts
    warnings: tuple[str, ...] = ()


def _key(column: str, address: str) -> tuple[str, str]:
    return (column, address.lower())


class _Call:
    """One importContacts call: its rows, which changes own each row, then Selzy's answer."""

    def __init__(
        self, job: ImportJob, changes: Sequence[Change], keep_addresses: Collection[str]
    ) -> None:
        self.job = job
        self.changes = changes
        upserted = {_upsert_key(job, c) for c in changes if _upserts(c)}
        kept = {address.lower() for address in keep_addresses}
        width = len(job.field_names)
        deletes = any(
            c.delete is not None
            and _key(*c.delete) not in upserted
            and c.delete[1].lower() not in kept
            for c in changes
        )
        self.field_names = job.field_names + ((DELETE_COLUMN,) if deletes else ())
        self.rows: list[tuple[str, ...]] = []
        self.owners: list[list[Change]] = []
        self.delete_row: dict[int, int] = {}  # id(change) -> its delete row
        self.upsert_row: dict[int, int] = {}
        by_key: dict[tuple[str, str], int] = {}
        for change in changes:
            if change.delete is None:
                continue
            column, address = change.delete
            key = _key(column, address)
            if key in upserted or address.lower() in kept:
                continue  # the contact lives on: another record holds the address
            index = by_key.get(key)
            if index is None:
                cells = [""] * width
                cells[job.field_names.index(column)] = address
                index = self._add((*cells, "1"))
                by_key[key] = index
            self.owners[index].append(change)
            self.delete_row[id(change)] = index
        by_key.clear()
        for change in changes:
            if not _upserts(change) or change.row is None:
                continue
            row = (*change.row, "0") if deletes else change.row
            key = _upsert_key(job, change)
            index = by_key.get(key)
            if index is None:
                index = by_key[key] = self._add(row)
            else:
                self.rows[index] = row  # the later record's values win, as they would in Selzy
            self.owners[index].append(change)
            self.upsert_row[id(change)] = index
        if len(self.rows) > MAX_IMPORT_ROWS:
            raise ValueError(
                f"{len(self.rows)} rows: one importContacts call takes at most "
                f"{MAX_IMPORT_ROWS}; split the changes with plan_batches()"
            )

    def _add(self, row: tuple[str, ...]) -> int:
        self.rows.append(row)
        self.owners.append([])
        return len(self.rows) - 1

    def finish(self, result: ImportResult | None) -> SyncBatchOutcome:
        """Map Selzy's answer back to the changes."""
        failed: dict[int, tuple[str, str]] = {}
        for entry in result.log if result is not None else ():
            if 0 <= entry.index < len(self.rows):
                failed.setdefault(entry.index, (entry.code or "unspecified", entry.message))
        rejections: list[Rejection] = []
        synced: list[ContactState] = []
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
            elif (change.kind == "remove" and deleted) or (
                change.kind == "invalid" and change.delete is not None and deleted
            ):
                removed.append(change.source_id)
        counts = SyncCounts.of(self.changes)
        totals = ImportTotals(
            total=len(self.changes), sent=len(self.rows), skipped_locally=counts.invalid
        )
        if result is not None:
            totals += ImportTotals(
                inserted=result.inserted,
                updated=result.updated,
                deleted=result.deleted,
                new_emails=result.new_emails,
                invalid=result.invalid,
                batches=1,
            )
        warnings = tuple(result.warnings) if result is not None else ()
        return SyncBatchOutcome(
            totals, tuple(rejections), tuple(synced), tuple(removed), counts, warnings
        )


def _upserts(change: Change) -> bool:
    return change.state is not None and change.kind in ("new", "update", "move")


def _upsert_key(job: ImportJob, change: Change) -> tuple[str, str]:
    state = change.state
    assert state is not None
    if state.email and "email" in job.field_names:
        return _key("email", state.email)
    return _key("phone", state.phone)


def _refused(change: Change, state: ContactState | None, failure: tuple[str, str]) -> Rejection:
    code, reason = failure
    email = state.email if state is not None else ""
    phone = state.phone if state is not None else ""
    return Rejection(change.source_id, change.position, code, reason, "selzy", email, phone)


def send_changes(
    client: Selzy,
    job: ImportJob,
    changes: Sequence[Change],
    *,
    keep_addresses: Collection[str] = (),
) -> SyncBatchOutcome:
    """Send ``changes`` in ONE importContacts call (none when nothing needs sending).

    ``keep_addresses``: addresses other contacts of the source still hold; a change that would
    delete one of them leaves it in Selzy (its own state is still forgotten). Raises ValueError
    when the changes need more than 500 rows (:func:`plan_batches` keeps them within), and the
    client's errors when the call fails after its retries (nothing is then known to be synced;
    importContacts is an upsert, so sending the same changes again is safe).
    """
    call = _Call(job, changes, keep_addresses)
    if not call.rows:
        return call.finish(None)
    result = client.import_contacts(
        field_names=call.field_names, data=call.rows, overwrite_tags=job.overwrite_tags
    )
    return call.finish(result)


async def send_changes_async(
    client: AsyncSelzy,
    job: ImportJob,
    changes: Sequence[Change],
    *,
    keep_addresses: Collection[str] = (),
) -> SyncBatchOutcome:
    """:func:`send_changes` for :class:`AsyncSelzy`."""
    call = _Call(job, changes, keep_addresses)
    if not call.rows:
        return call.finish(None)
    result = await client.import_contacts(
        field_names=call.field_names, data=call.rows, overwrite_tags=job.overwrite_tags
    )
    return call.finish(result)


def plan_batches(
    changes: Iterable[Change], max_rows: int = MAX_IMPORT_ROWS, *, max_changes: int | None = None
) -> Iterator[list[Change]]:
    """Group ``changes`` (read lazily) into lists that each fit one :func:`send_changes` call.

    A group holds at most ``max_rows`` importContacts rows (a move counts 2) and at most
    ``max_changes`` changes (default ``10 * max_rows``: changes that send nothing, such as
    unchanged contacts, ride along, but memory stays bounded).
    """
    if not 2 <= max_rows <= MAX_IMPORT_ROWS:
        raise ValueError(f"max_rows must be between 2 and {MAX_IMPORT_ROWS}, got {max_rows}")
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
