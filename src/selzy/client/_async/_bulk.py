"""Batched import, async I/O half: keep up to ``concurrency`` importContacts calls in flight.

Hand-written in both flavours (``_sync/_bulk.py`` uses threads); the batching and the report are
shared in ``_batch.py``. Input is pulled one batch at a time, only when a slot is free, so memory
stays flat however long the input is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

from .._batch import Batch, ImportReport, InOrder, Row, iter_batches
from .._exceptions import ImportAbortedError, SelzyError
from .._model import parse_model
from .._types._contacts import ImportResult
from ._base import AsyncAPIBase


async def _send(
    client: AsyncAPIBase, field_names: tuple[str, ...], batch: Batch, options: dict[str, Any]
) -> ImportResult:
    response = await client.request(
        "importContacts", {"field_names": list(field_names), "data": batch.rows, **options}
    )
    return parse_model(ImportResult, response.result, response.warnings)


async def run_import(
    client: AsyncAPIBase,
    field_names: tuple[str, ...],
    rows: Iterable[Row],
    *,
    batch_size: int,
    concurrency: int,
    options: dict[str, Any],
    start_index: int,
    on_batch: Callable[[int, ImportResult], None] | None,
    keep_log: bool = True,
) -> ImportReport:
    report = ImportReport(keep_log=keep_log)
    in_order = InOrder(report, field_names, start_index, on_batch)
    batches = iter_batches(field_names, rows, batch_size, start_index)
    pending: dict[asyncio.Task[ImportResult], Batch] = {}
    failure: tuple[int, SelzyError] | None = None
    next_position = start_index
    try:
        while True:
            while failure is None and len(pending) < concurrency:
                try:
                    batch = next(batches, None)
                except SelzyError as bad_row:  # a row that cannot be sent: stop reading here
                    failure = (next_position, bad_row)
                    break
                if batch is None:
                    break
                next_position = batch.start + len(batch.rows)
                task = asyncio.ensure_future(_send(client, field_names, batch, options))
                pending[task] = batch
            if not pending:
                break
            done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                batch = pending.pop(task)
                outcome = task.exception()
                if outcome is None:
                    in_order.done(batch, task.result())
                elif isinstance(outcome, SelzyError):
                    if failure is None or batch.start < failure[0]:
                        failure = (batch.start, outcome)
                else:
                    raise outcome
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
    report.finish()
    if failure is not None:
        raise ImportAbortedError(report, next_index=failure[0], cause=failure[1])
    return report
