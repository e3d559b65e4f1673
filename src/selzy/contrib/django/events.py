"""Selzy's webhook events: stored first, processed later, each once and in the order it happened.

- :func:`store` keeps a verified body's events (:mod:`.event_payloads`) in one transaction, a
  redelivered event adding nothing (its dedupe key is taken), and submits
  :func:`process_events` once that transaction commits: the view answers before anything acts.
- :func:`process_events` (the ``selzy.process_events`` job) takes each waiting event under a
  claim, so two jobs never apply one twice, and applies it unless a later event of the same
  campaign or contact already was: a campaign's status is not rolled back by an older
  ``campaign_status`` arriving late, nor a contact's choice by an older (un)subscribe. It then
  sends :data:`.signals.webhook_event`. An event whose processing fails is left waiting with its
  error, and taken again later.
- :func:`submit_stale` submits processing of events left waiting for more than
  :data:`STALE_AFTER` (a process that died between storing and processing, a failure): the
  periodic scan (:func:`.jobs.scan_changes`) and every webhook call it. An event failing
  :data:`MAX_ATTEMPTS` times is given up (kept with its error); :func:`prune`, also from the
  scan, deletes events processed over :data:`KEEP_PROCESSED` ago.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

import selzy
from selzy.integration import Feedback, delivery_feedback

from . import consent
from .activity import submit_fetch
from .event_payloads import CONTACT_EVENTS
from .feedback import apply_feedback
from .models import Campaign, Connection, WebhookEvent
from .signals import webhook_event
from .tasks import job, submit

logger = logging.getLogger("selzy.django")

#: How long a stored event may wait for its processing before the scan submits it again.
STALE_AFTER = dt.timedelta(minutes=1)

#: Failed processings after which an event is given up (kept, with its error, never applied):
#: a handler bug must not retry it forever, nor hold the events after it back.
MAX_ATTEMPTS = 10
#: How long processed events are kept. Selzy redelivers for 24 hours, so a redelivery can
#: never meet a pruned event; the rest is the record the admin shows.
KEEP_PROCESSED = dt.timedelta(days=90)

#: The kinds whose events must apply in order, each with the kinds sharing its subject.
ORDERED = {
    "campaign_status": ("campaign_status",),
    **{kind: tuple(CONTACT_EVENTS) for kind in CONTACT_EVENTS},
}


def store(events: list[WebhookEvent]) -> list[int]:
    """Keep the events (a redelivered one is already there) and submit their processing once
    the transaction commits; the ids of the stored events still waiting for it."""
    keys = [event.dedupe_key for event in events]
    with transaction.atomic():
        WebhookEvent.objects.bulk_create(events, ignore_conflicts=True)
        waiting = list(
            WebhookEvent.objects.filter(dedupe_key__in=keys, processed_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
        if waiting or stale().exists():
            # robust: a runner that cannot take the job (a broker down) must not fail the
            # answer; the events are stored and the scan submits them again.
            transaction.on_commit(lambda: submit(process_events, *waiting), robust=True)
    return waiting


def stale() -> QuerySet[WebhookEvent]:
    """Events waiting for their processing for longer than :data:`STALE_AFTER`."""
    before = timezone.now() - STALE_AFTER
    return WebhookEvent.objects.filter(processed_at__isnull=True, received_at__lt=before)


def submit_stale() -> int:
    """Submit the processing of the stale events, if any; how many there are."""
    count = stale().count()
    if count:
        transaction.on_commit(lambda: submit(process_events), robust=True)
    return count


@job("selzy.process_events")
def process_events(*event_ids: int) -> int:
    """Apply the given webhook events and the stale ones (:func:`stale`), oldest first, each
    once; how many this call processed. A failing event is logged and left waiting."""
    waiting = WebhookEvent.objects.filter(Q(pk__in=event_ids) | Q(pk__in=stale()))
    ids = waiting.filter(processed_at__isnull=True).order_by("event_time", "pk")
    order = list(ids.values_list("pk", flat=True))
    # Read once per call, not per event: the list the module writes to.
    list_id = Connection.current().list_id if order else None
    done = 0
    for first in range(0, len(order), LOAD_CHUNK):
        chunk = order[first : first + LOAD_CHUNK]
        # Loaded before they are claimed: what an event says never changes once stored, and
        # an event another job claimed meanwhile is skipped by the claim itself.
        loaded = WebhookEvent.objects.in_bulk(chunk)
        done += sum(_process(loaded[pk], list_id) for pk in chunk if pk in loaded)
    return done


#: Events loaded per query by :func:`process_events`.
LOAD_CHUNK = 500


def _process(event: WebhookEvent, list_id: int | None) -> bool:
    with transaction.atomic():
        # The claim: a second job (a redelivery's, the scan's) finds it taken and moves on.
        claimed = WebhookEvent.objects.filter(pk=event.pk, processed_at__isnull=True).update(
            processed_at=timezone.now(), error=""
        )
        if not claimed:
            return False
        try:
            with transaction.atomic():
                superseded = _superseded(event)
                event.applied = not superseded and _apply(event, list_id)
                event.save(update_fields=["applied"])
                _signal(event, superseded)
        except Exception as error:  # a job has no caller to raise to: keep it for later
            # Read again (the row loaded before the claim may be a failure behind): the claim
            # is ours, so no other job changes it meanwhile. Only on failure: no query otherwise.
            attempts = (
                WebhookEvent.objects.filter(pk=event.pk).values_list("attempts", flat=True).get()
                + 1
            )
            reason = f"{type(error).__name__}: {error}"
            if attempts >= MAX_ATTEMPTS:
                logger.exception(
                    "Selzy webhook event %s (%s) failed %s times; given up",
                    event.pk,
                    event.kind,
                    attempts,
                )
                # processed_at stays set: never taken again, visible in the admin with its error
                WebhookEvent.objects.filter(pk=event.pk).update(
                    attempts=attempts, error=f"Given up after {attempts} attempts. {reason}"
                )
            else:
                logger.exception("Selzy webhook event %s (%s) failed", event.pk, event.kind)
                WebhookEvent.objects.filter(pk=event.pk).update(
                    processed_at=None, attempts=attempts, error=reason
                )
            return False
    return True


def prune() -> int:
    """Delete the events processed more than :data:`KEEP_PROCESSED` ago; how many."""
    before = timezone.now() - KEEP_PROCESSED
    deleted, _ = WebhookEvent.objects.filter(processed_at__lt=before).delete()
    return deleted


def _superseded(event: WebhookEvent) -> bool:
    """True when a later event of the same campaign or contact has been applied already."""
    kinds = ORDERED.get(event.kind)
    if kinds is None or not event.subject:
        return False
    return WebhookEvent.objects.filter(
        kind__in=kinds, subject=event.subject, applied=True, event_time__gt=event.event_time
    ).exists()


def _apply(event: WebhookEvent, list_id: int | None) -> bool:
    """The event's effect on the module's rows and the site's records (:mod:`.feedback`),
    ``list_id`` being the module's list; False for an event it does not act on."""
    data = event.payload
    if event.kind == "campaign_status":
        campaigns = Campaign.objects.filter(campaign_id=int(event.subject))
        campaigns.update(status=data["status"])
        if data["status"] == "completed":
            # The report is final now: one last fetch of its activity, whenever the last was.
            for pk in campaigns.values_list("pk", flat=True):
                submit_fetch(pk)
        return True
    feedback = feedback_of(event)
    if feedback is None:
        return False
    # A person confirming a sign-up of the site's forms, whichever list the form names.
    confirmed = consent.confirm(feedback)
    if not feedback.concerns(list_id):
        return bool(confirmed)  # about other lists only: ours may still write to them
    apply_feedback(feedback, list_id=list_id)
    return True


def feedback_of(event: WebhookEvent) -> Feedback | None:
    """A contact event read as :class:`selzy.integration.Feedback`; None for other events and
    for delivery statuses that say nothing happened to the address."""
    data = event.payload
    if event.kind in CONTACT_EVENTS:
        lists = data.get(CONTACT_EVENTS[event.kind]) or []
        return Feedback(
            kind="unsubscribed" if event.kind == "unsubscribe" else "subscribed",
            email=event.subject,
            time=event.event_time,
            origin="webhook",
            status=event.kind,
            list_ids=tuple(int(i) for i in lists),
        )
    if event.kind == "email_status":
        status = str(data.get("status", ""))
        kind = delivery_feedback(status)
        if kind is None:
            return None
        raw_id = data.get("campaign_id")
        campaign_id = int(raw_id) if str(raw_id or "").isdigit() else None
        return Feedback(
            kind=kind,
            email=event.subject,
            time=event.event_time,
            origin="webhook",
            campaign_id=campaign_id,
            status=status,
            list_ids=_campaign_lists(campaign_id) if kind == "unsubscribed" else (),
        )
    return None


def _campaign_lists(campaign_id: int | None) -> tuple[int, ...]:
    """The list a campaign the module sent went to: an ``ok_unsubscribed`` letter status is an
    unsubscription from that list (the ``unsubscribe`` event names the lists itself). Empty for
    a campaign the module does not know."""
    if campaign_id is None:
        return ()
    lists = Campaign.objects.filter(campaign_id=campaign_id).values_list(
        "message__list_id", flat=True
    )
    return tuple(lists[:1])


def _signal(event: WebhookEvent, superseded: bool) -> None:
    from .views.webhook import WebhookView  # the sender handlers know; views import this module

    webhook_event.send(
        sender=WebhookView,
        event=selzy.WebhookEvent(
            event_name=event.kind,
            event_time=event.event_time,
            login=event.login,
            data=dict(event.payload),
        ),
        superseded=superseded,
    )
