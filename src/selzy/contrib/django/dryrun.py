"""Dry run: what a sync would do, counted by the engine over the very contacts the sync reads.

It takes the steps the run takes, but sending: an incremental dry run first makes the scan the
run makes (:func:`.changes.scan_source`: its marks stay, and are what the run would mark), then
reads the contacts the planner would take (every eligible record and the removals for a full
run; the changed contacts no active run holds for an incremental one), cut into batches of
``IMPORT_BATCH_SIZE`` as the planner cuts them, each read by the same :func:`.states.read_batch`
the workers use and classified by :func:`selzy.integration.dry_run` with the sync's own
:func:`~selzy.integration.classify`. Its counts, importContacts calls included (per batch, as the
workers make them), are what the run then does.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists
from django.utils import timezone

from selzy import SelzyError
from selzy.integration import Contact, DryRunReport, dry_run

from . import leases, ledger
from .changes import scan_source
from .client import NotConnectedError, connected_client
from .conf import selzy_settings
from .models import ContactState, ImportRun
from .sources import ContactSource, get_source
from .states import LedgerStates, read_batch
from .tasks import job
from .worker import build_job, fail_run

Run = ImportRun.Status


def _ids_of_run(run: ImportRun, source: ContactSource) -> Iterator[str]:
    if run.kind == ImportRun.Kind.FULL:  # the ids the planner would write, in its order
        return chain(ledger.eligible_ids(source), ledger.removal_ids(source))
    dirty = ledger.free_dirty(source.key).order_by("pk")  # what plan() takes, in its order
    return dirty.values_list("source_id", flat=True).iterator(chunk_size=2000)


def dry_run_report(run: ImportRun) -> DryRunReport:
    """What the run would do, counted by the engine's dry run over the very contacts it reads.

    ``no_consent``: rows of the model the source's filter leaves out and that were never sent
    (those that were count as removed).
    """
    source = get_source(run.source)
    with connected_client() as client:
        job = build_job(client, run, source)
    if run.kind == ImportRun.Kind.INCREMENTAL and run.scan_first:
        scan_source(source)  # the scan the run makes before it plans
    no_consent = 0
    if run.kind == ImportRun.Kind.FULL:
        eligible = source.queryset().order_by().values("pk")
        known = ContactState.objects.filter(source=source.key, source_id=source.id_of("pk"))
        everyone = source.model._default_manager.order_by()
        no_consent = everyone.exclude(pk__in=eligible).filter(~Exists(known)).count()
    size = selzy_settings().import_batch_size
    return dry_run(
        job,
        _contacts(source, _ids_of_run(run, source), size),
        store=LedgerStates(source.key),
        no_consent=no_consent,
        batch_size=size,  # one batch as a worker reads and sends it: its calls counted so
        on_batch=leases.Heartbeat(run.pk),
    )


def _contacts(source: ContactSource, ids: Iterator[str], size: int) -> Iterator[Contact]:
    """The run's contacts as the workers read them, batch by batch."""
    offset = 0
    for chunk in ledger.chunked(ids, size):
        yield from read_batch(source, chunk, offset).contacts
        offset += len(chunk)


@job("selzy.dry_run")
def dry_run_job(run_id: int) -> ImportRun:
    """Run a dry run: count, store the report's totals, complete. Idempotent."""
    won = ImportRun.objects.filter(pk=run_id, status=Run.QUEUED, dry_run=True).update(
        status=Run.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    run = ImportRun.objects.get(pk=run_id)
    if not won:
        return run
    try:
        report = dry_run_report(run)
    except (SelzyError, NotConnectedError, ImproperlyConfigured) as error:
        fail_run(run_id, str(error))
        run.refresh_from_db()
        return run
    ImportRun.objects.filter(pk=run.pk).update(
        status=Run.COMPLETED,
        finished=True,
        finished_at=timezone.now(),
        totals=report.totals.as_dict(),
        expected=report.totals.total,
        position=report.totals.total,
    )
    run.refresh_from_db()
    return run
