"""Memory stays flat: 60,000 generated records under tracemalloc (bounds, not timings).

tracemalloc makes every allocation several times slower, so this is the suite's one slow test
(about 10 s, most of it the client percent-encoding 120,000 cells). It runs the async twin:
the stream code is the same for both flavours, and without the sync client's worker thread
handing the GIL back and forth it is a third faster. Three bounds, each of which a stream that
held on to its records would break: the peak traced memory, the memory held once the run is
under way (it must not grow with the records done, beyond the one thing a stream keeps per
address: the fingerprint table that applies the duplicate rule across calls), and how far the
source is read ahead of the last checkpoint (at most the calls in flight).
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Iterator, Sequence

import pytest

from selzy.integration import (
    Checkpoint,
    FieldMapping,
    ImportJob,
    InMemoryCheckpointStore,
    Rejection,
    SelzyField,
    SourceRecord,
    import_records_async,
)

from ._fake import FakeSelzy

# 60,000 records under tracemalloc (8x slower allocations) keep the test near 10 s; holding
# the input would take well over the bound (60,000 rows of five values: tens of MB).
RECORDS = 60_000
CONCURRENCY = 2
PEAK_BYTES = 8 * 1024 * 1024
#: The duplicate rule's table: 16 bytes a slot (a fingerprint and an id), and at most three
#: slots an address (it doubles when two thirds full). Every record here has its own address.
TABLE_BYTES = 16 * 3 * RECORDS
#: How much the memory in use may grow from the first checkpoints to the last (about 90 calls
#: later): that table, the rejections kept (two in 1,000 records) and the fake's notes of each
#: call, not a trace of every record done (a Python set of the addresses would take over 4 MB,
#: the records themselves tens of MB).
GROWTH_BYTES = 256 * 1024 + TABLE_BYTES
#: Records read but not yet checkpointed: the calls in flight, the one being filled, and the
#: local rejects riding along with them (one in 1,000).
READ_AHEAD = 500 * (CONCURRENCY + 1) + 10


class MeasuringStore(InMemoryCheckpointStore):
    """Notes the memory in use each time a checkpoint is saved."""

    def __init__(self) -> None:
        super().__init__()
        self.in_use: list[int] = []

    def save(self, checkpoint: Checkpoint, rejections: Sequence[Rejection]) -> None:
        super().save(checkpoint, rejections)
        gc.collect()  # cyclic garbage (tracebacks, finished tasks) is not held, just not freed
        self.in_use.append(tracemalloc.get_traced_memory()[0])


class Source:
    """A generator of records (the input itself never sits in memory) that notes how far it
    is read ahead of the store's checkpoint. One in 1,000 is a role address (Selzy refuses it),
    one in 1,000 a malformed email (refused locally)."""

    def __init__(self, store: InMemoryCheckpointStore) -> None:
        self.store = store
        self.most_ahead = 0

    def __iter__(self) -> Iterator[SourceRecord]:
        for i in range(RECORDS):
            done = self.store.checkpoint.position if self.store.checkpoint is not None else 0
            self.most_ahead = max(self.most_ahead, i - done)
            if i % 1000 == 1:
                email = f"info@shop{i}.example.com"
            elif i % 1000 == 2:
                email = f"user{i}-example.com"
            else:
                email = f"user{i}@example.com"
            yield SourceRecord(i, {"email": email, "name": f"User {i}"})


@pytest.mark.asyncio
async def test_a_long_stream_in_flat_memory() -> None:
    server = FakeSelzy(remember=False)
    store = MeasuringStore()
    source = Source(store)
    job = ImportJob.build(
        FieldMapping({"email": "email", "name": "Name"}),
        [SelzyField("Name", "string")],
        list_id=1,
    )
    gc.freeze()
    tracemalloc.start()
    try:
        async with server.async_client() as client:
            outcome = await import_records_async(
                client, job, iter(source), store=store, concurrency=CONCURRENCY
            )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        gc.unfreeze()
    assert peak < PEAK_BYTES, f"peak traced memory {peak / 2**20:.1f} MB"
    # Nothing accumulates per record: the memory in use stays level from call to call (the
    # lowest of 20 saves, so as to compare moments with as little in flight).
    assert len(store.in_use) > 60
    growth = min(store.in_use[-21:-1]) - min(store.in_use[10:30])
    assert growth < GROWTH_BYTES, f"memory in use grew by {growth / 1024:.0f} KB"
    # The source is read only as far as the calls in flight need.
    assert 500 <= source.most_ahead <= READ_AHEAD, source.most_ahead
    assert outcome.totals.total == RECORDS
    assert outcome.totals.skipped_locally == RECORDS // 1000
    assert outcome.totals.skipped == {"invalid_email": RECORDS // 1000}
    assert outcome.totals.invalid == outcome.totals.rejected == RECORDS // 1000
    assert outcome.totals.sent == server.rows_received == RECORDS - RECORDS // 1000
    assert outcome.totals.batches == server.imports == -(-outcome.totals.sent // 500)
    assert len(outcome.rejections) == len(store.rejections) == 2 * RECORDS // 1000
    assert {r.code for r in outcome.rejections} == {"invalid_email", "role_address"}
    assert all(r.source_id == r.position for r in outcome.rejections)
