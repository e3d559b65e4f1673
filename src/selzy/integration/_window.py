"""The sans-I/O heart of the import runner: rows out, batch results in, checkpoints out.

Memory stays flat however long the source is. The only per-row state is the map from a sent
row's index to its source record (id, position, email, phone), needed to turn the row numbers of
Selzy's log back into source ids; a batch's entries are dropped as soon as its answer is in, so
the map never holds more than ``batch_size * concurrency`` rows (the client pulls a batch only
when a call slot is free). Everything else is a few counters per batch in flight.

Checkpoints only ever cover a contiguous prefix of the source: when batches finish out of order
(``concurrency > 1``) a finished batch waits until every batch before it has finished too. Each
checkpoint is saved together with the rejections of the records it newly covers.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import NamedTuple

from selzy.types import ImportResult

from ._job import ImportJob
from ._records import Checkpoint, CheckpointStore, ImportTotals, Rejection, SourceRecord

ProgressCallback = Callable[[int, int | None, float], None]


class _Sent(NamedTuple):
    position: int
    source_id: Hashable
    email: str
    phone: str


class _Segment:
    """One batch and the source records it spans (its rows and the rejects between them)."""

    __slots__ = ("end", "rejections", "result", "rows", "skipped")

    def __init__(self) -> None:
        self.end = 0  # source position after its last row
        self.rows = 0
        self.skipped = 0
        self.rejections: list[Rejection] = []
        self.result: ImportTotals | None = None


class ImportWindow:
    """Run state of one import: feeds rows to the client and takes its batch results back."""

    def __init__(
        self,
        job: ImportJob,
        *,
        batch_size: int,
        start: Checkpoint | None,
        store: CheckpointStore | None,
        total: int | None,
        on_progress: ProgressCallback | None,
        clock: Callable[[], float],
        keep_rejections: bool,
    ) -> None:
        self.job = job
        self.batch_size = batch_size
        self.store = store
        self.total = total
        self.on_progress = on_progress
        self.clock = clock
        self.keep_rejections = keep_rejections
        self.started_at = clock()
        self.resumed_from = start.position if start is not None else 0
        self.totals = start.totals if start is not None else ImportTotals()
        self.position = self.resumed_from  # every source record before it is done and saved
        self.read = self.resumed_from  # the next source record to read
        self.rejections: list[Rejection] = []
        self.warnings: dict[str, None] = {}
        self.peak_in_flight = 0
        self._sent: dict[int, _Sent] = {}
        self._count = 0  # rows handed to the client in this run
        self._segments: deque[_Segment] = deque()
        self._by_start: dict[int, _Segment] = {}  # by the index of the batch's first row
        self._loose: list[Rejection] = []  # rejects read since the last row handed out
        self._email_col = _index(job.field_names, "email")
        self._phone_col = _index(job.field_names, "phone")

    # -- rows out ----------------------------------------------------------------------------

    def rows(self, records: Iterable[SourceRecord]) -> Iterator[tuple[str, ...]]:
        """Convert ``records`` (read from :attr:`resumed_from` on) into rows for the client."""
        convert = self.job.convert
        for record in records:
            position = self.read
            self.read += 1
            row = convert(record, position)
            if isinstance(row, Rejection):
                self._loose.append(row)
                if len(self._loose) >= self.batch_size and not self._segments:
                    # A long run of rejects with nothing in flight: save it now rather than
                    # holding an unbounded list until the next good row.
                    self._commit(ImportTotals(), [], 0, self.read)
                continue
            index = self._count
            self._count += 1
            if index % self.batch_size == 0:
                segment = _Segment()
                self._segments.append(segment)
                self._by_start[index] = segment
            else:
                segment = self._segments[-1]
            segment.rows += 1
            segment.end = position + 1
            if self._loose:
                segment.skipped += len(self._loose)
                segment.rejections += self._loose
                self._loose = []
            email = row[self._email_col] if self._email_col is not None else ""
            phone = row[self._phone_col] if self._phone_col is not None else ""
            self._sent[index] = _Sent(position, record.id, email, phone)
            self.peak_in_flight = max(self.peak_in_flight, len(self._sent))
            yield row

    # -- results in --------------------------------------------------------------------------

    def on_batch(self, first_index: int, result: ImportResult) -> None:
        """The client's batch callback: map the log back to source ids, release, checkpoint."""
        segment = self._by_start.pop(first_index)
        sent = self._sent
        for entry in result.log:
            row = sent.get(first_index + entry.index) if 0 <= entry.index < segment.rows else None
            segment.rejections.append(
                Rejection(
                    source_id=row.source_id if row is not None else None,
                    position=row.position if row is not None else -1,
                    code=entry.code or "unspecified",
                    reason=entry.message,
                    stage="selzy",
                    email=row.email if row is not None else "",
                    phone=row.phone if row is not None else "",
                )
            )
        for index in range(first_index, first_index + segment.rows):
            del sent[index]
        for warning in result.warnings:
            self.warnings[warning] = None
        segment.result = ImportTotals(
            sent=segment.rows,
            inserted=result.inserted,
            updated=result.updated,
            deleted=result.deleted,
            new_emails=result.new_emails,
            invalid=result.invalid,
            batches=1,
        )
        done = ImportTotals()
        rejections: list[Rejection] = []
        skipped = 0
        end = self.position
        while self._segments:
            head = self._segments[0]
            if head.result is None:
                break  # an earlier batch is still in flight: the checkpoint waits for it
            self._segments.popleft()
            done += head.result
            rejections += head.rejections
            skipped += head.skipped
            end = head.end
        if end != self.position:
            self._commit(done, rejections, skipped, end)

    def finish(self) -> None:
        """The source is exhausted and every batch answered: save the final checkpoint."""
        self._commit(ImportTotals(), [], 0, self.read, finished=True)

    def interrupted(self) -> None:
        """Save the checkpoint at the resume point (every record before it is done)."""
        self._discard_in_flight()
        if self.store is not None:
            self.store.save(Checkpoint(self.position, self.totals), [])

    # -- internals ---------------------------------------------------------------------------

    def _discard_in_flight(self) -> None:
        self._sent.clear()
        self._segments.clear()
        self._by_start.clear()
        self._loose = []

    def _commit(
        self,
        done: ImportTotals,
        rejections: list[Rejection],
        skipped: int,
        end: int,
        *,
        finished: bool = False,
    ) -> None:
        """Advance the checkpoint to ``end`` over finished batches and save it."""
        if not self._segments:
            # Nothing in flight: the rejects read after the last row are covered too.
            skipped += len(self._loose)
            rejections += self._loose
            self._loose = []
            end = self.read
        rejections.sort(key=_by_position)  # a batch's own rejects come before Selzy's log
        advanced = end != self.position
        totals = self.totals + done + ImportTotals(end - self.position, skipped_locally=skipped)
        self.totals, self.position = totals, end
        if self.store is not None:
            self.store.save(Checkpoint(end, totals, finished), rejections)
        if self.keep_rejections:
            self.rejections += rejections
        if self.on_progress is not None and advanced:
            elapsed = self.clock() - self.started_at
            rate = (end - self.resumed_from) / elapsed if elapsed > 0 else 0.0
            self.on_progress(end, self.total, rate)


def _by_position(rejection: Rejection) -> int:
    return rejection.position


def _index(names: tuple[str, ...], name: str) -> int | None:
    return names.index(name) if name in names else None
