"""Dry run: what a sync would do, counted by the engine over the very contacts the sync reads.

The contacts come from the same :func:`.states.read_batch` the workers use (states first, then
records through the source's eligible queryset), in the same order the planner would put them
in batches, and :func:`selzy.integration.dry_run` classifies them with the sync's own
:func:`~selzy.integration.classify`: the counts are what the run then does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists
from django.utils import timezone

from selzy import SelzyError
from selzy.integration import Contact, DryRunReport, dry_run

from . import ledger
from .client import NotConnectedError, connected_client
from .models import ContactState, ImportRun
from .sources import ContactSource, get_source
from .states import LedgerStates, read_batch
from .tasks import job
from .worker import build_job, fail_run

Run = ImportRun.Status


def _ids_of_run(run: ImportRun, source: ContactSource) -> Iterator[str]:
    if run.kind == ImportRun.Kind.FULL:  # the ids the planner would write, in its order
        return chain(ledger.eligible_ids(source), ledger.removal_ids(source))
    dirty = ContactState.objects.filter(source=source.key, dirty=True).order_by("pk")
    return dirty.values_list("source_id", flat=True).iterator(chunk_size=2000)


def _contacts(source: ContactSource, ids: Iterable[str]) -> Iterator[Contact]:
    offset = 0
    for chunk in ledger.chunked(ids, 500):
        yield from read_batch(source, chunk, offset).contacts
        offset += len(chunk)


def dry_run_report(run: ImportRun) -> DryRunReport:
    """What the run would do, counted by the engine's dry run over the very contacts it reads.

    ``no_consent``: rows of the model the source's filter leaves out and that were never sent
    (those that were count as removed).
    """
    source = get_source(run.source)
    with connected_client() as client:
        job = build_job(client, run, source)
    no_consent = 0
    if run.kind == ImportRun.Kind.FULL:
        eligible = source.queryset().order_by().values("pk")
        known = ContactState.objects.filter(source=source.key, source_id=source.id_of("pk"))
        everyone = source.model._default_manager.order_by()
        no_consent = everyone.exclude(pk__in=eligible).filter(~Exists(known)).count()
    contacts = _contacts(source, _ids_of_run(run, source))
    return dry_run(job, contacts, store=LedgerStates(source.key), no_consent=no_consent)


@job("selzy.dry_run")
def dry_run_job(run_id: int) -> ImportRun:
    """Run a dry run: count, store the report's totals, complete. Idempotent."""
    won = ImportRun.objects.filter(pk=run_id, status=Run.QUEUED, dry_run=True).update(
        status=Run.RUNNING, started_at=timezone.now()
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
