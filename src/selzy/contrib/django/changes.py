"""Following the source: which contacts changed since they were last sent.

Three ways in, all ending as a dirty :class:`~.models.ContactState` (a fresh ``version`` each
time, see the model):

- signals: ``post_save`` and ``post_delete`` of every source model (connected in
  ``AppConfig.ready``), then a debounced incremental sync (:func:`schedule_sync`);
- :func:`scan_changes`: what the signals cannot see (``QuerySet.update()``, raw SQL, another
  program writing the table): rows modified since the last scan (the source's
  ``updated_field``), eligible rows without a state, states whose row vanished or is no longer
  eligible. ``selzy_sync --incremental`` runs it, and Celery beat (``selzy.scan_changes``);
- a full run, which looks at everything anyway.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, IntegrityError, models, transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Cast
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from .conf import selzy_settings
from .ledger import chunked, removal_states
from .models import Connection, ContactState, ImportRun, SourceScan
from .sources import ContactSource, contact_sources, get_source
from .tasks import submit

logger = logging.getLogger("selzy.django")

WORKER_JOB = "selzy.contrib.django.jobs.run_import_job"
#: A row modified this long before the last scan is looked at again: clocks of the web and
#: database servers differ, and a transaction may commit after the scan read the table.
SCAN_OVERLAP = timedelta(minutes=5)


def _version() -> int:
    return secrets.randbits(62)


def mark_dirty(source_key: str, ids: Iterable[Any], *, create: bool = True) -> int:
    """Mark the contacts ``ids`` (``str(pk)``) of a source changed; ``create`` states missing."""
    now = timezone.now()
    marked = 0
    for chunk in chunked((str(i) for i in ids), 500):
        if create:
            ContactState.objects.bulk_create(
                [
                    ContactState(
                        source=source_key,
                        source_id=source_id,
                        dirty=True,
                        dirty_since=now,
                        version=_version(),
                    )
                    for source_id in chunk
                ],
                update_conflicts=True,
                unique_fields=["source", "source_id"],
                update_fields=["dirty", "dirty_since", "version"],
            )
            marked += len(chunk)
        else:
            marked += ContactState.objects.filter(source=source_key, source_id__in=chunk).update(
                dirty=True, dirty_since=now, version=_version()
            )
    return marked


def full_sync_done(source_key: str, list_id: int) -> bool:
    """Whether a ledger-era full sync of the source into the list has completed."""
    return ImportRun.objects.filter(
        source=source_key,
        list_id=list_id,
        kind=ImportRun.Kind.FULL,
        status=ImportRun.Status.COMPLETED,
        planned=True,
        dry_run=False,
    ).exists()


def schedule_sync(source_key: str) -> ImportRun | None:
    """Queue a debounced incremental sync of the source into the connected list.

    Nothing happens before the first full sync (it covers every change) or when one is already
    queued: the queued run plans when it starts, so it takes every change made until then.
    """
    connection = Connection.objects.filter(pk=1).first()
    if connection is None or connection.source != source_key or not connection.list_id:
        return None
    if not connection.is_connected or not full_sync_done(source_key, connection.list_id):
        return None
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
    transaction.on_commit(lambda: submit(WORKER_JOB, run.pk))
    return run


# --------------------------------------------------------------------------- signals


def _sources_of(model: type[models.Model]) -> list[ContactSource]:
    try:
        return [s for s in contact_sources().values() if s.model is model]
    except ImproperlyConfigured:
        return []  # the system checks report it; a site's own saves must not fail over it


def _changed(model: type[models.Model], pk: Any, *, deleted: bool) -> None:
    for source in _sources_of(model):
        try:
            # A savepoint: a failure here (say, migrations not applied yet) must leave the
            # site's own transaction usable.
            with transaction.atomic():
                eligible = not deleted and source.queryset().filter(pk=pk).exists()
                mark_dirty(source.key, [pk], create=eligible)
                schedule_sync(source.key)
        except DatabaseError:
            logger.exception("Selzy: could not note the change of %s %s", source.key, pk)


def on_save(sender: type[models.Model], instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """post_save of a source model: the record may have changed, appeared or left the filter."""
    if not raw:  # loaddata: fixtures are not changes
        _changed(sender, instance.pk, deleted=False)


def on_delete(sender: type[models.Model], instance: Any, **kwargs: Any) -> None:
    """post_delete of a source model: its contact leaves the list."""
    _changed(sender, instance.pk, deleted=True)


def connect_signals() -> None:
    """Connect the handlers to every configured source model (AppConfig.ready)."""
    for source in _sources_of_settings():
        uid = f"selzy-sync-{source.model._meta.label_lower}"
        post_save.connect(on_save, sender=source.model, dispatch_uid=f"{uid}-save")
        post_delete.connect(on_delete, sender=source.model, dispatch_uid=f"{uid}-delete")


def _sources_of_settings() -> list[ContactSource]:
    try:
        return list(contact_sources().values())
    except ImproperlyConfigured:
        return []


# --------------------------------------------------------------------------- the scan


def scan_changes(source: ContactSource | str | None = None) -> dict[str, int]:
    """Mark dirty what changed without a signal; schedule the incremental syncs it calls for.

    Without ``source``: every configured source. Returns how many states were marked, by
    reason (``modified``, ``missing``, ``gone``; ``forgotten``: states never sent whose row left,
    deleted outright).
    """
    if source is None:
        counts: dict[str, int] = {}
        for each in _sources_of_settings():
            for key, value in scan_changes(each).items():
                counts[key] = counts.get(key, 0) + value
        return counts
    if isinstance(source, str):
        source = get_source(source)
    started = timezone.now()
    cursor, _ = SourceScan.objects.get_or_create(source=source.key)
    counts = {"modified": 0, "missing": 0, "gone": 0, "forgotten": 0}
    eligible = source.queryset().order_by()
    since = cursor.scanned_at or _last_full_start(source.key)
    if source.updated_field and since is not None:
        modified = eligible.filter(**{f"{source.updated_field}__gte": since - SCAN_OVERLAP})
        ids = modified.values_list("pk", flat=True).iterator(chunk_size=2000)
        counts["modified"] = mark_dirty(source.key, ids)
    states = ContactState.objects.filter(
        source=source.key, source_id=Cast(OuterRef("pk"), models.CharField())
    )
    missing = eligible.filter(~Exists(states)).values_list("pk", flat=True)
    counts["missing"] = mark_dirty(source.key, missing.iterator(chunk_size=2000))
    gone = removal_states(source)
    counts["forgotten"], _ = gone.filter(row_hash="", unsubscribed=False).delete()
    # Unsubscribed contacts are left alone; dirty ones are queued already.
    counts["gone"] = (
        gone.exclude(row_hash="")
        .filter(dirty=False, unsubscribed=False)
        .update(dirty=True, dirty_since=started, version=_version())
    )
    SourceScan.objects.filter(pk=cursor.pk).update(scanned_at=started)
    if counts["modified"] or counts["missing"] or counts["gone"]:
        schedule_sync(source.key)
    return counts


def _last_full_start(source_key: str) -> Any:
    run = (
        ImportRun.objects.filter(
            source=source_key, kind=ImportRun.Kind.FULL, status=ImportRun.Status.COMPLETED
        )
        .exclude(started_at=None)
        .order_by("-started_at")
        .first()
    )
    return run.started_at if run is not None else None
