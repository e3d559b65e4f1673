"""Following the source: which contacts changed since they were last sent.

Three ways in, all ending as a dirty :class:`~.models.ContactState` (a fresh ``version`` each
time, see the model):

- signals: ``post_save`` and ``post_delete`` of every source model (:mod:`.receivers`), then a
  debounced incremental sync;
- :func:`scan_source`: what the signals cannot see (``QuerySet.update()``, raw SQL, another
  program writing the table): rows modified since the last scan (the source's
  ``updated_field``), eligible rows without a state, states whose row vanished or is no longer
  eligible. An incremental run scans before it plans, and Celery beat runs
  ``selzy.scan_changes``;
- a full run, which looks at everything anyway;
- :func:`mapping_changed`: a new mapping changes every row sent (the row hash covers the
  columns and their values), so every contact of the source is marked for the next sync.

This module only marks; queuing the runs that follow is :mod:`.worker`'s.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Exists
from django.utils import timezone

from .ledger import chunked, removal_states
from .models import ContactState, ImportRun, SourceScan
from .sources import ContactSource, get_source

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


def mapping_changed(source_key: str) -> int:
    """Mark every contact of the source changed: the mapping screen saved a different mapping.

    The next incremental sync (the next save, the periodic scan, ``selzy_sync``) classifies
    them all again with the new mapping; those whose row is now different are sent. Contacts
    known to have unsubscribed are left alone, as every sync leaves them. Returns how many.
    """
    states = ContactState.objects.filter(source=source_key, unsubscribed=False)
    return states.update(dirty=True, dirty_since=timezone.now(), version=_version())


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


# --------------------------------------------------------------------------- the scan


def scan_source(source: ContactSource | str) -> dict[str, int]:
    """Mark dirty what changed in ``source`` without a signal.

    Returns how many states were marked, by reason (``modified``, ``missing``, ``gone``;
    ``forgotten``: states never sent whose row left, deleted outright).
    """
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
    states = ContactState.objects.filter(source=source.key, source_id=source.id_of("pk"))
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
    return counts


def _last_full_start(source_key: str) -> datetime | None:
    run = (
        ImportRun.objects.filter(
            source=source_key, kind=ImportRun.Kind.FULL, status=ImportRun.Status.COMPLETED
        )
        .exclude(started_at=None)
        .order_by("-started_at")
        .first()
    )
    return run.started_at if run is not None else None
