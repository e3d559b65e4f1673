"""The sync ledger's runs: a run planned into batches, batches claimed by workers, progress.

Only storage lives here (the engine, :mod:`selzy.integration`, decides what each contact needs;
the per-contact states are in :mod:`.states`).

Claiming is safe with any number of workers (threads, processes, Celery workers on several
machines): on PostgreSQL the next batch is taken with ``SELECT ... FOR UPDATE SKIP LOCKED``;
where row locks are missing (SQLite) with an ``UPDATE ... WHERE status = <as read>`` whose row
count says who won. A claimed batch is a lease: when its worker is silent for ``BATCH_LEASE``
seconds (SIGKILLed, its machine gone) any worker takes it over, and a batch claimed by a dead
process of this machine is taken back at once, so ``selzy_sync --resume`` continues without
waiting. A worker commits a batch only while it still holds the claim, so a batch is done
exactly once.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from selzy.integration import RunTotals

from .models import ContactState, ImportBatch, ImportRun
from .sources import ContactSource

Run = ImportRun.Status
BatchStatus = ImportBatch.Status
#: Runs whose batches may still be worked; a dirty contact taken by one stays with it.
ACTIVE = (Run.QUEUED, Run.RUNNING, Run.PAUSED)
FLUSH_EVERY = 20  # planned batches written per INSERT: memory stays flat for millions of rows


def worker_name() -> str:
    """A name unique to this worker: host and pid first, so dead local workers can be told."""
    thread = threading.current_thread().name
    return f"{socket.gethostname()}:{os.getpid()}:{thread}:{secrets.token_hex(4)}"


# --------------------------------------------------------------------------- planning


class _Planner:
    """Writes a stream of ids as the run's batches of ``size``, a few batches per INSERT."""

    def __init__(self, run: ImportRun, size: int) -> None:
        self.run, self.size = run, size
        self.number = self.offset = 0

    def add(self, ids: Iterable[Any], *, remove: bool = False) -> None:
        """Cut ``ids`` into batches (removals never share a batch with records) and write them."""
        pending: list[ImportBatch] = []
        for chunk in chunked((str(source_id) for source_id in ids), self.size):
            pending.append(
                ImportBatch(
                    run=self.run,
                    number=self.number,
                    offset=self.offset,
                    source_ids=[] if remove else chunk,
                    remove_ids=chunk if remove else [],
                    rows=len(chunk),
                )
            )
            self.number += 1
            self.offset += len(chunk)
            if len(pending) >= FLUSH_EVERY:
                ImportBatch.objects.bulk_create(pending)
                pending = []
        ImportBatch.objects.bulk_create(pending)


def removal_states(source: ContactSource) -> QuerySet[ContactState]:
    """States of ``source`` whose record is gone or no longer eligible (an anti-join)."""
    eligible = source.queryset().order_by().filter(pk=source.pk_of("source_id"))
    return ContactState.objects.filter(source=source.key).filter(~Exists(eligible))


def eligible_ids(source: ContactSource) -> Iterator[str]:
    """The ids (``str(pk)``) of every eligible record, in primary-key order: a full run's."""
    pks = source.queryset().values_list("pk", flat=True).iterator(chunk_size=2000)
    return (str(pk) for pk in pks)


def removal_ids(source: ContactSource) -> Iterator[str]:
    """The ids of :func:`removal_states`, in the ledger's order: what a full run removes."""
    gone = removal_states(source).order_by("pk").values_list("source_id", flat=True)
    return gone.iterator(chunk_size=2000)


def free_dirty(source_key: str) -> QuerySet[ContactState]:
    """The source's changed contacts no active run has taken: what an incremental run plans."""
    free = Q(taken_by__isnull=True) | ~Q(taken_by__status__in=ACTIVE)
    return ContactState.objects.filter(source=source_key, dirty=True).filter(free)


def plan(run: ImportRun, source: ContactSource, size: int) -> bool:
    """Write the run's batches, once: True when this call planned, False when another did.

    A full run: every eligible record in primary-key order, then the states to remove. An
    incremental run: the dirty states no active run has taken, now taken by this one.
    """
    with transaction.atomic():
        # A write first: it takes SQLite's write lock at once and PostgreSQL's row lock, so a
        # second planner waits here and then finds the run planned.
        won = ImportRun.objects.filter(
            pk=run.pk, planned=False, status__in=(Run.QUEUED, Run.RUNNING)
        ).update(
            planned=True,
            status=Run.RUNNING,
            started_at=Coalesce("started_at", timezone.now()),
            heartbeat_at=timezone.now(),
            error="",
        )
        if not won:
            return False
        planner = _Planner(run, size)
        if run.kind == ImportRun.Kind.FULL:
            planner.add(eligible_ids(source))
            planner.add(removal_ids(source), remove=True)
        else:
            free_dirty(source.key).update(taken_by=run)
            taken = ContactState.objects.filter(taken_by=run).order_by("pk")
            planner.add(taken.values_list("source_id", flat=True).iterator(chunk_size=2000))
        ImportRun.objects.filter(pk=run.pk).update(
            expected=planner.offset, batches_total=planner.number
        )
    return True


# --------------------------------------------------------------------------- claiming


def _claimable(run_id: int, lease: float) -> QuerySet[ImportBatch]:
    expired = timezone.now() - timedelta(seconds=lease)
    return ImportBatch.objects.filter(run_id=run_id).filter(
        Q(status=BatchStatus.PENDING) | Q(status=BatchStatus.CLAIMED, claimed_at__lt=expired)
    )


def claim(run_id: int, worker: str, lease: float) -> ImportBatch | None:
    """Take the run's next pending (or abandoned) batch for ``worker``; None when none is left."""
    candidates = _claimable(run_id, lease).order_by("number")
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            batch = candidates.select_for_update(skip_locked=True).first()
            if batch is None:
                return None
            batch.status, batch.claimed_by, batch.claimed_at = (
                BatchStatus.CLAIMED,
                worker,
                timezone.now(),
            )
            batch.save(update_fields=["status", "claimed_by", "claimed_at"])
            return batch
    while True:
        seen = candidates.values("pk", "status", "claimed_at").first()
        if seen is None:
            return None
        won = ImportBatch.objects.filter(**seen).update(
            status=BatchStatus.CLAIMED, claimed_by=worker, claimed_at=timezone.now()
        )
        if won:
            return ImportBatch.objects.get(pk=seen["pk"])
        # Another worker took it between the read and the update: try the next one.


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def release_dead_claims(run_id: int) -> int:
    """Put back the batches claimed by processes of this machine that no longer exist."""
    host = socket.gethostname()
    released = 0
    claimed = ImportBatch.objects.filter(
        run_id=run_id, status=BatchStatus.CLAIMED, claimed_by__startswith=f"{host}:"
    ).values_list("pk", "claimed_by")
    for pk, owner in claimed:
        pid = owner.split(":")[1]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            released += ImportBatch.objects.filter(
                pk=pk, status=BatchStatus.CLAIMED, claimed_by=owner
            ).update(status=BatchStatus.PENDING, claimed_by="", claimed_at=None)
    return released


def give_back(batch: ImportBatch, worker: str, error: str, max_attempts: int) -> bool:
    """A batch whose call failed: pending again, or failed for good. True when it gave up."""
    attempts = batch.attempts + 1
    gave_up = attempts >= max_attempts
    ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.CLAIMED, claimed_by=worker).update(
        status=BatchStatus.FAILED if gave_up else BatchStatus.PENDING,
        attempts=attempts,
        error=error[:2000],
        claimed_by="",
        claimed_at=None,
    )
    return gave_up


# --------------------------------------------------------------------------- progress


def run_totals(run: ImportRun) -> RunTotals:
    """The totals of the run's done batches, added up."""
    done = run.batches.filter(status=BatchStatus.DONE).values_list("totals", flat=True)
    return RunTotals.sum(RunTotals.from_dict(t) for t in done.iterator(chunk_size=500))


@dataclass(frozen=True)
class Progress:
    """Where a run stands, read from its batches."""

    batches_done: int = 0
    batches_total: int = 0
    batches_failed: int = 0
    contacts_done: int = 0
    contacts_total: int = 0
    rate: float | None = None  # contacts per second
    eta: float | None = None  # seconds left at that rate
    totals: RunTotals = field(default_factory=RunTotals)

    @property
    def percent(self) -> int:
        if not self.contacts_total:
            return 0
        return min(100, int(100 * self.contacts_done / self.contacts_total))


def progress(run: ImportRun, *, with_totals: bool = True) -> Progress:
    """The run's progress: batches and contacts done, rate, ETA and the totals so far."""
    if run.dry_run or not run.planned:
        return Progress(totals=run.summary)
    by_status = {
        row["status"]: row
        for row in run.batches.values("status").annotate(n=Count("id"), rows=Sum("rows"))
    }
    done = by_status.get(BatchStatus.DONE, {})
    contacts_done = int(done.get("rows") or 0)
    contacts_total = int(run.expected or 0)
    rate = eta = None
    last = (
        run.batches.filter(status=BatchStatus.DONE).order_by("-done_at").values("done_at").first()
    )
    if run.started_at and last and last["done_at"] and contacts_done:
        end = timezone.now() if run.working else last["done_at"]
        seconds = (end - run.started_at).total_seconds()
        rate = contacts_done / seconds if seconds > 0 else None
        if rate and run.working:
            eta = max(0.0, (contacts_total - contacts_done) / rate)
    totals = run.summary if run.finished else RunTotals()
    if with_totals and not run.finished:
        totals = run_totals(run)
    return Progress(
        batches_done=int(done.get("n") or 0),
        batches_total=run.batches_total,
        batches_failed=int(by_status.get(BatchStatus.FAILED, {}).get("n") or 0),
        contacts_done=contacts_done,
        contacts_total=contacts_total,
        rate=rate,
        eta=eta,
        totals=totals,
    )


def chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Lists of ``size`` items (the last one shorter)."""
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
