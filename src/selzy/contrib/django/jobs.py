"""The module's jobs and run controls: sync the contacts, launch a campaign, refresh statistics.

Django only adapts here: the engine (:mod:`selzy.integration`) decides, the ledger
(:mod:`.ledger`, :mod:`.states`) and the models store what it returns. Every job takes ids only,
so any runner (a thread, Celery, the ``selzy_sync`` command) can carry it, and is safe to run
again.

- :func:`start_import` queues a run (full the first time, incremental once a full sync of the
  source into the list has completed; or a dry run) and submits its workers
  (:func:`.worker.work`, :func:`.dryrun.dry_run_job`);
- :func:`pause_run`, :func:`resume_run`, :func:`cancel_run` steer a run from the admin or the
  command; :func:`scan_changes` is the periodic scan (Celery beat, or ``selzy_sync
  --incremental`` from cron), which also takes over runs whose workers died (:mod:`.leases`)
  and webhook events whose processing never came (:func:`.events.submit_stale`), and starts
  the daily reconciliation with Selzy's statuses (:mod:`.reconcile`) and the sending of the
  sign-ups of the site's forms (:mod:`.signup_queue`);
- :func:`send_campaign` launches a message's campaign once (:mod:`.launches`),
  :func:`retry_campaign` a failed one again, both through :func:`start_campaign`, which queues
  :func:`launch_campaign_job`; :func:`check_campaign` asks Selzy what a launch whose answer was
  lost did; :func:`refresh_stats` keeps a statistics snapshot, then submits the fetch of the
  campaign's per-contact activity when it is due (:mod:`.activity`).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from selzy import Selzy
from selzy.integration import (
    LaunchOutcome,
    launch_campaign,
    resolve_launch,
    take_stats_snapshot,
)

from . import activity, events, leases, reconcile, signup_queue
from .changes import full_sync_done, scan_source
from .client import NotConnectedError, connected_client
from .conf import selzy_settings
from .crypto import UnreadableSecretError
from .dryrun import dry_run_job
from .launches import (
    ResendNotConfirmed,
    in_flight,
    known_ids,
    lock_message,
    may_retry,
    prior_send,
    record_failure,
    record_outcome,
    release_stuck,
)
from .ledger import ACTIVE, free_dirty
from .models import (
    Campaign,
    CampaignStats,
    Connection,
    ContactState,
    ImportBatch,
    ImportRun,
    Message,
)
from .public import public_path
from .receivers import configured_sources
from .tasks import job, submit
from .worker import schedule_sync, work

__all__ = [
    "cancel_run",
    "check_campaign",
    "launch_campaign_job",
    "pause_run",
    "refresh_stats",
    "resume_run",
    "retry_campaign",
    "scan_changes",
    "send_campaign",
    "start_campaign",
    "start_import",
]

logger = logging.getLogger("selzy.django")

SEGMENT_SALT = "selzy.segment"
Kind = ImportRun.Kind
Status = ImportRun.Status


def start_import(
    source_key: str,
    list_id: int,
    user: Any = None,
    *,
    kind: str | None = None,
    dry_run: bool = False,
    submit_workers: bool = True,
) -> ImportRun:
    """Queue a sync (or a dry run) of the source into the list; its page shows its progress.

    ``kind`` None: full until a full sync has completed, incremental afterwards (which scans
    for changes the signals missed before it plans). An incremental run already waiting (the
    debounce) is taken instead of a second one, and starts now. A full sync of the source into
    the list already under way (queued, running or paused) is returned instead of a second one,
    with ``joined`` set, and gets no more workers. Runs of the source whose workers died are
    interrupted first (:func:`.leases.interrupt_stale`). The run's workers are submitted once
    the transaction commits, unless ``submit_workers`` is False (a command that works the run
    itself).
    """
    leases.interrupt_stale(source=source_key)
    if kind is None:
        kind = Kind.INCREMENTAL if full_sync_done(source_key, list_id) else Kind.FULL
    if kind == Kind.FULL and not dry_run:
        run = _full_run(source_key, list_id, user)
    elif kind == Kind.INCREMENTAL and not dry_run:
        run = _incremental_run(source_key, list_id, user)
    else:
        run = ImportRun.objects.create(
            source=source_key,
            list_id=list_id,
            kind=kind,
            dry_run=dry_run,
            scan_first=kind == Kind.INCREMENTAL,
            created_by=user,
        )
    if submit_workers and not run.joined:
        _submit_workers(run)
    return run


def _full_run(source_key: str, list_id: int, user: Any = None) -> ImportRun:
    """The full sync of the source into the list under way (``joined``), or a new one.

    The partial unique constraint ``selzy_run_one_active_full`` decides between two requests
    made at the same moment: the one whose insert fails joins the other's run.
    """
    under_way = ImportRun.objects.filter(
        source=source_key, list_id=list_id, kind=Kind.FULL, dry_run=False, status__in=ACTIVE
    )
    for _ in range(3):  # a run that ended between the failed insert and the read: try again
        run = under_way.order_by("-pk").first()
        if run is not None:
            run.joined = True
            return run
        try:
            with transaction.atomic():
                return ImportRun.objects.create(
                    source=source_key, list_id=list_id, kind=Kind.FULL, created_by=user
                )
        except IntegrityError:
            continue
    raise RuntimeError(f"No full sync of {source_key!r} into list {list_id} could be started")


def _incremental_run(source_key: str, list_id: int, user: Any) -> ImportRun:
    waiting = ImportRun.objects.filter(
        source=source_key,
        list_id=list_id,
        kind=Kind.INCREMENTAL,
        status=Status.QUEUED,
        dry_run=False,
    )
    run = waiting.first()
    if run is not None:
        # The debounced run starts now, and scans for the changes the signals missed.
        run.not_before, run.scan_first = None, True
        run.save(update_fields=["not_before", "scan_first"])
        return run
    try:
        with transaction.atomic():
            return ImportRun.objects.create(
                source=source_key,
                list_id=list_id,
                kind=Kind.INCREMENTAL,
                scan_first=True,
                created_by=user,
            )
    except IntegrityError:  # a save queued one a moment ago: take that one
        return _incremental_run(source_key, list_id, user)


def _submit_workers(run: ImportRun) -> None:
    """Submit the run's workers once the transaction commits (IMPORT_CONCURRENCY of them)."""
    if run.dry_run:
        function, count = dry_run_job, 1
    else:
        many = run.kind == Kind.FULL
        function, count = work, selzy_settings().import_concurrency if many else 1
    run_id = run.pk

    def go() -> None:
        for _ in range(count):
            submit(function, run_id)

    transaction.on_commit(go)


@job("selzy.scan_changes")
def scan_changes() -> dict[str, int]:
    """The periodic scan of every source (Celery beat runs it): interrupt the runs whose workers
    died (:func:`.leases.interrupt_stale`), mark what changed without a signal
    (:func:`.changes.scan_source`) and queue an incremental sync wherever changed contacts wait
    for one (marked now, by a mapping change, or released by an interrupted run); submit the
    processing of webhook events stored over a minute ago and still waiting
    (:func:`.events.submit_stale`: the process that stored them died, or processing failed);
    start the reconciliation with Selzy's statuses when ``RECONCILE_EVERY`` has passed since
    the last one (:func:`.reconcile.submit_due`); submit the sending of the sign-ups waiting
    for Selzy when the first of them is due (:func:`.signup_queue.submit_due`); end the
    campaign launches whose process died (:func:`.launches.release_stuck`).

    Returns how many contacts were marked, by reason, over every source."""
    leases.interrupt_stale()
    events.submit_stale()
    events.prune()
    release_stuck()
    reconcile.submit_due()
    signup_queue.submit_due()
    totals: dict[str, int] = {}
    for source in configured_sources():
        counts = scan_source(source)
        if free_dirty(source.key).exists():
            schedule_sync(source.key)
        for reason, count in counts.items():
            totals[reason] = totals.get(reason, 0) + count
    return totals


def pause_run(run: ImportRun) -> bool:
    """Workers stop after their current batch; :func:`resume_run` continues from there."""
    return bool(
        ImportRun.objects.filter(pk=run.pk, status__in=(Status.QUEUED, Status.RUNNING)).update(
            status=Status.PAUSED
        )
    )


def resume_run(run: ImportRun, *, submit_workers: bool = True) -> bool:
    """Continue a paused, failed or interrupted run from its pending batches (failed ones are
    retried). False when it is not one of those, or when another full sync of the list (or
    another queued incremental one) is under way meanwhile: that one covers its contacts."""
    resumable = (Status.PAUSED, Status.FAILED, Status.INTERRUPTED)
    try:
        with transaction.atomic():
            won = ImportRun.objects.filter(pk=run.pk, status__in=resumable).update(
                status=Status.RUNNING if run.planned else Status.QUEUED,
                error="",
                finished_at=None,
                not_before=None,
                heartbeat_at=timezone.now(),  # a fresh lease: its workers are on their way
            )
            if won:
                run.batches.filter(status=ImportBatch.Status.FAILED).update(
                    status=ImportBatch.Status.PENDING, attempts=0
                )
    except IntegrityError:
        won = 0
    run.refresh_from_db()
    if won and submit_workers:
        _submit_workers(run)
    return bool(won)


def cancel_run(run: ImportRun) -> bool:
    """Stop for good; the contacts it had not reached stay queued for the next sync."""
    stoppable = (*ACTIVE, Status.INTERRUPTED)
    won = ImportRun.objects.filter(pk=run.pk, status__in=stoppable).update(
        status=Status.CANCELLED, finished_at=timezone.now()
    )
    if won:
        ContactState.objects.filter(taken_by=run).update(taken_by=None)
    return bool(won)


def segment_token(source_key: str, segment: str) -> str:
    """A signed, expiring token naming a segment (the contacts_url carries it)."""
    return signing.TimestampSigner(salt=SEGMENT_SALT).sign_object(
        {"source": source_key, "segment": segment}
    )


def read_segment_token(token: str) -> dict[str, str]:
    max_age = selzy_settings().segment_url_max_age
    data: dict[str, str] = signing.TimestampSigner(salt=SEGMENT_SALT).unsign_object(
        token, max_age=max_age
    )
    return data


def segment_url(source_key: str, segment: str, site_url: str) -> str:
    """The absolute URL Selzy downloads the segment's contacts from."""
    path = public_path("segment_contacts", segment_token(source_key, segment))
    return f"{site_url.rstrip('/')}{path}"


def send_campaign(
    message: Message,
    *,
    send_now: bool = True,
    start_time: dt.datetime | None = None,
    timezone_name: str = "UTC",
    segment: str = "",
    user: Any = None,
    confirmed: int | None = None,
    site_url: str | None = None,
) -> tuple[Campaign, bool]:
    """Launch the message's campaign once: the new campaign and True, or the one already in
    flight and False.

    Decided under the message's row lock, backed by the one-in-flight constraint, so POSTs at
    once or again make one campaign. A message that already went out needs ``confirmed``: the
    pk of the campaign :func:`.launches.prior_send` names, else
    :class:`.launches.ResendNotConfirmed`.
    """
    try:
        with transaction.atomic():
            lock_message(message.pk)
            if (pending := in_flight(message)) is not None:
                return pending, False
            prior = prior_send(message)
            if prior is not None and confirmed != prior.campaign.pk:
                raise ResendNotConfirmed(prior)
            campaign = Campaign.objects.create(
                message=message,
                send_now=send_now,
                start_time=None if send_now else start_time,
                timezone=timezone_name or "UTC",
                segment=segment,
                created_by=user,
            )
            start_campaign(campaign, site_url)
    except IntegrityError:
        # The constraint stopped a second launch the lock did not (a database without row
        # locks): the first one is the campaign.
        if (pending := in_flight(message)) is None:
            raise
        return pending, False
    return campaign, True


def retry_campaign(campaign: Campaign, site_url: str | None = None) -> bool:
    """Launch a failed campaign again, if it may be (:func:`.launches.may_retry`), once."""
    with transaction.atomic():
        lock_message(campaign.message_id)
        campaign.refresh_from_db()
        if not may_retry(campaign):
            return False
        campaign.stage, campaign.error, campaign.launched_at = Campaign.Stage.IMPORTING, "", None
        campaign.save(update_fields=["stage", "error", "launched_at"])
        start_campaign(campaign, site_url)
    return True


def start_campaign(campaign: Campaign, site_url: str | None = None) -> None:
    """Queue the launch: import the contacts, then createCampaign (guidelines, step 2 and 3).

    For a campaign already claimed (:func:`send_campaign`, :func:`retry_campaign`).
    """
    connection = Connection.current()
    leases.interrupt_stale(source=connection.source)
    # A full sync of the list already under way is the campaign's import too.
    run = _full_run(connection.source, campaign.message.list_id, campaign.created_by)
    campaign.import_run = run
    campaign.save(update_fields=["import_run"])
    site = site_url or selzy_settings().site_url or ""
    transaction.on_commit(lambda: submit(launch_campaign_job, campaign.pk, site))


@job("selzy.launch_campaign")
def launch_campaign_job(campaign_id: int, site_url: str = "") -> Campaign:
    """Import the contacts, then create the campaign with read and link tracking on."""
    campaign = Campaign.objects.select_related("message", "import_run").get(pk=campaign_id)
    if campaign.campaign_id or campaign.stage != Campaign.Stage.IMPORTING:
        return campaign  # created, refused or failed already: never twice
    importing = Campaign.Stage.IMPORTING
    if campaign.import_run is not None:
        run = _work_until_over(campaign.import_run.pk)
        if run.status != ImportRun.Status.COMPLETED:
            reason = run.error or f"the import is {run.get_status_display().lower()}"
            text = f"The contacts could not be imported: {reason}"
            record_failure(campaign, text, expected=importing)
            return campaign
    contacts_url = None
    if campaign.segment:
        source_key = campaign.import_run.source if campaign.import_run else ""
        contacts_url = segment_url(source_key, campaign.segment, site_url)
    start_time = None if campaign.send_now else campaign.start_time
    try:
        client = connected_client()
    except (NotConnectedError, UnreadableSecretError) as problem:
        record_failure(campaign, str(problem), expected=importing)
        return campaign
    # Stamped before createCampaign is sent: a job run again after dying mid-call asks Selzy
    # what the first run did instead of creating a second campaign.
    stamped = Campaign.objects.filter(pk=campaign.pk, launched_at__isnull=True).update(
        launched_at=timezone.now()
    )
    campaign.refresh_from_db(fields=["launched_at"])
    with client:
        if stamped:
            outcome = launch_campaign(
                client,
                message_id=campaign.message.message_id,
                start_time=start_time,
                contacts_url=contacts_url,
                known=known_ids(campaign),
                now=timezone.now,
            )
        else:
            outcome = _resolve(client, campaign)
    record_outcome(campaign, outcome, expected=importing)
    return campaign


def _work_until_over(run_id: int, poll: float = 5.0) -> ImportRun:
    """Work the campaign's import until it is over.

    A full sync the campaign joined may still have other workers on its last batches: wait for
    them, working again now and then (a batch whose worker died is taken over once its
    BATCH_LEASE runs out). A paused run ends the wait too.
    """
    run = work(run_id)
    while run.working:
        time.sleep(poll)
        run = work(run_id)
    return run


def check_campaign(campaign: Campaign) -> Campaign:
    """Ask Selzy again what a launch whose answer was lost did (getCampaigns), and store it.

    Only an unconfirmed campaign is asked for; Selzy still not answering keeps it unconfirmed.
    """
    if campaign.stage != Campaign.Stage.UNCONFIRMED:
        return campaign
    with connected_client() as client:
        outcome = _resolve(client, campaign)
    record_outcome(campaign, outcome, expected=Campaign.Stage.UNCONFIRMED)
    return campaign


def _resolve(client: Selzy, campaign: Campaign) -> LaunchOutcome:
    began = campaign.launched_at or campaign.created_at
    return resolve_launch(
        client,
        message_id=campaign.message.message_id,
        began=began,
        start_time=None if campaign.send_now else campaign.start_time,
        known=known_ids(campaign),
    )


def refresh_stats(campaign: Campaign) -> CampaignStats:
    """getCampaignStatus and getCampaignCommonStats, kept as one point of the history; then
    the campaign's activity is fetched in the background if it is due
    (:func:`.activity.submit_if_due`)."""
    if not campaign.campaign_id:
        raise ValueError("The campaign has not been created in Selzy yet")
    with connected_client() as client:
        taken = take_stats_snapshot(client, campaign.campaign_id, now=timezone.now)
    snapshot = CampaignStats.objects.create(
        campaign=campaign, taken_at=taken.taken_at, status=taken.status, **taken.counters
    )
    campaign.status = taken.status
    campaign.refreshed_at = taken.taken_at
    campaign.save(update_fields=["status", "refreshed_at"])
    activity.submit_if_due(campaign)
    return snapshot
