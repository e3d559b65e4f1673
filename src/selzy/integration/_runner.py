"""The contact import runner: a source of records into a Selzy list, in batches, resumable.

::

    outcome = run_import(client, records, FieldMapping({"email": "email", "name": "Name"}),
                         list_id=42, checkpoint_store=store)

The source must give the same records in the same order each time it is read (order a queryset
by primary key, sort a file): a resumed run skips the first ``checkpoint.position`` records
without looking at them. Give a callable ``source(start)`` to skip them yourself (an SQL offset
or a keyset filter) instead of having them read and dropped.

Errors: :class:`ImportInterruptedError` when a batch could not be sent after the client's own
retries (the checkpoint is saved, run again to resume); any other exception (from the source,
the store or a callback) propagates unchanged, the last saved checkpoint still being valid.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from selzy.client import AsyncSelzy, ImportAbortedError, Selzy
from selzy.protocol import MAX_IMPORT_ROWS

from ._errors import ImportInterruptedError
from ._fields import SelzyField, SourceField
from ._job import ImportJob, InvalidValues
from ._mapping import FieldMapping
from ._records import Checkpoint, CheckpointStore, ImportTotals, Rejection, SourceRecord
from ._window import ImportWindow, ProgressCallback

Source = Iterable[SourceRecord] | Callable[[int], Iterable[SourceRecord]]


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What an import did.

    ``totals`` cover the whole import, runs it resumed included; ``rejections`` are the rows
    rejected in this run (locally or by Selzy), each with its source record id, unless the run
    was told not to keep them. ``peak_rows_in_flight`` is the most rows held at once for mapping
    Selzy's log back (at most ``batch_size * concurrency``).
    """

    totals: ImportTotals
    rejections: tuple[Rejection, ...]
    resumed_from: int
    finished: bool
    peak_rows_in_flight: int = 0
    warnings: tuple[str, ...] = ()


def _start(
    checkpoint_store: CheckpointStore | None, batch_size: int, concurrency: int
) -> Checkpoint | None:
    if not 1 <= batch_size <= MAX_IMPORT_ROWS:
        raise ValueError(f"batch_size must be between 1 and {MAX_IMPORT_ROWS}, got {batch_size}")
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    return checkpoint_store.load() if checkpoint_store is not None else None


def _records(source: Source, start: int) -> Iterable[SourceRecord]:
    if callable(source):
        return source(start)
    return islice(source, start, None) if start else source


def _prepare(
    source: Source,
    mapping: FieldMapping,
    selzy_fields: Iterable[SelzyField],
    start: Checkpoint | None,
    *,
    list_id: int,
    source_fields: Iterable[SourceField] | None,
    checkpoint_store: CheckpointStore | None,
    batch_size: int,
    total: int | None,
    on_progress: ProgressCallback | None,
    keep_rejections: bool,
    clock: Callable[[], float],
    **job_options: Any,
) -> ImportWindow:
    """The job checked and compiled, and the run state that feeds it to the client."""
    job = ImportJob.build(
        mapping, selzy_fields, list_id=list_id, source_fields=source_fields, **job_options
    )
    if total is None and isinstance(source, Sequence):
        # Only real sequences: len() of some lazy collections (a Django queryset) loads them.
        total = len(source)
    return ImportWindow(
        job,
        batch_size=batch_size,
        start=start,
        store=checkpoint_store,
        total=total,
        on_progress=on_progress,
        clock=clock,
        keep_rejections=keep_rejections,
    )


def _outcome(window: ImportWindow, *, finished: bool) -> ImportOutcome:
    return ImportOutcome(
        totals=window.totals,
        rejections=tuple(window.rejections),
        resumed_from=window.resumed_from,
        finished=finished,
        peak_rows_in_flight=window.peak_in_flight,
        warnings=tuple(window.warnings),
    )


def _finished_before(checkpoint: Checkpoint) -> ImportOutcome:
    return ImportOutcome(checkpoint.totals, (), checkpoint.position, finished=True)


def _interrupted(window: ImportWindow, exc: ImportAbortedError) -> ImportInterruptedError:
    window.interrupted()
    return ImportInterruptedError(
        _outcome(window, finished=False),
        resume_position=window.position,
        cause=exc.cause,
        saved=window.store is not None,
    )


def run_import(
    client: Selzy,
    source: Source,
    mapping: FieldMapping,
    *,
    list_id: int,
    selzy_fields: Iterable[SelzyField] | None = None,
    source_fields: Iterable[SourceField] | None = None,
    checkpoint_store: CheckpointStore | None = None,
    batch_size: int = MAX_IMPORT_ROWS,
    concurrency: int = 1,
    total: int | None = None,
    on_progress: ProgressCallback | None = None,
    keep_rejections: bool = True,
    subscribe_phones: bool | None = None,
    invalid_values: InvalidValues = "reject",
    overwrite_tags: bool | None = None,
    overwrite_lists: bool | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> ImportOutcome:
    """Import every record of ``source`` into the list ``list_id`` through importContacts.

    Arguments:
        source: :class:`SourceRecord` objects in a stable order, or ``source(start)`` giving
            them from position ``start`` on. Read lazily: a generator of millions is fine.
        mapping: source field -> Selzy target; checked before anything is sent.
        selzy_fields: the account's fields; read with getFields when omitted.
        source_fields: when given, the mapping's types are checked against them.
        checkpoint_store: where progress is saved after each batch and resumed from.
        batch_size, concurrency: rows per call (at most 500) and calls in flight.
        total: the number of records, for progress (``len(source)`` for a sequence).
        on_progress: ``on_progress(done, total_or_None, records_per_second)`` after each batch.
        keep_rejections: False to keep rejections only in the store (huge, dirty sources).
        subscribe_phones, invalid_values, overwrite_tags, overwrite_lists: see :class:`ImportJob`.
        clock: monotonic seconds, for the rate (tests inject one).

    A store holding a finished checkpoint returns its totals without reading the source. Raises
    :class:`MappingError` before sending anything when the mapping is unusable, and
    :class:`ImportInterruptedError` when a batch fails for good.
    """
    start = _start(checkpoint_store, batch_size, concurrency)
    if start is not None and start.finished:
        return _finished_before(start)
    if selzy_fields is None:
        selzy_fields = [SelzyField.from_api(f) for f in client.get_fields()]
    window = _prepare(
        source,
        mapping,
        selzy_fields,
        start,
        list_id=list_id,
        source_fields=source_fields,
        checkpoint_store=checkpoint_store,
        batch_size=batch_size,
        total=total,
        on_progress=on_progress,
        keep_rejections=keep_rejections,
        clock=clock,
        subscribe_phones=subscribe_phones,
        invalid_values=invalid_values,
        overwrite_tags=overwrite_tags,
        overwrite_lists=overwrite_lists,
    )
    try:
        client.import_contacts_in_batches(
            window.job.field_names,
            window.rows(_records(source, window.resumed_from)),
            batch_size=batch_size,
            concurrency=concurrency,
            overwrite_tags=overwrite_tags,
            overwrite_lists=overwrite_lists,
            on_batch=window.on_batch,
        )
    except ImportAbortedError as exc:
        raise _interrupted(window, exc) from exc
    window.finish()
    return _outcome(window, finished=True)


async def run_import_async(
    client: AsyncSelzy,
    source: Source,
    mapping: FieldMapping,
    *,
    list_id: int,
    selzy_fields: Iterable[SelzyField] | None = None,
    source_fields: Iterable[SourceField] | None = None,
    checkpoint_store: CheckpointStore | None = None,
    batch_size: int = MAX_IMPORT_ROWS,
    concurrency: int = 1,
    total: int | None = None,
    on_progress: ProgressCallback | None = None,
    keep_rejections: bool = True,
    subscribe_phones: bool | None = None,
    invalid_values: InvalidValues = "reject",
    overwrite_tags: bool | None = None,
    overwrite_lists: bool | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> ImportOutcome:
    """:func:`run_import` for :class:`AsyncSelzy`. The source, the store and the callbacks stay
    synchronous: they run on the event loop between calls, so keep them quick."""
    start = _start(checkpoint_store, batch_size, concurrency)
    if start is not None and start.finished:
        return _finished_before(start)
    if selzy_fields is None:
        selzy_fields = [SelzyField.from_api(f) for f in await client.get_fields()]
    window = _prepare(
        source,
        mapping,
        selzy_fields,
        start,
        list_id=list_id,
        source_fields=source_fields,
        checkpoint_store=checkpoint_store,
        batch_size=batch_size,
        total=total,
        on_progress=on_progress,
        keep_rejections=keep_rejections,
        clock=clock,
        subscribe_phones=subscribe_phones,
        invalid_values=invalid_values,
        overwrite_tags=overwrite_tags,
        overwrite_lists=overwrite_lists,
    )
    try:
        await client.import_contacts_in_batches(
            window.job.field_names,
            window.rows(_records(source, window.resumed_from)),
            batch_size=batch_size,
            concurrency=concurrency,
            overwrite_tags=overwrite_tags,
            overwrite_lists=overwrite_lists,
            on_batch=window.on_batch,
        )
    except ImportAbortedError as exc:
        raise _interrupted(window, exc) from exc
    window.finish()
    return _outcome(window, finished=True)
