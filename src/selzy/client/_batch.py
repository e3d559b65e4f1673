"""The sans-I/O half of bulk import: positional rows, batches, and one report for them all.

Rows come from any iterable (a generator of millions is read lazily, one batch at a time), each
either a mapping keyed by field name or a sequence in ``field_names`` order. Every row is built
positionally from ``field_names``: a value the row lacks becomes ``""`` in its own column, so a
missing value never shifts the others (the bug of rows built by dropping empty cells).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from selzy.protocol import DATE_FORMAT, DATETIME_FORMAT, MAX_IMPORT_ROWS

from ._encoding import Rows
from ._exceptions import BatchTooLargeError, ClientValidationError
from ._types._contacts import ImportResult

Row = Mapping[str, Any] | Sequence[Any]


def cell_text(value: object) -> str:
    """One cell as importContacts wants it: "" for nothing, 1/0, comma lists, UTC dates."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, dt.date):
        return value.strftime(DATE_FORMAT)
    if isinstance(value, list | tuple | set | frozenset):
        return ",".join(cell_text(v) for v in value)
    return str(value)


def check_field_names(field_names: Sequence[str]) -> tuple[str, ...]:
    names = tuple(field_names)
    if "email" not in names and "phone" not in names:
        raise ClientValidationError("field_names must include 'email' or 'phone' (importContacts)")
    if len(set(names)) != len(names):
        raise ClientValidationError(f"field_names repeats a column: {list(names)}")
    return names


def build_row(field_names: tuple[str, ...], row: Row, position: int) -> tuple[str, ...]:
    """The row's cells in ``field_names`` order."""
    if isinstance(row, Mapping):
        get = row.get
        return tuple([cell_text(get(name)) for name in field_names])
    if isinstance(row, str | bytes) or not isinstance(row, Sequence):
        raise ClientValidationError(
            f"Row {position} is a {type(row).__name__}; give a mapping or a sequence of values"
        )
    if len(row) > len(field_names):
        raise ClientValidationError(
            f"Row {position} has {len(row)} values for {len(field_names)} field_names; "
            "nothing was sent"
        )
    cells = [cell_text(v) for v in row]
    cells.extend([""] * (len(field_names) - len(cells)))
    return tuple(cells)


def build_rows(field_names: tuple[str, ...], rows: Iterable[Row], start: int = 0) -> Rows:
    """Up to 500 rows, checked and built, ready for the encoder."""
    built = Rows(build_row(field_names, row, start + i) for i, row in enumerate(rows))
    if len(built) > MAX_IMPORT_ROWS:
        raise BatchTooLargeError(len(built), MAX_IMPORT_ROWS)
    return built


@dataclass(frozen=True, slots=True)
class Batch:
    """A slice of the caller's rows: ``start`` is the input position of its first row."""

    number: int
    start: int
    rows: Rows


def iter_batches(
    field_names: tuple[str, ...], rows: Iterable[Row], batch_size: int, start: int = 0
) -> Iterator[Batch]:
    """Batches read lazily: only one batch of the input is held at a time."""
    if not 1 <= batch_size <= MAX_IMPORT_ROWS:
        raise ClientValidationError(
            f"batch_size must be between 1 and {MAX_IMPORT_ROWS}, got {batch_size}"
        )
    return _batches(field_names, iter(rows), batch_size, start)


def _batches(
    field_names: tuple[str, ...], iterator: Iterator[Row], batch_size: int, start: int
) -> Iterator[Batch]:
    number = 0
    position = start
    while True:
        chunk = list(islice(iterator, batch_size))
        if not chunk:
            return
        yield Batch(number, position, build_rows(field_names, chunk, position))
        number += 1
        position += len(chunk)


@dataclass(frozen=True, slots=True)
class ImportReportEntry:
    """A row importContacts reported on, placed at its position in the caller's input."""

    index: int
    code: str
    message: str
    batch: int
    email: str | None = None
    phone: str | None = None


@dataclass(slots=True)
class ImportReport:
    """Totals of a whole batched import and every per-row log entry."""

    total: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    new_emails: int = 0
    invalid: int = 0
    batches: int = 0
    log: list[ImportReportEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: False leaves ``log`` empty, for callers that take the entries from ``on_batch`` instead
    #: (a huge, dirty import would otherwise hold every entry in memory).
    keep_log: bool = True

    def add(self, batch: Batch, field_names: tuple[str, ...], result: ImportResult) -> None:
        """Fold one call's result in, turning its log indexes into input positions."""
        self.total += result.total
        self.inserted += result.inserted
        self.updated += result.updated
        self.deleted += result.deleted
        self.new_emails += result.new_emails
        self.invalid += result.invalid
        self.batches += 1
        self.warnings.extend(result.warnings)
        if not self.keep_log:
            return
        email_col = field_names.index("email") if "email" in field_names else None
        phone_col = field_names.index("phone") if "phone" in field_names else None
        for entry in result.log:
            local = entry.index
            row = batch.rows[local] if 0 <= local < len(batch.rows) else None
            self.log.append(
                ImportReportEntry(
                    index=batch.start + local,
                    code=entry.code,
                    message=entry.message,
                    batch=batch.number,
                    email=row[email_col] if row is not None and email_col is not None else None,
                    phone=row[phone_col] if row is not None and phone_col is not None else None,
                )
            )

    def finish(self) -> ImportReport:
        """Sort the log by input position (batches may finish out of order)."""
        self.log.sort(key=lambda e: e.index)
        return self


class InOrder:
    """Folds finished batches into the report in input order, holding early finishers back.

    With several calls in flight a later batch can finish first. Folding only the contiguous
    prefix keeps the report and ``on_batch`` in input order and, when a batch fails, leaves
    out the batches after it: the report then covers exactly the rows before ``next_index``,
    so a caller who resumes from there counts nothing twice. At most ``concurrency - 1``
    batches wait here.
    """

    def __init__(
        self,
        report: ImportReport,
        field_names: tuple[str, ...],
        start: int,
        on_batch: Callable[[int, ImportResult], None] | None,
    ) -> None:
        self.report = report
        self.field_names = field_names
        self.next_start = start
        self.on_batch = on_batch
        self.waiting: dict[int, tuple[Batch, ImportResult]] = {}

    def done(self, batch: Batch, result: ImportResult) -> None:
        self.waiting[batch.start] = (batch, result)
        while self.next_start in self.waiting:
            ready, ready_result = self.waiting.pop(self.next_start)
            self.report.add(ready, self.field_names, ready_result)
            if self.on_batch is not None:
                self.on_batch(ready.start, ready_result)
            self.next_start = ready.start + len(ready.rows)
