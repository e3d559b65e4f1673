"""The sync worker: claims a run's batches one after another, sends them, records each one.

For each batch: read the contacts' states (with their versions), then their records through
the source's eligible queryset (a contact that left the filter since planning is removed);
let the engine classify and send them, outside any transaction (a call may take seconds and
be retried); then, in ONE transaction, while the worker still holds the batch's claim: mark it
done with its totals, upsert the states now in Selzy, forget the removed ones, clear the dirty
marks (unless a newer change came in meanwhile) and store the rejections. A worker killed at
any point leaves either a done batch or a claimed one another worker redoes: importContacts
is an upsert, so a batch sent twice does no harm, and it is recorded once.

Between batches the worker reads the run's status: paused or cancelled, it stops cleanly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from selzy import Selzy, SelzyError
from selzy.integration import (
    Change,
    FieldMapping,
    ImportJob,
    ImportTotals,
    Rejection,
    SelzyField,
    SourceRecord,
    SyncBatchOutcome,
    SyncCounts,
    classify,
    plan_batches,
    send_changes,
)
from selzy.integration import ContactState as State

from . import ledger
from .client import NotConnectedError, connected_client
from .conf import SelzySettings, selzy_settings
from .models import ContactState, ImportBatch, ImportRejection, ImportRun
from .models import FieldMapping as MappingRow
from .sources import ContactSource, get_source

logger = logging.getLogger("selzy.django")

Run = ImportRun.Status
HEARTBEAT_EVERY = 2.0  # seconds: the run's row is written at most this often, not per batch


def mapping_for(source_key: str) -> FieldMapping:
    """The mapping chosen on the mapping screen."""
    rows = MappingRow.objects.filter(source=source_key)
    return FieldMapping({row.source_field: row.selzy_field for row in rows})


def build_job(client: Selzy, run: ImportRun, source: ContactSource) -> ImportJob:
    """The engine's job for the run: the mapping checked against the account's fields now."""
    selzy_fields = [SelzyField.from_api(f) for f in client.get_fields()]
    return ImportJob.build(
        mapping_for(run.source), selzy_fields, list_id=run.list_id, source_fields=source.fields()
    )


@dataclass(frozen=True)
class Loaded:
    """One batch's contacts as read: (position, record, state) and the state versions seen."""

    pairs: list[tuple[int, SourceRecord | None, State | None]]
    versions: dict[str, int]
    unsubscribed: int


def load(source: ContactSource, ids: Sequence[str], offset: int = 0) -> Loaded:
    """Read the states, then the records: a change between the two bumps a version we saw."""
    states: dict[str, State] = {}
    versions: dict[str, int] = {}
    unsubscribed: set[str] = set()
    rows = ContactState.objects.filter(source=source.key, source_id__in=ids).values_list(
        "source_id", "email", "phone", "row_hash", "version", "unsubscribed"
    )
    for source_id, email, phone, digest, version, unsub in rows:
        versions[source_id] = version
        if unsub:
            unsubscribed.add(source_id)  # a sync never touches them: not sent, not removed
        else:
            states[source_id] = State(source_id, email, phone, digest)
    records = source.records_for(ids)
    pairs = []
    for index, source_id in enumerate(ids):
        record, state = records.get(source_id), states.get(source_id)
        if source_id not in unsubscribed and (record is not None or state is not None):
            pairs.append((offset + index, record, state))
    return Loaded(pairs, versions, len(unsubscribed))


def _kept_addresses(source_key: str, changes: Sequence[Change]) -> set[str]:
    """Addresses these changes would delete that other contacts of the source still hold."""
    deleting = {c.delete[1] for c in changes if c.delete is not None and c.delete[0] == "email"}
    if not deleting:
        return set()
    leaving = [str(c.source_id) for c in changes if c.delete is not None]
    holders = ContactState.objects.filter(source=source_key, email__in=deleting).exclude(
        source_id__in=leaving
    )
    return set(holders.exclude(row_hash="").values_list("email", flat=True))


def _merge(outcomes: Sequence[SyncBatchOutcome]) -> SyncBatchOutcome:
    return SyncBatchOutcome(
        totals=sum((o.totals for o in outcomes), ImportTotals()),
        rejections=tuple(chain.from_iterable(o.rejections for o in outcomes)),
        synced=tuple(chain.from_iterable(o.synced for o in outcomes)),
        removed=tuple(chain.from_iterable(o.removed for o in outcomes)),
        counts=sum((o.counts for o in outcomes), SyncCounts()),
        warnings=tuple(chain.from_iterable(o.warnings for o in outcomes)),
    )


def batch_totals(outcome: SyncBatchOutcome, unsubscribed: int) -> dict[str, Any]:
    """What a done batch keeps (the run's totals add these up)."""
    skipped: dict[str, int] = {}
    for rejection in outcome.rejections:
        if rejection.stage == "local":
            skipped[rejection.code] = skipped.get(rejection.code, 0) + 1
    if unsubscribed:
        skipped["unsubscribed"] = unsubscribed
    selzy = sum(1 for r in outcome.rejections if r.stage == "selzy")
    return {
        **outcome.totals.as_dict(),
        "changes": outcome.counts.as_dict(),
        "skipped": skipped,
        "rejected": selzy,
    }


class Worker:
    """One worker of one run (a thread, a Celery task, the command)."""

    def __init__(self, run: ImportRun, name: str, conf: SelzySettings) -> None:
        self.run, self.name, self.conf = run, name, conf
        self.source = get_source(run.source)
        self.last_heartbeat = 0.0

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
        ids = [*batch.source_ids, *batch.remove_ids]
        loaded = load(self.source, ids, batch.offset)
        changes = [classify(job, record, state, pos) for pos, record, state in loaded.pairs]
        kept = _kept_addresses(self.source.key, changes)
        groups = plan_batches(changes)  # one call, unless moves push it past 500 rows
        outcome = _merge([send_changes(client, job, g, keep_addresses=kept) for g in groups])
        return self.commit(batch, ids, loaded, outcome)

    def commit(
        self, batch: ImportBatch, ids: list[str], loaded: Loaded, outcome: SyncBatchOutcome
    ) -> bool:
        key, now = self.source.key, timezone.now()
        states = ContactState.objects.filter(source=key)
        with transaction.atomic():
            # The claim first: a write, so SQLite's lock is taken before anything is read.
            won = ImportBatch.objects.filter(
                pk=batch.pk, status=ImportBatch.Status.CLAIMED, claimed_by=self.name
            ).update(
                status=ImportBatch.Status.DONE,
                totals=batch_totals(outcome, loaded.unsubscribed),
                done_at=now,
                error="",
            )
            if not won:
                return False  # our lease ran out and another worker redoes the batch
            current = dict(
                states.select_for_update()
                .filter(source_id__in=ids)
                .values_list("source_id", "version")
            )
            changed = {i for i, v in current.items() if loaded.versions.get(i) != v}
            synced = {str(s.source_id) for s in outcome.synced}
            ledger.upsert_states(key, outcome.synced, now, changed)
            removed = {str(i) for i in outcome.removed}
            states.filter(source_id__in=removed - changed).delete()
            # A record changed since we read it: its contact is gone from Selzy, yet it stays
            # queued, as never sent, for the next sync.
            states.filter(source_id__in=removed & changed).update(
                email="", phone="", row_hash="", synced_at=None, taken_by=None
            )
            rest = set(ids) - removed - synced
            states.filter(source_id__in=rest - changed).update(dirty=False, taken_by=None)
            states.filter(source_id__in=rest & changed).update(taken_by=None)
            # Records refused (locally or by Selzy) get a state too, never sent: the scan
            # then knows them and does not queue them again until they change.
            seen = {str(record.id) for _, record, _ in loaded.pairs if record is not None}
            ContactState.objects.bulk_create(
                [ContactState(source=key, source_id=i) for i in (seen & rest) - set(current)],
                ignore_conflicts=True,
            )
            ImportRejection.objects.bulk_create(
                [_rejection_row(self.run, r) for r in outcome.rejections], ignore_conflicts=True
            )
            self.heartbeat(now)
        return True

    def heartbeat(self, now: Any) -> None:
        if time.monotonic() - self.last_heartbeat >= HEARTBEAT_EVERY:
            ImportRun.objects.filter(pk=self.run.pk).update(heartbeat_at=now)
            self.last_heartbeat = time.monotonic()


def _rejection_row(run: ImportRun, rejection: Rejection) -> ImportRejection:
    return ImportRejection(
        run=run,
        source_id=str(rejection.source_id),
        position=rejection.position,
        stage=rejection.stage,
        code=rejection.code[:64],
        reason=rejection.reason,
        email=rejection.email[:320],
        phone=rejection.phone[:32],
    )


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
    totals = ledger.add_totals(
        run.batches.values_list("totals", flat=True).iterator(chunk_size=500)
    )
    won = ImportRun.objects.filter(pk=run_id, status=Run.RUNNING).update(
        status=Run.COMPLETED,
        finished=True,
        finished_at=timezone.now(),
        totals=totals,
        position=run.expected or 0,
    )
    if won:
        ContactState.objects.filter(taken_by=run).update(taken_by=None)
        _follow_up(run)
    return bool(won)


def _follow_up(run: ImportRun) -> None:
    """Contacts that changed while the run had them are still dirty: sync them next."""
    from .changes import schedule_sync  # changes imports this module's neighbours

    pending = ContactState.objects.filter(source=run.source, dirty=True, taken_by=None)
    if pending.exists():
        schedule_sync(run.source)


def prepare(run: ImportRun) -> ContactSource:
    """Scan for missed changes (an incremental run that asks for it) and plan, once."""
    source = get_source(run.source)
    if run.kind == ImportRun.Kind.INCREMENTAL and run.scan_first and not run.planned:
        from .changes import scan_changes

        scan_changes(source)
    ledger.plan(run, source, selzy_settings().import_batch_size)
    return source


def work(run_id: int, worker: str | None = None) -> ImportRun:
    """Be one worker of run ``run_id`` until no batch is left (or the run is paused).

    Plans the run first if nobody has. Idempotent: a finished run is returned as it is.
    Failures Selzy or the setup cause are recorded on the run (``failed`` and the reason).
    """
    run = ImportRun.objects.get(pk=run_id)
    if run.over or run.status == Run.PAUSED:
        return run
    conf = selzy_settings()
    _wait_until(run.not_before, conf.sync_debounce)
    name = worker or ledger.worker_name()
    try:
        if run.dry_run:
            from .dryrun import dry_run_job  # built on this module

            return dry_run_job(run)
        source = prepare(run)
        with connected_client() as client:
            job = build_job(client, run, source)
            Worker(run, name, conf).loop(client, job)
    except (SelzyError, NotConnectedError, ImproperlyConfigured) as error:
        fail_run(run_id, str(error))
        logger.warning("Selzy sync run %s failed: %s", run_id, error)
    run.refresh_from_db()
    return run


def _wait_until(moment: Any, longest: float) -> None:
    if moment is not None:
        seconds = (moment - timezone.now()).total_seconds()
        if seconds > 0:
            time.sleep(min(seconds, longest))
