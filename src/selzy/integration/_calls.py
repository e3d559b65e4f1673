"""importContacts calls, sans I/O: changes cut into calls, a call's rows, its answer mapped back.

The one place where rows become calls: :func:`plan_calls` cuts classified changes into groups
of at most 500 rows; :class:`ImportCall` turns one group into the call's columns and rows and
maps Selzy's answer (its counts and per-row log) back to source records as a
:class:`BatchOutcome`. :func:`selzy.integration.send_changes` sends it.

What is never sent: ``email_status`` (Selzy gives new addresses ``new`` and leaves existing
ones as they are, so an unsubscribed or blocked contact stays so), ``double_optin`` (no opt-in
letter is triggered) and ``overwrite_lists`` (a resync must not drop the contact from lists
the source knows nothing about).

Contacts leaving the source (a record deleted, out of the filter, its address turned
malformed) are taken out of the job's list by a separate exclusion call, so the account keeps
them with their history: a person who unsubscribed is still unsubscribed when the record comes
back. Deleting them from the account instead is the job's ``removal="delete"``.

Rows of the main call: deletions first (a moved contact's old address, so its phone is free
before the new address is inserted with it), then upserts. Two contacts of the source sharing an
address make one row: the later one wins (Selzy holds one contact per address anyway), and the
earlier one gets a ``duplicate`` note naming it, once the row is accepted. :func:`import_records`
keeps the same rule across calls. Taking out an address another change of the same call upserts
is dropped, since Selzy refuses a call naming an address twice and the contact must live on.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Iterator, Sequence

from selzy.protocol import MAX_IMPORT_ROWS
from selzy.types import ImportResult

from ._changes import Change, SentState
from ._job import ImportJob
from ._outcome import BatchOutcome, failures, refused, shortfalls, totals_of
from ._records import Rejection

DELETE_COLUMN = "delete"


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


class _Exclusion:
    """The rows of the exclusion call: contacts taken out of the job's list, nothing else.

    A separate call because its rows carry only an address and the list to leave: in the main
    call's columns the contact's other values would be sent empty, which clears them in Selzy.
    """

    def __init__(self, list_id: int) -> None:
        self.list = str(list_id)
        self.addresses: list[tuple[str, str]] = []  # (column, address) per row
        self.row_of: dict[int, int] = {}  # id(change) -> its row
        self._by_key: dict[tuple[str, str], int] = {}

    def add(self, change: Change, column: str, address: str) -> None:
        index = self._by_key.get(_key(column, address))
        if index is None:
            index = self._by_key[_key(column, address)] = len(self.addresses)
            self.addresses.append((column, address))
        self.row_of[id(change)] = index

    @property
    def field_names(self) -> tuple[str, ...]:
        columns = [c for c in ("email", "phone") if any(a[0] == c for a in self.addresses)]
        return (*columns, *(f"{c}_excluded_list_ids" for c in columns))

    @property
    def rows(self) -> list[tuple[str, ...]]:
        columns = [n for n in self.field_names if not n.endswith("_excluded_list_ids")]
        return [
            tuple(address if c == column else "" for c in columns)
            + tuple(self.list if c == column else "" for c in columns)
            for column, address in self.addresses
        ]


def duplicate_note(job: ImportJob, later: Change, earlier_id: Hashable, position: int) -> Rejection:
    """The note of the row ``earlier_id`` replaced by ``later``, a row with the same address;
    ``position`` is the earlier row's, or where the later one was met."""
    column = upsert_key(job, later)[0]
    state = later.state
    assert state is not None
    reason = f"replaced by {job.id_name} {later.source_id}, which has the same {column}"
    return Rejection(earlier_id, position, "duplicate", reason, "local", state.email, state.phone)


class ImportCall:
    """The calls for one group of changes: their rows, which changes own each row, then Selzy's
    answers. Usually one importContacts call; a second, the exclusion call, when contacts leave.
    """

    def __init__(
        self, job: ImportJob, changes: Sequence[Change], keep_addresses: Collection[str]
    ) -> None:
        self.job = job
        self.changes = changes
        upserted = {upsert_key(job, c) for c in changes if _upserts(c)}
        kept = {address.lower() for address in keep_addresses}

        def takes_out(change: Change) -> bool:
            if change.delete is None:
                return False
            column, address = change.delete
            return _key(column, address) not in upserted and address.lower() not in kept

        # A contact leaving the source is taken out of our list, and the account keeps its
        # history (an unsubscription, other lists). It is deleted from the account only with
        # job.removal == "delete", or for a move: the old address must free its phone.
        def deletes(change: Change) -> bool:
            return takes_out(change) and (job.removal == "delete" or change.kind == "move")

        with_delete = any(deletes(c) for c in changes)
        self.field_names = job.field_names + ((DELETE_COLUMN,) if with_delete else ())
        self.rows: list[tuple[str, ...]] = []
        self.delete_row: dict[int, int] = {}  # id(change) -> its delete row
        self.upsert_row: dict[int, int] = {}
        self.exclusion = _Exclusion(job.list_id)
        self.replaced: dict[int, list[Rejection]] = {}  # id(change) -> the rows it replaced
        width = len(job.field_names)
        by_key: dict[tuple[str, str], int] = {}
        for change in changes:
            if not takes_out(change):
                continue  # nothing to take out, or the contact lives on: another record holds it
            assert change.delete is not None
            column, address = change.delete
            if not deletes(change):
                self.exclusion.add(change, column, address)
                continue
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
        if len(self.rows) + len(self.exclusion.addresses) > MAX_IMPORT_ROWS:
            raise ValueError(
                f"{len(self.rows)} rows: one importContacts call takes at most "
                f"{MAX_IMPORT_ROWS}; cut the changes with plan_calls()"
            )

    def _add(self, row: tuple[str, ...]) -> int:
        self.rows.append(row)
        return len(self.rows) - 1

    def finish(
        self, result: ImportResult | None, excluded: ImportResult | None = None
    ) -> BatchOutcome:
        """Map Selzy's answers (the main call's, the exclusion call's) back to the changes."""
        unplaced: list[Rejection] = []
        failed = failures(result, len(self.rows), unplaced)
        failed_out = failures(excluded, len(self.exclusion.addresses), unplaced)
        rejections: list[Rejection] = []
        synced: list[SentState] = []
        removed: list[Hashable] = []
        for change in self.changes:
            if change.rejection is not None:
                rejections.append(change.rejection)
            delete_at = self.delete_row.get(id(change))
            exclude_at = self.exclusion.row_of.get(id(change))
            upsert_at = self.upsert_row.get(id(change))
            # No row taking it out (none needed, another record keeps the address) counts as done.
            out = True
            if delete_at is not None and delete_at in failed:
                rejections.append(refused(change, change.previous, failed[delete_at]))
                out = False
            if exclude_at is not None and exclude_at in failed_out:
                rejections.append(refused(change, change.previous, failed_out[exclude_at]))
                out = False
            if upsert_at is not None and upsert_at in failed:
                rejections.append(refused(change, change.state, failed[upsert_at]))
                if change.kind == "move" and out:
                    removed.append(change.source_id)  # the old address is gone, the new refused
            elif upsert_at is not None and change.state is not None:
                synced.append(change.state)
                rejections += change.notes
                rejections += self.replaced.get(id(change), ())
            elif (change.kind == "remove" and out) or (
                change.kind == "invalid" and change.delete is not None and out
            ):
                removed.append(change.source_id)
        rejections += unplaced
        results = [r for r in (result, excluded) if r is not None]
        rows = len(self.rows) + len(self.exclusion.addresses)
        shortfalls_ = shortfalls(
            [(result, len(self.rows)), (excluded, len(self.exclusion.addresses))]
        )
        return BatchOutcome(
            totals_of(self.changes, rejections, rows, results, sum(n for n, _ in shortfalls_)),
            tuple(rejections),
            tuple(synced),
            tuple(removed),
            tuple(w for r in results for w in r.warnings) + tuple(t for _, t in shortfalls_),
        )
