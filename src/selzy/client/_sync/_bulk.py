"""Batched import, sync I/O half: up to ``concurrency`` importContacts calls on worker threads.

The twin of ``_async/_bulk.py`` (hand-written: threads instead of tasks). ``httpx.Client`` and
the rate limiter are thread-safe, so the workers share the caller's client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from .._batch import Batch, ImportReport, InOrder, Row, iter_batches
from .._exceptions import ImportAbortedError, SelzyError
from .._model import parse_model
from .._types._contacts import ImportResult
from ._base import SyncAPIBase


def _send(
    client: SyncAPIBase, field_names: tuple[str, ...], batch: Batch, options: dict[str, Any]
) -> ImportResult:
    response = client.request(
        "importContacts", {"field_names": list(field_names), "data": batch.rows, **options}
    )
    return parse_model(ImportResult, response.result, response.warnings)


def run_import(
    client: SyncAPIBase,
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
    pending: dict[Future[ImportResult], Batch] = {}
    failure: tuple[int, SelzyError] | None = None
    next_position = start_index
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="selzy-import") as pool:
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
                    pending[pool.submit(_send, client, field_names, batch, options)] = batch
                if not pending:
                    break
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    batch = pending.pop(future)
                    outcome = future.exception()
                    if outcome is None:
                        in_order.done(batch, future.result())
                    elif isinstance(outcome, SelzyError):
                        if failure is None or batch.start < failure[0]:
                            failure = (batch.start, outcome)
                    else:
                        raise outcome
        finally:
            for future in pending:
                future.cancel()
    report.finish()
    if failure is not None:
        raise ImportAbortedError(report, next_index=failure[0], cause=failure[1])
    return report
