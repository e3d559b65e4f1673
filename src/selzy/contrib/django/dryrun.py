"""Dry run: what a sync would do, counted by the engine over the very pairs the sync reads.

The pairs come from the same :func:`.sync.load` the workers use (states first, then records
through the source's eligible queryset), in the same order the planner would put them in
batches, and :func:`selzy.integration.dry_run` classifies them with the sync's own
:func:`~selzy.integration.classify`: the counts are what the run then does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef
from django.db.models.functions import Cast
from django.utils import timezone

from selzy.integration import DryRunReport, dry_run

from . import ledger
from .client import connected_client
from .models import ContactState, ImportRun
from .sources import ContactSource, get_source
from .sync import build_job, load

Run = ImportRun.Status


def _ids_of_run(run: ImportRun, source: ContactSource) -> Iterator[str]:
    if run.kind == ImportRun.Kind.FULL:
        eligible = source.queryset().values_list("pk", flat=True).iterator(chunk_size=2000)
        gone = ledger.removal_states(source).order_by("pk").values_list("source_id", flat=True)
        return chain((str(pk) for pk in eligible), gone.iterator(chunk_size=2000))
    dirty = ContactState.objects.filter(source=source.key, dirty=True).order_by("pk")
    return dirty.values_list("source_id", flat=True).iterator(chunk_size=2000)


def _pairs(source: ContactSource, ids: Iterable[str]) -> Iterator[tuple[Any, Any]]:
    for chunk in ledger.chunked(ids, 500):
        for _, record, state in load(source, chunk).pairs:
            yield record, state


def dry_run_report(run: ImportRun) -> DryRunReport:
    """What the run would do, counted by the engine's dry run over the very pairs it would read.

    ``no_consent``: rows of the model the source's filter leaves out and that were never sent
    (those that were count as removed); ``unsubscribed``: the contacts the sync leaves alone.
    """
    source = get_source(run.source)
    with connected_client() as client:
        job = build_job(client, run, source)
    states = ContactState.objects.filter(source=source.key, unsubscribed=True)
    no_consent = 0
    if run.kind == ImportRun.Kind.FULL:
        eligible = source.queryset().order_by().values("pk")
        known = ContactState.objects.filter(
            source=source.key, source_id=Cast(OuterRef("pk"), models.CharField())
        )
        everyone = source.model._default_manager.order_by()
        no_consent = everyone.exclude(pk__in=eligible).filter(~Exists(known)).count()
    else:
        states = states.filter(dirty=True)
    return dry_run(
        job,
        _pairs(source, _ids_of_run(run, source)),
        no_consent=no_consent,
        unsubscribed=states.count(),
    )


def dry_run_job(run: ImportRun) -> ImportRun:
    """Run a dry run: count, store the report in ``totals``, complete."""
    won = ImportRun.objects.filter(pk=run.pk, status=Run.QUEUED).update(
        status=Run.RUNNING, started_at=timezone.now()
    )
    if not won:
        run.refresh_from_db()
        return run
    report = dry_run_report(run)
    ImportRun.objects.filter(pk=run.pk).update(
        status=Run.COMPLETED,
        finished=True,
        finished_at=timezone.now(),
        totals=report.as_dict(),
        expected=report.counts.total,
        position=report.counts.total,
    )
    run.refresh_from_db()
    return run
