"""The reconciliation: the list's statuses as Selzy knows them repair what a webhook missed.

A webhook can be missed: the site was down, Selzy stopped the hook after a day of failures, the
hook was never registered. So a job (``selzy.reconcile``, started by the periodic scan every
``RECONCILE_EVERY`` seconds, by the overview's **Check now**, or by ``manage.py
selzy_reconcile``) does, for the module's list:

1. the webhook's health (:func:`.hooks.check_hook`: listHooks, re-arm a stopped hook);
2. async/exportContacts with :data:`selzy.integration.EXPORT_FIELDS`, getTaskResult polled
   through the client's ``wait_for_task``, the file streamed (``stream_task_file``) into a
   temporary file at the network's pace (about 45 bytes a contact), then read back by
   :func:`selzy.integration.read_export`: memory stays flat on a 1M-contact list;
3. every :data:`CHUNK_ROWS` contacts, one query reads their ledger rows (the status cache of
   :class:`.models.ContactState`), and each difference becomes a :class:`selzy.integration.Feedback`
   (origin ``reconciliation``, time: when the export was asked for) applied by
   :func:`.feedback.apply_feedback`, which repairs the ledger and writes back to the source:

   - unsubscribed from the list (or the whole account), the ledger not: ``unsubscribed``;
   - in the list and writable again (``new`` or ``active``), the ledger unsubscribed:
     ``subscribed``;
   - availability ``unreachable``, the ledger without ``undeliverable_at``: ``hard_bounce``;
   - availability ``spam_folder``, the ledger without ``complained_at``: ``complaint``.

   An (un)subscription is repaired only on ledger rows whose status is older than the export
   (``status_at``): a webhook applied since then is newer news, and :func:`apply_feedback`
   checks the same.

The :class:`.models.Reconciliation` row keeps the contacts read, the repairs by kind, and the
error when Selzy failed (an API error, the export task failed or ran out of time, the download
broke): recorded, never raised to the task runner; the next run starts over.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from itertools import islice

from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from selzy import Selzy, SelzyError
from selzy.integration import EXPORT_FIELDS, ExportedStatus, Feedback, FeedbackKind, read_export

from .client import NotConnectedError, connected_client
from .conf import selzy_settings
from .crypto import UnreadableSecretError
from .feedback import address_key, apply_feedback, states_of
from .hooks import check_hook
from .models import Connection, Reconciliation
from .taskfiles import downloaded
from .tasks import job, submit

logger = logging.getLogger("selzy.django")

#: Contacts compared per ledger query (and per transaction of repairs).
CHUNK_ROWS = 2000
#: How the export task is waited for: getTaskResult every POLL_INTERVAL seconds, at most
#: TASK_TIMEOUT seconds (Selzy exports a large list in minutes).
POLL_INTERVAL = 5.0
TASK_TIMEOUT = 3600.0
#: Bytes read at a time from the downloaded file.
SPOOL_READ = 64 * 1024
#: A reconciliation still "running" after this long lost its process: the next one says so.
STALE_AFTER = dt.timedelta(hours=6)
#: The repair kinds, in the order summaries list them.
KINDS: tuple[FeedbackKind, ...] = ("unsubscribed", "subscribed", "hard_bounce", "complaint")

Status = Reconciliation.Status


def is_due(now: dt.datetime | None = None) -> bool:
    """Whether the periodic scan should start a reconciliation: RECONCILE_EVERY is on, an
    account and a list are chosen, and the last reconciliation started that long ago."""
    every = selzy_settings().reconcile_every
    connection = Connection.current()
    if every <= 0 or not connection.is_connected or not connection.list_id:
        return False
    last = Reconciliation.objects.order_by("-started_at").first()
    now = now or timezone.now()
    return last is None or last.started_at <= now - dt.timedelta(seconds=every)


def submit_due() -> Reconciliation | None:
    """Start a reconciliation if one is due (:func:`is_due`); the periodic scan calls it."""
    if not is_due():
        return None
    reconciliation, _ = start()
    return reconciliation


def start(*, submit_job: bool = True) -> tuple[Reconciliation, bool]:
    """A reconciliation of the module's list and True, or the one under way and False.

    Its job is submitted once the transaction commits, unless ``submit_job`` is False (the
    command runs it itself). One started over :data:`STALE_AFTER` ago and still "running" lost
    its process: it is marked failed first.
    """
    list_id = Connection.current().list_id
    if not list_id:
        raise NotConnectedError("Choose the Selzy list first")
    now = timezone.now()
    running = Reconciliation.objects.filter(status=Status.RUNNING)
    running.filter(started_at__lt=now - STALE_AFTER).update(
        status=Status.FAILED,
        finished_at=now,
        error="Interrupted: its process stopped before it finished",
    )
    under_way = running.order_by("-started_at").first()
    if under_way is not None:
        return under_way, False
    reconciliation = Reconciliation.objects.create(list_id=list_id, started_at=now)
    if submit_job:
        pk = reconciliation.pk
        transaction.on_commit(lambda: submit(reconcile, pk), robust=True)
    return reconciliation, True


@job("selzy.reconcile")
def reconcile(reconciliation_id: int) -> Reconciliation:
    """Run the reconciliation ``reconciliation_id`` (see the module's docstring)."""
    reconciliation = Reconciliation.objects.get(pk=reconciliation_id)
    if reconciliation.status != Status.RUNNING:
        return reconciliation  # over already (a task delivered twice)
    try:
        client = connected_client()
    except (NotConnectedError, UnreadableSecretError) as problem:
        return _finish(reconciliation, error=str(problem))
    with client:
        return run_reconciliation(reconciliation, client)


def run_reconciliation(
    reconciliation: Reconciliation,
    client: Selzy,
    *,
    poll_interval: float = POLL_INTERVAL,
    timeout: float = TASK_TIMEOUT,
    chunk_rows: int = CHUNK_ROWS,
) -> Reconciliation:
    """The job's work with a client: the hook checked, the export read and compared
    (``chunk_rows`` contacts per ledger query)."""
    try:
        check_hook(client)
    except SelzyError as error:  # the export may still work: the hook is checked next time
        logger.warning("Selzy's webhooks could not be checked: %s", error)
    list_id = reconciliation.list_id
    try:
        asked_at = timezone.now()
        began = time.monotonic()
        started = client.export_contacts(list_id=list_id, field_names=list(EXPORT_FIELDS))
        reconciliation.task_uuid = started.task_uuid
        reconciliation.save(update_fields=["task_uuid"])
        result = client.wait_for_task(
            started.task_uuid, poll_interval=poll_interval, timeout=timeout
        )
        exported = time.monotonic()
        with downloaded(client, result) as (spool, size):
            fetched = time.monotonic()
            pieces = iter(partial(spool.read, SPOOL_READ), b"")
            _compare(reconciliation, read_export(pieces, list_id), asked_at, chunk_rows)
        logger.info(
            "Selzy reconciliation #%s: %d contacts read, repaired %s; export %.1f s, "
            "download %.1f s (%d bytes), comparison %.1f s",
            reconciliation.pk,
            reconciliation.rows,
            reconciliation.repaired,
            exported - began,
            fetched - exported,
            size,
            time.monotonic() - fetched,
        )
    except SelzyError as error:
        logger.warning("Selzy reconciliation #%s failed: %s", reconciliation.pk, error)
        return _finish(reconciliation, error=str(error))
    except Exception as error:  # a job has no caller to raise to: record it, log the trace
        logger.exception("Selzy reconciliation #%s failed", reconciliation.pk)
        return _finish(reconciliation, error=f"{type(error).__name__}: {error}")
    return _finish(reconciliation)


def _compare(
    reconciliation: Reconciliation,
    statuses: Iterable[ExportedStatus],
    asked_at: dt.datetime,
    chunk_rows: int,
) -> None:
    """Repair chunk by chunk, keeping the counts on the row as it goes (the overview shows
    them while it runs)."""
    rows = 0
    repaired: Counter[str] = Counter()
    for chunk in _chunked(statuses, chunk_rows):
        with transaction.atomic():
            repaired.update(repair(chunk, list_id=reconciliation.list_id, time=asked_at))
        rows += len(chunk)
        reconciliation.rows, reconciliation.repaired = rows, dict(repaired)
        Reconciliation.objects.filter(pk=reconciliation.pk).update(
            rows=rows, repaired=reconciliation.repaired
        )


@dataclass(frozen=True)
class _Ledger:
    """One ledger row's status cache, as far as the export can contradict it."""

    unsubscribed: bool
    status_at: dt.datetime | None
    undeliverable_at: dt.datetime | None
    complained_at: dt.datetime | None

    def older_than(self, time: dt.datetime) -> bool:
        return self.status_at is None or self.status_at < time


def repair(
    statuses: list[ExportedStatus], *, list_id: int, time: dt.datetime
) -> Counter[FeedbackKind]:
    """Compare these exported statuses with the ledger (one query) and apply every difference;
    how many addresses each kind repaired. Run inside a transaction."""
    ledger: dict[str, list[_Ledger]] = defaultdict(list)
    found = (
        states_of(status.email for status in statuses)
        .annotate(address=Lower("email"))
        .values_list("address", "unsubscribed", "status_at", "undeliverable_at", "complained_at")
    )
    for address, unsubscribed, status_at, undeliverable_at, complained_at in found:
        ledger[address].append(_Ledger(unsubscribed, status_at, undeliverable_at, complained_at))
    # An address the export does not list is left alone: absence says nothing about a
    # contact's status (not synced yet, taken out of the list by a sync, or a phone-only
    # contact), and guessing an unsubscription from it would stop writing to someone who
    # never asked for that.
    repaired: Counter[FeedbackKind] = Counter()
    for status in statuses:
        rows = ledger.get(address_key(status.email))
        if not rows:
            continue  # a contact the site did not send (added in Selzy, another source)
        for feedback in differences(status, rows, list_id=list_id, time=time):
            if apply_feedback(feedback, list_id=list_id).states:
                repaired[feedback.kind] += 1
    return repaired


def differences(
    status: ExportedStatus, rows: Iterable[_Ledger], *, list_id: int, time: dt.datetime
) -> list[Feedback]:
    """What the export tells about one address that its ledger rows do not know yet."""
    rows = list(rows)
    kinds: list[tuple[FeedbackKind, str]] = []
    if status.unsubscribed:
        if any(not row.unsubscribed and row.older_than(time) for row in rows):
            kinds.append(("unsubscribed", status.email_status or "unsubscribed"))
    elif status.subscribed and any(row.unsubscribed and row.older_than(time) for row in rows):
        kinds.append(("subscribed", status.email_status))
    if status.undeliverable and any(row.undeliverable_at is None for row in rows):
        kinds.append(("hard_bounce", status.availability))
    if status.complained and any(row.complained_at is None for row in rows):
        kinds.append(("complaint", status.availability))
    lists = (list_id,)
    return [
        Feedback(
            kind=kind,
            email=status.email,
            time=time,
            origin="reconciliation",
            status=word,
            list_ids=lists if kind in ("unsubscribed", "subscribed") else (),
        )
        for kind, word in kinds
    ]


def schedule() -> str:
    """When reconciliations run, as the overview says it (from RECONCILE_EVERY)."""
    every = selzy_settings().reconcile_every
    if every <= 0:
        return "When started here (Check now) or by manage.py selzy_reconcile"
    for unit, seconds in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if every % seconds == 0:
            count = every // seconds
            return f"Once a {unit}" if count == 1 else f"Every {count:,} {unit}s"
    return f"Every {every:,} seconds"


def summary(reconciliation: Reconciliation) -> str:
    """One sentence on what a reconciliation did (the command and the overview say it)."""
    repaired = reconciliation.repaired or {}
    total = sum(repaired.values())
    kinds = ", ".join(f"{kind.replace('_', ' ')} {repaired.get(kind, 0):,}" for kind in KINDS)
    read = f"{reconciliation.rows:,} contact{'s' if reconciliation.rows != 1 else ''} read"
    if reconciliation.status == Status.RUNNING:
        return f"Under way: {read} so far, {total:,} repaired ({kinds})."
    if reconciliation.status == Status.FAILED:
        done = f" after {read}, {total:,} repaired" if reconciliation.rows else ""
        return f"Failed{done}: {reconciliation.error}"
    return f"{read.capitalize()}, {total:,} repaired ({kinds})."


def _finish(reconciliation: Reconciliation, *, error: str = "") -> Reconciliation:
    reconciliation.status = Status.FAILED if error else Status.COMPLETED
    reconciliation.error = error
    reconciliation.finished_at = timezone.now()
    reconciliation.save(update_fields=["status", "error", "finished_at"])
    return reconciliation


def _chunked(items: Iterable[ExportedStatus], size: int) -> Iterator[list[ExportedStatus]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
