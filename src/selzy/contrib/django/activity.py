"""Per-contact engagement: each campaign's delivery report, fetched incrementally after it.

The ``selzy.fetch_activity`` job (:func:`fetch_activity`) asks Selzy for one campaign's
per-address report (async/getCampaignDeliveryStats) with ``changed_since`` set to the last fetch
less :data:`OVERLAP`, waits for the task, streams the CSV file and keeps what each row says
(:func:`selzy.integration.read_delivery_report`: the reported kind and the kinds it implies):

- engagement (sent, delivered, opened, clicked) in bulk, :func:`.feedback.record_engagement`;
- statuses (hard and soft bounces, complaints, unsubscriptions) one by one through
  :func:`.feedback.apply_feedback`, so the ledger's status cache, the write-back rules and the
  signals apply as for a webhook (a bounce the webhook already brought is not applied twice).

Then ``Campaign.activity_fetched_at`` moves to the moment the report was asked for. A fetch that
fails (Selzy, the network, a file that is not a report) is logged and changes no cursor: the
next one asks again from the same point, and what was kept twice is kept once.

When: :func:`submit_if_due` after every statistics refresh (the campaign page, its Refresh
button, ``selzy_stats``), for campaigns sent in the last :data:`FETCH_FOR` and not fetched in
the last :data:`FETCH_EVERY`; ``selzy_stats`` submits every such campaign (:func:`submit_due`);
and a webhook's ``campaign_status`` ``completed`` submits one final fetch (:func:`submit_fetch`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from selzy.integration import Feedback, ReportRow, read_delivery_report

from .client import connected_client
from .feedback import ENGAGEMENT_CHUNK, ENGAGEMENT_KINDS, apply_feedback, record_engagement
from .models import Campaign, Connection
from .taskfiles import downloaded, text_lines
from .tasks import job, submit

logger = logging.getLogger("selzy.django")

#: How long after a campaign went out its activity is still fetched.
FETCH_FOR = dt.timedelta(days=30)
#: The least time between two fetches of one campaign (besides the final one).
FETCH_EVERY = dt.timedelta(hours=1)
#: How far before the last fetch the next one asks from: covers a difference between Selzy's
#: clock and ours, and changes Selzy records a little after they happened.
OVERLAP = dt.timedelta(minutes=10)
#: Campaign statuses in which letters have gone out: a report has something to say.
SENT_STATUSES = frozenset({"in_progress", "analysed", "completed", "stopped"})
#: How long the job waits for Selzy to build the report (polling getTaskResult).
TASK_TIMEOUT = 600.0
TASK_POLL = 5.0


@dataclass(frozen=True)
class ActivityFetch:
    """What one fetch read and kept."""

    campaign_pk: int
    #: The ``changed_since`` asked for (None: the whole report).
    changed_since: dt.datetime | None
    rows: int = 0
    #: Engagement activities new to this site (implied ones included).
    engaged: int = 0
    #: Status feedback (bounces, complaints, unsubscriptions) applied for the first time.
    statuses: int = 0
    #: Why the fetch failed ("" when it did not); the cursor then stays where it was.
    error: str = ""


@job("selzy.fetch_activity")
def fetch_activity(campaign_pk: int) -> ActivityFetch:
    """Fetch one campaign's per-address report and keep its activity (the module's
    docstring). Never raises: a failure is logged and returned in ``error``."""
    try:
        return fetch_campaign_activity(campaign_pk)
    except Exception as error:  # a job has no caller to raise to; the next fetch asks again
        logger.exception("The activity of Selzy campaign (pk %s) could not be fetched", campaign_pk)
        return ActivityFetch(campaign_pk, None, error=f"{type(error).__name__}: {error}")


def fetch_campaign_activity(
    campaign_pk: int, *, now: Callable[[], dt.datetime] = timezone.now
) -> ActivityFetch:
    """:func:`fetch_activity`, raising what went wrong; ``now`` is the clock the cursor is
    read from (tests give the emulator's)."""
    campaign = Campaign.objects.get(pk=campaign_pk)
    if not campaign.campaign_id:
        raise ValueError(f"Campaign {campaign_pk} has not been created in Selzy")
    asked_at = now()
    since = campaign.activity_fetched_at - OVERLAP if campaign.activity_fetched_at else None
    list_id = Connection.current().list_id
    with connected_client() as client:
        started = client.get_campaign_delivery_stats(
            campaign_id=campaign.campaign_id, changed_since=since
        )
        result = client.wait_for_task(
            started.task_uuid, poll_interval=TASK_POLL, timeout=TASK_TIMEOUT
        )
        if not result.file_to_download:
            raise ValueError(f"Selzy's task {started.task_uuid} completed without a file")
        with downloaded(client, result) as (spool, _size), text_lines(spool) as text:
            rows = read_delivery_report(text, campaign.campaign_id)
            fetch = _keep(campaign, since, rows, list_id)
    # Only forward: a slower fetch finishing after a newer one leaves the newer cursor.
    Campaign.objects.filter(pk=campaign.pk).filter(
        Q(activity_fetched_at__isnull=True) | Q(activity_fetched_at__lt=asked_at)
    ).update(activity_fetched_at=asked_at)
    return fetch


def _keep(
    campaign: Campaign,
    since: dt.datetime | None,
    rows: Iterable[ReportRow],
    list_id: int | None,
) -> ActivityFetch:
    engaged = statuses = count = 0
    pending: list[Feedback] = []
    for row in rows:
        count += 1
        for item in row.feedback:
            if item.kind in ENGAGEMENT_KINDS:
                pending.append(item)
                continue
            with transaction.atomic():
                statuses += apply_feedback(item, list_id=list_id).new
        if len(pending) >= ENGAGEMENT_CHUNK:  # whole chunks: one transaction each
            engaged += record_engagement(pending[:ENGAGEMENT_CHUNK])
            pending = pending[ENGAGEMENT_CHUNK:]
    engaged += record_engagement(pending)
    return ActivityFetch(campaign.pk, since, rows=count, engaged=engaged, statuses=statuses)


# ----------------------------------------------------------------------------- when


def due(now: dt.datetime | None = None) -> QuerySet[Campaign]:
    """Campaigns whose activity a refresh should fetch: created in Selzy, sending or sent
    within :data:`FETCH_FOR`, not fetched within :data:`FETCH_EVERY`."""
    now = now or timezone.now()
    went_out = Coalesce("start_time", "launched_at", "created_at")
    return (
        Campaign.objects.filter(campaign_id__isnull=False, status__in=SENT_STATUSES)
        .alias(went_out=went_out)
        .filter(went_out__gte=now - FETCH_FOR)
        .filter(Q(activity_fetched_at__isnull=True) | Q(activity_fetched_at__lt=now - FETCH_EVERY))
    )


def submit_fetch(campaign_pk: int) -> None:
    """Submit :func:`fetch_activity` once the current transaction commits; a runner that
    cannot take it (a broker down) is logged, never raised to the caller."""
    transaction.on_commit(lambda: submit(fetch_activity, campaign_pk), robust=True)


def submit_if_due(campaign: Campaign) -> bool:
    """Submit the campaign's fetch if it is :func:`due`; whether it was."""
    if not due().filter(pk=campaign.pk).exists():
        return False
    submit_fetch(campaign.pk)
    return True


def submit_due(*, exclude: Iterable[int] = ()) -> int:
    """Submit the fetch of every :func:`due` campaign but those ``exclude`` names (pks whose
    fetch was submitted already); how many."""
    campaigns = due().exclude(pk__in=list(exclude)).order_by("pk")
    pks = list(campaigns.values_list("pk", flat=True))
    for pk in pks:
        submit_fetch(pk)
    return len(pks)
