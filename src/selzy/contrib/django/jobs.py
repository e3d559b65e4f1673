"""The module's background jobs: import the contacts, launch a campaign, refresh statistics.

Django only adapts here: ImportRun is the engine's CheckpointStore, querysets are its source,
the engine (:mod:`selzy.integration`) decides batches, conversion and resumption.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from selzy import SelzyError
from selzy.integration import (
    Checkpoint,
    FieldMapping,
    ImportInterruptedError,
    ImportTotals,
    Rejection,
    SelzyField,
    SourceRecord,
    run_import,
)

from . import models as m
from .client import connected_client
from .conf import selzy_settings
from .sources import get_source
from .tasks import submit

logger = logging.getLogger("selzy.django")

SEGMENT_SALT = "selzy.segment"


class RunCheckpointStore:
    """An ImportRun as the engine's checkpoint store: progress and rejections in one transaction."""

    def __init__(self, run: m.ImportRun) -> None:
        self.run = run

    def load(self) -> Checkpoint | None:
        run = self.run
        if not run.position and not run.finished:
            return None
        return Checkpoint(run.position, ImportTotals(**run.totals), finished=run.finished)

    def save(self, checkpoint: Checkpoint, rejections: Sequence[Rejection]) -> None:
        run = self.run
        with transaction.atomic():
            m.ImportRejection.objects.bulk_create(
                [
                    m.ImportRejection(
                        run=run,
                        source_id=str(r.source_id),
                        position=r.position,
                        stage=r.stage,
                        code=r.code,
                        reason=r.reason,
                        email=r.email,
                        phone=r.phone,
                    )
                    for r in rejections
                ],
                ignore_conflicts=True,  # a resumed run may report a row a second time
            )
            run.position = checkpoint.position
            run.totals = checkpoint.totals.as_dict()
            run.finished = checkpoint.finished
            run.save(update_fields=["position", "totals", "finished"])


def mapping_for(source_key: str) -> FieldMapping:
    rows = m.FieldMapping.objects.filter(source=source_key)
    return FieldMapping({row.source_field: row.selzy_field for row in rows})


def start_import(source_key: str, list_id: int, user: Any = None) -> m.ImportRun:
    """Queue an import of the source into the list; the run's page shows its progress."""
    run = m.ImportRun.objects.create(source=source_key, list_id=list_id, created_by=user)
    transaction.on_commit(lambda: submit("selzy.contrib.django.jobs.run_import_job", run.pk))
    return run


def _source_from(source_key: str) -> Any:
    source = get_source(source_key)

    def records(start: int) -> Iterable[SourceRecord]:
        iterator = source.records()
        return islice(iterator, start, None) if start else iterator

    return source, records


def run_import_job(run_id: int) -> m.ImportRun:
    """Run (or resume) one import. Safe to call again: it continues from the checkpoint.

    A failure Selzy or the network caused is recorded on the run (status ``failed`` and the
    error, shown on its page) rather than raised: every runner, in-request ones included,
    then behaves the same.
    """
    run = m.ImportRun.objects.get(pk=run_id)
    if run.finished:
        return run
    source, records = _source_from(run.source)
    run.status = m.ImportRun.Status.RUNNING
    run.started_at = run.started_at or timezone.now()
    run.expected = source.queryset().count()
    run.error = ""
    run.save(update_fields=["status", "started_at", "expected", "error"])
    conf = selzy_settings()
    try:
        with connected_client() as client:
            selzy_fields = [SelzyField.from_api(f) for f in client.get_fields()]
            run_import(
                client,
                records,
                mapping_for(run.source),
                list_id=run.list_id,
                selzy_fields=selzy_fields,
                source_fields=source.fields(),
                checkpoint_store=RunCheckpointStore(run),
                batch_size=conf.import_batch_size,
                concurrency=conf.import_concurrency,
                total=run.expected,
                keep_rejections=False,  # the store keeps them, batch by batch
            )
    except (SelzyError, ImportInterruptedError) as error:
        run.status = m.ImportRun.Status.FAILED
        run.error = str(error)
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        logger.warning("Selzy import run %s failed: %s", run.pk, error)
        return run
    run.status = m.ImportRun.Status.COMPLETED
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at"])
    return run


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
    path = reverse("admin:selzy_segment_contacts", args=[segment_token(source_key, segment)])
    return f"{site_url.rstrip('/')}{path}"


def start_campaign(campaign: m.Campaign, site_url: str | None = None) -> None:
    """Queue the launch: import the contacts, then createCampaign (guidelines, step 2 and 3)."""
    connection = m.Connection.current()
    run = m.ImportRun.objects.create(
        source=connection.source, list_id=campaign.message.list_id, created_by=campaign.created_by
    )
    campaign.import_run = run
    campaign.save(update_fields=["import_run"])
    site = site_url or selzy_settings().site_url or ""
    transaction.on_commit(
        lambda: submit("selzy.contrib.django.jobs.launch_campaign_job", campaign.pk, site)
    )


def launch_campaign_job(campaign_id: int, site_url: str = "") -> m.Campaign:
    """Import the contacts, then create the campaign with read and link tracking on."""
    campaign = m.Campaign.objects.select_related("message", "import_run").get(pk=campaign_id)
    if campaign.campaign_id:
        return campaign  # already created: never twice
    if campaign.import_run is not None:
        run = run_import_job(campaign.import_run.pk)
        if run.status != m.ImportRun.Status.COMPLETED:
            campaign.stage = m.Campaign.Stage.FAILED
            campaign.error = f"The contacts could not be imported: {run.error}"
            campaign.save(update_fields=["stage", "error"])
            return campaign
    try:
        contacts_url = None
        if campaign.segment:
            source_key = campaign.import_run.source if campaign.import_run else ""
            contacts_url = segment_url(source_key, campaign.segment, site_url)
        with connected_client() as client:
            created = client.create_campaign(
                message_id=campaign.message.message_id,
                start_time=None if campaign.send_now else campaign.start_time,
                track_read=True,
                track_links=True,
                contacts_url=contacts_url,
            )
    except (SelzyError, ImportInterruptedError) as error:
        campaign.stage = m.Campaign.Stage.FAILED
        campaign.error = str(error)
        campaign.save(update_fields=["stage", "error"])
        return campaign
    campaign.campaign_id = created.campaign_id
    campaign.status = created.status
    campaign.stage = m.Campaign.Stage.CREATED
    campaign.error = ""
    campaign.save(update_fields=["campaign_id", "status", "stage", "error"])
    return campaign


def refresh_stats(campaign: m.Campaign) -> m.CampaignStats:
    """getCampaignStatus and getCampaignCommonStats, kept as one point of the history."""
    if not campaign.campaign_id:
        raise ValueError("The campaign has not been created in Selzy yet")
    with connected_client() as client:
        status = client.get_campaign_status(campaign_id=campaign.campaign_id)
        stats = client.get_campaign_common_stats(campaign_id=campaign.campaign_id)
    now = timezone.now()
    snapshot = m.CampaignStats.objects.create(
        campaign=campaign,
        taken_at=now,
        status=status.status,
        total=stats.total,
        sent=stats.sent,
        delivered=stats.delivered,
        read_unique=stats.read_unique,
        read_all=stats.read_all,
        clicked_unique=stats.clicked_unique,
        clicked_all=stats.clicked_all,
        unsubscribed=stats.unsubscribed,
        spam=stats.spam,
    )
    campaign.status = status.status
    campaign.refreshed_at = now
    campaign.save(update_fields=["status", "refreshed_at"])
    return snapshot
