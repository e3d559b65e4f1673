"""Run leases: a queued or running sync is alive only while a worker says so.

Workers write the run's ``heartbeat_at`` as they start, once the run is planned, and at most
every :data:`HEARTBEAT_EVERY` seconds between batches (a dry run while it counts). A queued or
running run that nobody has written for ``RUN_LEASE`` seconds (never less than ``BATCH_LEASE``:
one batch may take that long) has no live worker: its process died. A shell or cron command
that saved a record and exited took the thread runner's daemon thread with it; a web process was
restarted; a whole Celery worker vanished (its message only comes back after the broker's
visibility timeout).

:func:`interrupt_stale` marks such runs ``interrupted`` and releases the contacts an incremental
run held (``ContactState.taken_by``), so the next sync plans and sends them; Resume continues an
interrupted run from its pending batches (what was done is not sent again). Everything that
starts or looks at syncs calls it first: a new sync (:func:`.jobs.start_import`), the next save
(:func:`.worker.schedule_sync`), the periodic scan (:func:`.jobs.scan_changes`), the
``selzy_sync`` command, every worker as it starts, and the import screens. A dead run is thus
never shown running, and never holds contacts for ever.

A run wrongly taken for dead (a lease shorter than a batch) costs only work done twice: its
workers stop at the next batch (they work running runs only), the batch in flight is still
recorded, and importContacts is an upsert.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .conf import selzy_settings
from .models import ContactState, ImportRun

Run = ImportRun.Status
HEARTBEAT_EVERY = 2.0  # seconds: the run's row is written at most this often, not per batch
#: The statuses a worker is (or is about to be) on: the ones a lease applies to.
WORKING = (Run.QUEUED, Run.RUNNING)


def beat(run_id: int) -> bool:
    """Write the run's heartbeat now (a queued or running run only); False when it is not."""
    updated = ImportRun.objects.filter(pk=run_id, status__in=WORKING).update(
        heartbeat_at=timezone.now()
    )
    return bool(updated)


class Heartbeat:
    """A worker's heartbeat for one run: written when called, at most every ``every`` seconds."""

    def __init__(
        self,
        run_id: int,
        every: float = HEARTBEAT_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.run_id, self.every, self.clock = run_id, every, clock
        self.last: float | None = None

    def __call__(self, *, now: bool = False) -> None:
        """Write the heartbeat if ``every`` seconds have passed since the last one (or ``now``)."""
        moment = self.clock()
        if now or self.last is None or moment - self.last >= self.every:
            beat(self.run_id)
            self.last = moment


def lease_seconds() -> float:
    """How long a run may go without a heartbeat before it counts as dead (RUN_LEASE)."""
    conf = selzy_settings()
    return max(conf.run_lease, conf.batch_lease)


def stale(now: datetime, lease: float) -> Q:
    """Queued or running runs nobody has reported on for ``lease`` seconds before ``now``.

    Without a heartbeat yet, the run's start (or creation) counts; a debounced run is not
    expected to start before ``not_before``.
    """
    cutoff = now - timedelta(seconds=lease)
    quiet = (
        Q(heartbeat_at__lt=cutoff)
        | Q(heartbeat_at=None, started_at__lt=cutoff)
        | Q(heartbeat_at=None, started_at=None, created_at__lt=cutoff)
    )
    return Q(status__in=WORKING) & quiet & (Q(not_before=None) | Q(not_before__lt=cutoff))


def interrupt_stale(*, source: str | None = None, run_id: int | None = None) -> list[ImportRun]:
    """Mark the runs without a live worker interrupted and release the contacts they held.

    Only runs of ``source``, or the run ``run_id``, when given. Returns the runs interrupted by
    this call (each is interrupted by exactly one caller: the update re-checks the lease).
    """
    lease = lease_seconds()
    now = timezone.now()
    candidates = ImportRun.objects.filter(stale(now, lease))
    if source is not None:
        candidates = candidates.filter(source=source)
    if run_id is not None:
        candidates = candidates.filter(pk=run_id)
    interrupted = []
    for run in candidates.order_by("pk"):
        reason = (
            f"No worker reported for {lease:.0f} s: the process working it stopped (a restart, "
            "a short-lived command with the thread runner, a lost Celery worker)."
        )
        if run.kind == ImportRun.Kind.INCREMENTAL and not run.dry_run:
            reason += " The contacts it had not sent go to the next sync."
        with transaction.atomic():
            won = ImportRun.objects.filter(stale(now, lease), pk=run.pk).update(
                status=Run.INTERRUPTED, error=reason
            )
            if won:
                ContactState.objects.filter(taken_by=run.pk).update(taken_by=None)
        if won:
            run.refresh_from_db()
            interrupted.append(run)
    return interrupted
