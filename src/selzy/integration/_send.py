"""Sending contacts: changes cut into importContacts calls, each call's answer mapped back.

The one place where rows become calls: :func:`plan_calls` cuts classified changes into groups
of at most 500 rows, :func:`send_changes` sends one group as ONE importContacts call and maps
Selzy's answer (its counts and per-row log) back to source records, and :func:`sync_batch` is
the step a host calls for a batch of its contacts: classify, send, return one
:class:`BatchOutcome` for the host to store.

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

from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from selzy.client import AsyncSelzy, Selzy
from selzy.protocol import MAX_IMPORT_ROWS
from selzy.types import ImportResult

from ._changes import Change, SentState, classify
from ._job import ImportJob
from ._records import Rejection, SourceRecord
from ._totals import ChangeCounts, RunTotals

DELETE_COLUMN = "delete"


class Contact(NamedTuple):
    """One contact of a batch as the host read it: its place in the run, record and state.

    ``record`` None: the contact is gone from the source or no longer eligible; ``state`` None:
    nothing was ever sent for it.
    """

    position: int
    record: SourceRecord | None
    state: SentState | None


class StateStore(Protocol):
    """What the engine asks of the host's per-contact storage while it sends a batch."""

    def addresses_held(
        self, addresses: Collection[str], *, excluding: Collection[Hashable]
    ) -> Collection[str]:
        """Which of ``addresses`` (emails) other contacts, not in ``excluding``, hold in Selzy."""
        ...


class NoStates:
    """The :class:`StateStore` of a one-off import: nothing was sent before, nothing is held."""

    def addresses_held(
        self, addresses: Collection[str], *, excluding: Collection[Hashable]
    ) -> Collection[str]:
        """None: a one-off import keeps no states."""
        return ()


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


def _upsert_key(job: ImportJob, change: Change) -> tuple[str, str]:
    state = change.state
    assert state is not None
    if state.email and "email" in job.field_names:
        return _key("email", state.email)
    return _key("phone", state.phone)


class _Call:
    """One importContacts call: its rows, which changes own each row, then Selzy's answer."""

    def __init__(
        self, job: ImportJob, changes: Sequence[Change], keep_addresses: Collection[str]
    ) -> None:
        self.job = job
        self.changes = changes
        upserted = {_upsert_key(job, c) for c in changes if _upserts(c)}
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
        for change in changes:
            if not _upserts(change) or change.row is None:
                continue
            row = (*change.row, "0") if with_delete else change.row
            key = _upsert_key(job, change)
            index = by_key.get(key)
            if index is None:
                index = by_key[key] = self._add(row)
            else:
                self.rows[index] = row  # the later record's values win, as they would in Selzy
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
        for entry in result.log if result is not None else ():
            if 0 <= entry.index < len(self.rows):
                failed.setdefault(entry.index, (entry.code or "unspecified", entry.message))
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
            elif (change.kind == "remove" and deleted) or (
                change.kind == "invalid" and change.delete is not None and deleted
            ):
                removed.append(change.source_id)
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
    skipped = Counter(r.code for r in rejections if r.stage == "local")
    totals = RunTotals(
        total=len(changes),
        sent=rows,
        skipped_locally=counts.invalid,
        rejected=sum(1 for r in rejections if r.stage == "selzy"),
        changes=counts,
        skipped=dict(sorted(skipped.items())),
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


def send_changes(
    client: Selzy,
    job: ImportJob,
    changes: Sequence[Change],
    *,
    keep_addresses: Collection[str] = (),
) -> BatchOutcome:
    """Send ``changes`` in ONE importContacts call (none when nothing needs sending).

    ``keep_addresses``: addresses other contacts of the source still hold; a change that would
    delete one of them leaves it in Selzy (its own state is still forgotten). Raises ValueError
    when the changes need more than 500 rows (:func:`plan_calls` keeps them within), and the
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
) -> BatchOutcome:
    """:func:`send_changes` for :class:`AsyncSelzy`."""
    call = _Call(job, changes, keep_addresses)
    if not call.rows:
        return call.finish(None)
    result = await client.import_contacts(
        field_names=call.field_names, data=call.rows, overwrite_tags=job.overwrite_tags
    )
    return call.finish(result)


class _Classified(NamedTuple):
    changes: list[Change]
    kept: Collection[str]
    unsubscribed: int


def _classify_batch(job: ImportJob, contacts: Iterable[Contact], store: StateStore) -> _Classified:
    """The batch's changes, the addresses they must leave in Selzy, the contacts left alone."""
    changes: list[Change] = []
    unsubscribed = 0
    for position, record, state in contacts:
        if state is not None and state.unsubscribed:
            unsubscribed += 1  # never sent, never removed: the person said no
        elif record is not None or state is not None:
            changes.append(classify(job, record, state, position))
    deleting = {c.delete[1] for c in changes if c.delete is not None and c.delete[0] == "email"}
    kept: Collection[str] = ()
    if deleting:
        leaving = [c.source_id for c in changes if c.delete is not None]
        kept = store.addresses_held(deleting, excluding=leaving)
    return _Classified(changes, kept, unsubscribed)


def _merged(outcomes: Iterable[BatchOutcome], unsubscribed: int) -> BatchOutcome:
    outcome = sum(outcomes, BatchOutcome(RunTotals()))
    if not unsubscribed:
        return outcome
    return BatchOutcome(
        outcome.totals.skipping("unsubscribed", unsubscribed),
        outcome.rejections,
        outcome.synced,
        outcome.removed,
        outcome.warnings,
    )


def sync_batch(
    client: Selzy, job: ImportJob, contacts: Iterable[Contact], store: StateStore
) -> BatchOutcome:
    """A host's step for one batch of its contacts: classify them, send, map the answers back.

    One importContacts call for a batch of up to 500 contacts, two when moves push its rows
    past 500. Unsubscribed contacts are counted as skipped and left alone. The host stores the
    outcome (states synced and removed, rejections, totals) in one transaction of its own.
    """
    batch = _classify_batch(job, contacts, store)
    outcomes = [
        send_changes(client, job, group, keep_addresses=batch.kept)
        for group in plan_calls(batch.changes)
    ]
    return _merged(outcomes, batch.unsubscribed)


async def sync_batch_async(
    client: AsyncSelzy, job: ImportJob, contacts: Iterable[Contact], store: StateStore
) -> BatchOutcome:
    """:func:`sync_batch` for :class:`AsyncSelzy`."""
    batch = _classify_batch(job, contacts, store)
    outcomes = [
        await send_changes_async(client, job, group, keep_addresses=batch.kept)
        for group in plan_calls(batch.changes)
    ]
    return _merged(outcomes, batch.unsubscribed)
