"""A stream of records into a list: the engine's batches, resumable from a checkpoint.

::

    job = ImportJob.build(FieldMapping({"email": "email", "name": "Name"}), fields, list_id=42)
    outcome = import_records(client, job, records, store=store, concurrency=4)

For hosts that keep no per-contact state (a CSV export, a one-off script): every record is
classified as new (or invalid) by the same :func:`classify`, cut into calls by the same
:func:`plan_calls` and sent by the same :func:`send_changes` as a ledger's batches. At most
``concurrency`` groups of changes are held, and a few bytes per address and phone.

The source must give the same records in the same order each time it is read (order a query by
primary key, sort a file): a resumed run skips the first ``checkpoint.position`` records. Give a
callable ``source(start)`` to skip them yourself (an SQL offset, a file seek).

Checkpoints only ever cover a contiguous prefix of the source: when calls finish out of order
(``concurrency > 1``) a finished group waits until every group before it has finished too. Each
checkpoint is saved together with the rejections of the records it newly covers.

Rows sharing an address: the later one wins, in one call and across calls (``_duplicates``):
a call sending an address a call in flight also sends waits for that one's answer, and the
earlier row gets a ``duplicate`` note naming the later. A phone goes only with the first row of
the run that has it (:func:`claim_phones`: Selzy would merge the two contacts).

Errors: :class:`ImportInterruptedError` when a call failed after the client's own retries (the
checkpoint is saved: run again to resume), or when the source raised an exception while it was
read (a file that turns unreadable halfway): the records read before it are still sent and
checkpointed, and the source's exception is the error's ``cause``. An exception from the store
or a callback propagates unchanged, the last saved checkpoint still being valid.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from itertools import islice
from operator import attrgetter

from selzy.client import AsyncSelzy, Selzy, SelzyError
from selzy.protocol import MAX_IMPORT_ROWS

from ._calls import plan_calls
from ._changes import Change, classify
from ._checkpoints import Checkpoint, CheckpointStore, ImportOutcome
from ._duplicates import Duplicates
from ._errors import ImportInterruptedError
from ._identity import PhoneOwner, claim_phones
from ._job import ImportJob
from ._outcome import BatchOutcome
from ._records import Rejection, SourceRecord
from ._send import send_changes, send_changes_async
from ._totals import RunTotals

Source = Iterable[SourceRecord] | Callable[[int], Iterable[SourceRecord]]
#: ``on_progress(done, total_or_None, records_per_second)`` after each checkpoint.
ProgressCallback = Callable[[int, int | None, float], None]


@dataclass(slots=True)
class _Group:
    """Changes for one call and the source position just after its last record."""

    number: int
    changes: list[Change]
    end: int
    keys: tuple[int, ...] = ()  # fingerprints of the addresses it sends
    outcome: BatchOutcome | None = None


class _Stream:
    """Run state of one import, sans I/O: groups out, outcomes in, checkpoints saved in order."""

    def __init__(
        self,
        job: ImportJob,
        source: Source,
        store: CheckpointStore | None,
        concurrency: int,
        batch_size: int,
        total: int | None,
        on_progress: ProgressCallback | None,
        keep_rejections: bool,
        clock: Callable[[], float],
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        if not 1 <= batch_size <= MAX_IMPORT_ROWS:
            raise ValueError(f"batch_size must be from 1 to {MAX_IMPORT_ROWS}, got {batch_size}")
        if total is None and isinstance(source, Sequence):
            # Only real sequences: len() of some lazy collections (a Django queryset) loads them.
            total = len(source)
        self.job, self.store, self.batch_size = job, store, batch_size
        self.concurrency = concurrency
        self.total, self.on_progress, self.clock = total, on_progress, clock
        self.keep_rejections = keep_rejections
        start = store.load() if store is not None else None
        self.done_before = start is not None and start.finished
        self.resumed_from = start.position if start is not None else 0
        self.totals = start.totals if start is not None else RunTotals()
        self.position = self.resumed_from  # every source record before it is done and saved
        self.rejections: list[Rejection] = []
        self.warnings: dict[str, None] = {}
        self.failure: tuple[int, SelzyError] | None = None  # (group number, cause)
        self.source_error: Exception | None = None
        self.duplicates = Duplicates(job)
        self.phones: dict[str, PhoneOwner] = {}  # who sends which phone (claim_phones)
        self._waiting: dict[int, _Group] = {}
        self._next = 0  # the number of the next group to fold into the checkpoint
        self._read = self.resumed_from
        self._started_at = clock()
        self._groups = self.groups(source)
        self._held: _Group | None = None  # waits for a call in flight sending its addresses

    def groups(self, source: Source) -> Iterator[_Group]:
        """The source from the resume point, classified and cut into calls."""
        records = source(self.resumed_from) if callable(source) else source
        if not callable(source) and self.resumed_from:
            records = islice(records, self.resumed_from, None)
        changes = (self._classify(record) for record in self._guarded(records))
        for number, changes_of_call in enumerate(plan_calls(changes, self.batch_size)):
            # Not self._read: plan_calls has already read the first record of the next group.
            end = changes_of_call[-1].position + 1
            keys = self.duplicates.scan(changes_of_call)
            group = _Group(number, changes_of_call, end, keys)
            self._waiting[number] = group
            yield group

    def _guarded(self, records: Iterable[SourceRecord]) -> Iterator[SourceRecord]:
        """The records until the source fails; what was read before is still sent."""
        try:
            yield from records
        except Exception as exc:
            self.source_error = exc

    def next_group(self, in_flight: int) -> _Group | None:
        """The next group to send now, which counts as in flight from then on; None at the end,
        after a failure, with ``concurrency`` calls in flight, or while the next group waits
        for a call in flight that sends one of its addresses."""
        if self.failure is not None or in_flight >= self.concurrency:
            return None
        group, self._held = self._held or next(self._groups, None), None
        if group is not None and not self.duplicates.ready(group.keys):
            group, self._held = None, group
        if group is not None:
            self.duplicates.launch(group.number, group.keys)
        return group

    def _classify(self, record: SourceRecord) -> Change:
        self._read += 1
        change = classify(self.job, record, None, self._read - 1)
        return claim_phones(self.job, (change,), self.phones)[0]

    def settle(self, group: _Group, outcome: BatchOutcome | SelzyError) -> None:
        """A call's answer (or its failure); saves the checkpoint over every group done in order."""
        self.duplicates.land(group.number, group.keys)
        if isinstance(outcome, SelzyError):
            if self.failure is None or group.number < self.failure[0]:
                self.failure = (group.number, outcome)
            return
        group.outcome = outcome
        done = BatchOutcome(RunTotals())
        while (head := self._waiting.get(self._next)) is not None and head.outcome is not None:
            if self.failure is not None and head.number >= self.failure[0]:
                break
            del self._waiting[self._next]
            done += head.outcome
            self.position = head.end
            self._next += 1
        if done.totals.total:
            self._save(done)

    def _save(self, done: BatchOutcome, *, finished: bool = False) -> None:
        rejections = sorted(done.rejections, key=attrgetter("position"))
        self.totals += done.totals
        self.warnings.update(dict.fromkeys(done.warnings))
        if self.store is not None:
            self.store.save(Checkpoint(self.position, self.totals, finished), rejections)
        if self.keep_rejections:
            self.rejections += rejections
        if self.on_progress is not None and done.totals.total:
            elapsed = self.clock() - self._started_at
            rate = (self.position - self.resumed_from) / elapsed if elapsed > 0 else 0.0
            self.on_progress(self.position, self.total, rate)

    def outcome(self) -> ImportOutcome:
        """The run's outcome; raises :class:`ImportInterruptedError` when a call (or the source)
        failed."""
        cause: Exception | None = self.failure[1] if self.failure else self.source_error
        if cause is None:
            self._save(BatchOutcome(RunTotals()), finished=True)
        rejections, warnings, finished = tuple(self.rejections), tuple(self.warnings), cause is None
        outcome = ImportOutcome(self.totals, rejections, self.resumed_from, finished, warnings)
        if cause is None:
            return outcome
        if self.store is not None:
            self.store.save(Checkpoint(self.position, self.totals), [])
        raise ImportInterruptedError(
            outcome, resume_position=self.position, cause=cause, saved=self.store is not None
        ) from cause

    def finished_before(self) -> ImportOutcome:
        return ImportOutcome(self.totals, (), self.resumed_from, finished=True)


def import_records(
    client: Selzy,
    job: ImportJob,
    source: Source,
    *,
    store: CheckpointStore | None = None,
    concurrency: int = 1,
    batch_size: int = MAX_IMPORT_ROWS,
    total: int | None = None,
    on_progress: ProgressCallback | None = None,
    keep_rejections: bool = True,
    clock: Callable[[], float] = time.monotonic,
) -> ImportOutcome:
    """Import every record of ``source`` into ``job``'s list, ``concurrency`` calls at a time.

    Arguments:
        source: :class:`SourceRecord` objects in a stable order, or ``source(start)`` giving
            them from position ``start`` on. Read lazily: a generator of millions is fine.
        store: where progress is saved after each call and resumed from.
        batch_size: rows per call (at most 500).
        total: the number of records, for progress (``len(source)`` for a sequence).
        keep_rejections: False to keep rejections only in the store (huge, dirty sources).
        clock: monotonic seconds, for the rate (tests inject one).
    """
    stream = _Stream(
        job, source, store, concurrency, batch_size, total, on_progress, keep_rejections, clock
    )
    if stream.done_before:
        return stream.finished_before()
    pending: dict[Future[BatchOutcome], _Group] = {}
    with ThreadPoolExecutor(concurrency, thread_name_prefix="selzy-import") as pool:
        try:
            while True:
                while (group := stream.next_group(len(pending))) is not None:
                    pending[pool.submit(send_changes, client, job, group.changes)] = group
                if not pending:
                    break
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    group = pending.pop(future)
                    error = future.exception()
                    if error is not None and not isinstance(error, SelzyError):
                        raise error
                    stream.settle(group, error or future.result())
        finally:
            for future in pending:
                future.cancel()
    return stream.outcome()


async def import_records_async(
    client: AsyncSelzy,
    job: ImportJob,
    source: Source,
    *,
    store: CheckpointStore | None = None,
    concurrency: int = 1,
    batch_size: int = MAX_IMPORT_ROWS,
    total: int | None = None,
    on_progress: ProgressCallback | None = None,
    keep_rejections: bool = True,
    clock: Callable[[], float] = time.monotonic,
) -> ImportOutcome:
    """:func:`import_records` for :class:`AsyncSelzy`. The source, the store and the callbacks
    stay synchronous: they run on the event loop between calls, so keep them quick."""
    stream = _Stream(
        job, source, store, concurrency, batch_size, total, on_progress, keep_rejections, clock
    )
    if stream.done_before:
        return stream.finished_before()
    pending: dict[asyncio.Task[BatchOutcome], _Group] = {}
    try:
        while True:
            while (group := stream.next_group(len(pending))) is not None:
                task = asyncio.ensure_future(send_changes_async(client, job, group.changes))
                pending[task] = group
            if not pending:
                break
            finished, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                group = pending.pop(task)
                error = task.exception()
                if error is not None and not isinstance(error, SelzyError):
                    raise error
                stream.settle(group, error or task.result())
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
    return stream.outcome()
