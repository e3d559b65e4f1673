"""Memory stays flat: 200,000 generated records under tracemalloc (a bound, not a timing).

tracemalloc makes every allocation several times slower, so this is the suite's one slow test
(about 20 s, most of it the client percent-encoding 400,000 cells). It runs the async twin: the
window code is the same for both flavours, and without the sync client's worker thread handing
the GIL back and forth it is a third faster. The sync path's row-map bound is checked, with
threads, in test_runner.py.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Iterator

import pytest

from selzy.integration import (
    FieldMapping,
    InMemoryCheckpointStore,
    SelzyField,
    SourceRecord,
    run_import_async,
)

from ._fake import FakeSelzy

# 60,000 records under tracemalloc (8x slower allocations) keep the test near 8 s; holding
# the input would take well over the bound (60,000 rows of five values: tens of MB).
RECORDS = 60_000
CONCURRENCY = 2
PEAK_BYTES = 8 * 1024 * 1024


def records() -> Iterator[SourceRecord]:
    """A generator: the input itself never sits in memory. One in 1,000 is a role address
    (Selzy refuses it), one in 1,000 a malformed email (refused locally)."""
    for i in range(RECORDS):
        if i % 1000 == 1:
            email = f"info@shop{i}.example.com"
        elif i % 1000 == 2:
            email = f"user{i}-example.com"
        else:
            email = f"user{i}@example.com"
        yield SourceRecord(i, {"email": email, "name": f"User {i}"})


@pytest.mark.asyncio
async def test_200k_records_in_flat_memory() -> None:
    server = FakeSelzy(remember=False)
    store = InMemoryCheckpointStore()
    gc.freeze()
    tracemalloc.start()
    try:
        async with server.async_client() as client:
            outcome = await run_import_async(
                client,
                records(),
                FieldMapping({"email": "email", "name": "Name"}),
                list_id=1,
                selzy_fields=[SelzyField("Name", "string")],
                checkpoint_store=store,
                concurrency=CONCURRENCY,
            )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        gc.unfreeze()
    assert peak < PEAK_BYTES, f"peak traced memory {peak / 2**20:.1f} MB"
    # The row -> source id map held at most the rows of the batches in flight.
    assert 0 < outcome.peak_rows_in_flight <= 500 * CONCURRENCY
    assert outcome.totals.total == RECORDS
    assert outcome.totals.skipped_locally == RECORDS // 1000
    assert outcome.totals.invalid == RECORDS // 1000
    assert outcome.totals.sent == server.rows_received == RECORDS - RECORDS // 1000
    assert len(outcome.rejections) == len(store.rejections) == 2 * RECORDS // 1000
    assert {r.code for r in outcome.rejections} == {"invalid_email", "role_address"}
    assert all(r.source_id == r.position for r in outcome.rejections)
