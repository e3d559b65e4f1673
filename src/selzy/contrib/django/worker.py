"""The sync worker: claims a run's batches one after another, sends them, records each one.

For each batch: read its contacts (:func:`.states.read_batch`), let the engine send them
(:func:`selzy.integration.sync_batch`, outside any transaction: a call may take seconds and be
retried), then record the outcome in one transaction while the worker still holds the batch's
claim (:func:`.states.commit_batch`). A worker killed at any point leaves either a done batch or
a claimed one another worker redoes: importContacts is an upsert, so a batch sent twice does no
harm, and it is recorded once.

Between batches the worker reads the run's status: paused, cancelled or interrupted, it stops
cleanly. It keeps the run's lease alive meanwhile (:mod:`.leases`), and, as it starts, interrupts
the runs of its source whose workers died.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone

from selzy import Selzy, SelzyError
from selzy.integration import FieldMapping, ImportJob, SelzyField, sync_batch

from . import leases, ledger, states
from .changes import full_sync_done, scan_source
from .client import NotConnectedError, connected_client
from .conf import SelzySettings, selzy_settings
from .models import Connection, ContactState, ImportBatch, ImportRun, MappedField
from .sources import ContactSource, get_source
from .tasks import job, submit

logger = logging.getLogger("selzy.django")

Run = ImportRun.Status
HEARTBEAT_EVERY = leases.HEARTBEAT_EVERY


def mapping_for(source_key: str) -> FieldMapping:
    """The mapping chosen on the mapping screen."""
    rows = MappedField.objects.filter(source=source_key)
    return FieldMapping({row.source_field: row.selzy_field for row in rows})


def build_job(client: Selzy, run: ImportRun, source: ContactSource) -> ImportJob:
    """The engine's job for the run: the mapping checked against the account's fields now, the
    values read and leaving contacts handled as the settings say (INVALID_VALUES, REMOVAL...)."""
    selzy_fields = [SelzyField.from_api(f) for f in client.get_fields()]
    return ImportJob.build(
        mapping_for(run.source),
        selzy_fields,
        list_id=run.list_id,
        source_fields=source.fields(),
        **selzy_settings().job_options(),
    )


class Worker:
    """One worker of one run (a thread, a Celery task, the command)."""

    def __init__(self, run: ImportRun, name: str, conf: SelzySettings) -> None:
        self.run, self.name, self.conf = run, name, conf
        self.source = get_source(run.source)
        self.store = states.LedgerStates(self.source.key)
        self.heartbeat = leases.Heartbeat(run.pk, HEARTBEAT_EVERY)

    def loop(self, client: Selzy, job: ImportJob) -> None:
        run_id = self.run.pk
        ledger.release_dead_claims(run_id)
        while ImportRun.objects.filter(pk=run_id, status=Run.RUNNING).exists():
            batch = ledger.claim(run_id, self.name, self.conf.batch_lease)
            if batch is None:
                finish_if_done(run_id)
                return
            try:
                self.process(client, job, batch)
            except SelzyError as error:
                # The client already retried; count the attempt, let any worker try again.
                message = f"Batch {batch.number}: {error}"
                logger.warning("Selzy sync run %s: %s", run_id, message)
                if ledger.give_back(batch, self.name, message, self.conf.batch_attempts):
                    fail_run(run_id, f"{message} (gave up after {self.conf.batch_attempts} tries)")
                    return
            except BaseException as error:
                ledger.give_back(batch, self.name, repr(error), self.conf.batch_attempts + 1)
                raise

    def process(self, client: Selzy, job: ImportJob, batch: ImportBatch) -> bool:
        """Send one batch and record it; False when another worker took it over meanwhile."""
        loaded = states.read_batch(
            self.source, [*batch.source_ids, *batch.remove_ids], batch.offset
        )
        outcome = sync_batch(client, job, loaded.contacts, self.store)
        recorded = states.commit_batch(self.run, batch, self.name, loaded, outcome)
        self.heartbeat()
        return recorded


# --------------------------------------------------------------------------- the run


def fail_run(run_id: int, error: str) -> None:
    """The run stops with ``error`` (shown on its page); resume it to try again."""
    ImportRun.objects.filter(pk=run_id, status__in=ledger.ACTIVE).update(
        status=Run.FAILED, error=error, finished_at=timezone.now()
    )


def finish_if_done(run_id: int) -> bool:
    """Complete the run when every batch is done (whichever worker gets here first)."""
    run = ImportRun.objects.get(pk=run_id)
    left = run.batches.exclude(status=ImportBatch.Status.DONE)
    if run.status != Run.RUNNING or not run.planned or left.exists():
        return False
    won = ImportRun.objects.filter(pk=run_id, status=Run.RUNNING).update(
        status=Run.COMPLETED,
        finished=True,
        finished_at=timezone.now(),
        totals=ledger.run_totals(run).as_dict(),
        position=run.expected or 0,
    )
    if won:
        ContactState.objects.filter(taken_by=run).update(taken_by=None)
        # Contacts that changed while the run had them are still dirty: sync them next.
        if ContactState.objects.filter(source=run.source, dirty=True, taken_by=None).exists():
            schedule_sync(run.source)
    return bool(won)


def prepare(run: ImportRun) -> ContactSource:
    """Scan for missed changes (an incremental run that asks for it) and plan, once."""
    source = get_source(run.source)
    if run.kind == ImportRun.Kind.INCREMENTAL and run.scan_first and not run.planned:
        scan_source(source)
    ledger.plan(run, source, selzy_settings().import_batch_size)
    leases.beat(run.pk)
    return source


@job("selzy.sync_worker")
def work(run_id: int, worker: str | None = None) -> ImportRun:
    """Be one worker of run ``run_id`` until no batch is left (or the run is paused).

    Plans the run first if nobody has. Idempotent, and several may run at once for one run
    (each batch is claimed): a finished, paused or interrupted run is returned as it is.
    Failures Selzy or the setup cause are recorded on the run (``failed`` and the reason).
    First the run's lease is renewed (this worker is alive), and the other runs of its source
    whose workers died are interrupted (:func:`.leases.interrupt_stale`).
    """
    run = ImportRun.objects.get(pk=run_id)
    if not run.working:
        return run
    leases.beat(run_id)
    leases.interrupt_stale(source=run.source)
    conf = selzy_settings()
    _wait_until(run.not_before, conf.sync_debounce)
    name = worker or ledger.worker_name()
    try:
        source = prepare(run)
        with connected_client() as client:
            job = build_job(client, run, source)
            Worker(run, name, conf).loop(client, job)
    except (SelzyError, NotConnectedError, ImproperlyConfigured) as error:
        fail_run(run_id, str(error))
        logger.warning("Selzy sync run %s failed: %s", run_id, error)
    run.refresh_from_db()
    return run


def _wait_until(moment: datetime | None, longest: float) -> None:
    if moment is not None:
        seconds = (moment - timezone.now()).total_seconds()
        if seconds > 0:
            time.sleep(min(seconds, longest))


def schedule_sync(source_key: str) -> ImportRun | None:
    """Queue a debounced incremental sync of the source into the connected list.

    Nothing happens before the first full sync (it covers every change) or when one is already
    queued: the queued run plans when it starts, so it takes every change made until then. A
    queued or running run of the source whose worker died is interrupted first
    (:func:`.leases.interrupt_stale`): its contacts go to the run queued now.
    """
    connection = Connection.objects.filter(pk=1).first()
    if connection is None or connection.source != source_key or not connection.list_id:
        return None
    if not connection.is_connected or not full_sync_done(source_key, connection.list_id):
        return None
    leases.interrupt_stale(source=source_key)
    queued = ImportRun.objects.filter(
        source=source_key,
        list_id=connection.list_id,
        kind=ImportRun.Kind.INCREMENTAL,
        status=ImportRun.Status.QUEUED,
        dry_run=False,
    )
    if queued.exists():
        return None
    delay = selzy_settings().sync_debounce
    try:
        with transaction.atomic():
            run = ImportRun.objects.create(
                source=source_key,
                list_id=connection.list_id,
                kind=ImportRun.Kind.INCREMENTAL,
                not_before=timezone.now() + timedelta(seconds=delay),
            )
    except IntegrityError:
        return None  # another process queued it a moment ago (the partial unique constraint)
    transaction.on_commit(lambda: submit(work, run.pk))
    return run
