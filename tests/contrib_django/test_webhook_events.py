"""Webhook events are stored first and processed later: each once, in the order it happened.

Selzy redelivers an event every 10 minutes for 24 hours until it gets a 200 within 3 s, and
events of one campaign or contact can arrive out of order. The immediate runner of the tests
processes once the view's transaction commits, so ``transaction=True`` tests see the whole path.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from selzy.contrib.django import events, jobs
from selzy.contrib.django.models import Campaign, Connection, ContactState, WebhookEvent
from selzy.contrib.django.signals import webhook_event

from .conftest import ACCOUNT_KEY
from .test_webhooks import signed

Signalled = list[tuple[str, dict[str, Any], bool]]


@pytest.fixture
def signalled() -> Iterator[Signalled]:
    """Every webhook_event sent during the test: kind, data, superseded."""
    received: Signalled = []

    def handler(sender: Any, event: Any, **kwargs: Any) -> None:
        received.append((event.event_name, event.data, kwargs.get("superseded", False)))

    webhook_event.connect(handler)
    yield received
    webhook_event.disconnect(handler)


def post(payload: dict[str, Any], key: str = ACCOUNT_KEY) -> int:
    response = Client().post(
        reverse("admin:selzy_webhook"), signed(payload, key), content_type="application/json"
    )
    return response.status_code


def status_event(status: str, at: str, **extra: Any) -> dict[str, Any]:
    return {
        "login": "ID1",
        "event_name": "campaign_status",
        "event_time": at,
        "campaign_id": 700001,
        "status": status,
        **extra,
    }


def contact_event(kind: str, at: str, email: str = "Ann@Example.com") -> dict[str, Any]:
    lists = "unsubscribed_list_ids" if kind == "unsubscribe" else "subscribed_list_ids"
    return {"login": "ID1", "event_name": kind, "event_time": at, "email": email, lists: [1]}


@pytest.mark.django_db(transaction=True)
def test_a_redelivered_event_is_applied_once(campaign: Campaign, signalled: Signalled) -> None:
    assert post(status_event("in_progress", "2025-01-06 10:00:00")) == 200
    Campaign.objects.filter(pk=campaign.pk).update(status="changed since")
    # Selzy's redeliveries add retry_count (and so a different auth); the batched form too.
    assert post(status_event("in_progress", "2025-01-06 10:00:00", retry_count=1)) == 200
    batched = {
        "events_by_user": [
            {
                "login": "ID1",
                "events": [
                    {
                        "event_name": "campaign_status",
                        "event_time": "2025-01-06 10:00:00",
                        "event_data": {"campaign_id": 700001, "status": "in_progress"},
                    }
                ],
            }
        ]
    }
    assert post(batched) == 200
    assert [kind for kind, _, _ in signalled] == ["campaign_status"]
    campaign.refresh_from_db()
    assert campaign.status == "changed since"  # the replays did not apply it again
    (row,) = WebhookEvent.objects.all()
    assert (row.kind, row.subject, row.applied, row.error) == (
        "campaign_status",
        "700001",
        True,
        "",
    )


@pytest.mark.django_db(transaction=True)
def test_an_older_status_arriving_late_does_not_roll_the_campaign_back(
    campaign: Campaign, signalled: Signalled
) -> None:
    assert post(status_event("completed", "2025-01-06 12:00:00")) == 200
    assert post(status_event("in_progress", "2025-01-06 10:00:00")) == 200
    campaign.refresh_from_db()
    assert campaign.status == "completed"
    assert [(data["status"], late) for _, data, late in signalled] == [
        ("completed", False),
        ("in_progress", True),
    ]
    # A later one still applies.
    assert post(status_event("canceled", "2025-01-06 13:00:00")) == 200
    campaign.refresh_from_db()
    assert campaign.status == "canceled"


@pytest.mark.django_db(transaction=True)
def test_a_contacts_unsubscribe_and_subscribe_apply_in_the_order_they_happened(
    connected: Connection,
) -> None:
    connected.list_id = 1
    connected.save()
    state = ContactState.objects.create(source="leads", source_id="1", email="ann@example.com")
    assert post(contact_event("unsubscribe", "2025-01-06 10:00:00")) == 200
    assert post(contact_event("subscribe", "2025-01-06 09:00:00")) == 200  # older: ignored
    state.refresh_from_db()
    assert state.unsubscribed is True
    assert post(contact_event("subscribe", "2025-01-06 11:00:00")) == 200  # came back
    state.refresh_from_db()
    assert state.unsubscribed is False
    assert post(contact_event("unsubscribe", "2025-01-06 10:30:00")) == 200  # older: ignored
    state.refresh_from_db()
    assert state.unsubscribed is False


def _bad_shapes() -> list[dict[str, Any]]:
    good = status_event("in_progress", "2025-01-06 10:00:00")
    return [
        {"events_by_user": [{"login": "ID1", "events": ["y"]}]},
        {**good, "event_time": "not a date"},
        {**good, "status": "s" * 40},
        {"login": "ID1", "event_name": "unsubscribe", "event_time": "2025-01-06 10:00:00"},
        {**good, "campaign_id": "seven"},
        {"events_by_user": [{"login": "ID1", "events": [{**good, "event_data": ["x"]}]}]},
        {**good, "status": "in\x00progress"},
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("payload", _bad_shapes())
def test_a_signed_body_of_an_unexpected_shape_is_answered_400(
    campaign: Campaign, payload: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    assert post(payload) == 400
    assert not WebhookEvent.objects.exists()
    assert "Selzy webhook refused: " in caplog.text
    campaign.refresh_from_db()
    assert campaign.status == "scheduled"


@pytest.mark.django_db(transaction=True)
def test_a_batch_with_one_bad_event_stores_none_of_it(
    campaign: Campaign, signalled: Signalled
) -> None:
    good = {
        "event_name": "campaign_status",
        "event_time": "2025-01-06 10:00:00",
        "event_data": {"campaign_id": 700001, "status": "in_progress"},
    }
    bad = {**good, "event_time": "not a date"}
    assert post({"events_by_user": [{"login": "ID1", "events": [good, bad]}]}) == 400
    campaign.refresh_from_db()
    assert campaign.status == "scheduled"
    assert signalled == []
    # Selzy's redelivery of the good event alone (or a fixed batch) applies it once.
    assert post({"events_by_user": [{"login": "ID1", "events": [good]}]}) == 200
    assert post({"events_by_user": [{"login": "ID1", "events": [good]}], "retry_count": 1}) == 200
    assert len(signalled) == 1


@pytest.mark.django_db(transaction=True)
def test_the_answer_comes_before_processing_and_survives_a_failing_processor(
    campaign: Campaign,
) -> None:
    seen: list[tuple[bool, str]] = []

    def handler(sender: Any, event: Any, **kwargs: Any) -> None:
        # Processing runs after the events were committed: the stored row is there, claimed.
        row = WebhookEvent.objects.get(kind=event.event_name)
        seen.append((row.processed_at is not None, Campaign.objects.get().status))
        raise RuntimeError("the site's handler is broken")

    webhook_event.connect(handler)
    try:
        assert post(status_event("in_progress", "2025-01-06 10:00:00")) == 200
    finally:
        webhook_event.disconnect(handler)
    assert seen == [(True, "in_progress")]
    row = WebhookEvent.objects.get()
    assert row.processed_at is None  # left waiting, with the reason
    assert row.error == "RuntimeError: the site's handler is broken"
    campaign.refresh_from_db()
    assert campaign.status == "scheduled"  # the failed event's effect was rolled back
    # A minute later the scan takes it again, and it goes through.
    WebhookEvent.objects.update(received_at=timezone.now() - dt.timedelta(minutes=2))
    jobs.scan_changes()
    row.refresh_from_db()
    assert row.processed_at is not None
    assert (row.error, row.applied) == ("", True)
    campaign.refresh_from_db()
    assert campaign.status == "in_progress"


@pytest.mark.django_db  # never committed: the processing submitted on commit never runs
def test_events_stored_by_a_process_that_died_are_picked_up_later(
    campaign: Campaign,
    signalled: Signalled,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    assert post(status_event("in_progress", "2025-01-06 10:00:00")) == 200
    assert post(status_event("completed", "2025-01-06 11:00:00")) == 200
    assert WebhookEvent.objects.filter(processed_at__isnull=True).count() == 2
    campaign.refresh_from_db()
    assert campaign.status == "scheduled"
    with django_capture_on_commit_callbacks(execute=True):
        jobs.scan_changes()  # under a minute: still the storing process's to finish
    assert WebhookEvent.objects.filter(processed_at__isnull=True).count() == 2
    WebhookEvent.objects.update(received_at=timezone.now() - dt.timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        jobs.scan_changes()
    assert not WebhookEvent.objects.filter(processed_at__isnull=True).exists()
    campaign.refresh_from_db()
    assert campaign.status == "completed"
    assert [data["status"] for _, data, _ in signalled] == ["in_progress", "completed"]


@pytest.mark.django_db
def test_the_next_webhook_picks_up_stale_events_too(
    campaign: Campaign, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    assert post(status_event("in_progress", "2025-01-06 10:00:00")) == 200
    assert WebhookEvent.objects.filter(processed_at__isnull=True).count() == 1
    WebhookEvent.objects.update(received_at=timezone.now() - dt.timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert post(contact_event("unsubscribe", "2025-01-06 10:05:00")) == 200
    assert not WebhookEvent.objects.filter(processed_at__isnull=True).exists()
    campaign.refresh_from_db()
    assert campaign.status == "in_progress"


@pytest.mark.django_db(transaction=True)  # the command's workers use their own connections
def test_the_cron_command_applies_events_left_waiting(campaign: Campaign, ready: Any) -> None:
    """A site on the thread runner runs selzy_sync --incremental from cron (no Celery beat): the
    command applies the webhook events whose processing never came."""
    assert post(status_event("completed", "2025-01-06 11:00:00")) == 200
    WebhookEvent.objects.update(
        processed_at=None, received_at=timezone.now() - dt.timedelta(minutes=2)
    )
    Campaign.objects.filter(pk=campaign.pk).update(status="scheduled")
    out = io.StringIO()
    call_command("selzy_sync", "--incremental", stdout=out, stderr=io.StringIO())
    assert "Applied 1 waiting webhook events" in out.getvalue()
    campaign.refresh_from_db()
    assert campaign.status == "completed"


@pytest.mark.django_db(transaction=True)
def test_an_event_failing_every_time_is_given_up_and_does_not_hold_the_next_back(
    campaign: Campaign,
) -> None:
    def handler(sender: Any, event: Any, **kwargs: Any) -> None:
        if event.data.get("status") == "in_progress":
            raise RuntimeError("the site's handler is broken")

    webhook_event.connect(handler)
    try:
        assert post(status_event("in_progress", "2025-01-06 10:00:00")) == 200
        broken = WebhookEvent.objects.get()
        for attempt in range(2, events.MAX_ATTEMPTS + 1):
            WebhookEvent.objects.update(received_at=timezone.now() - dt.timedelta(minutes=2))
            jobs.scan_changes()
            broken.refresh_from_db()
            assert broken.attempts == attempt
        # Given up: kept with its error, never taken again, never applied.
        assert broken.processed_at is not None
        assert not broken.applied
        assert broken.error.startswith(f"Given up after {events.MAX_ATTEMPTS} attempts.")
        WebhookEvent.objects.update(received_at=timezone.now() - dt.timedelta(minutes=2))
        jobs.scan_changes()
        broken.refresh_from_db()
        assert broken.attempts == events.MAX_ATTEMPTS
        # The campaign's later events still apply.
        assert post(status_event("completed", "2025-01-06 11:00:00")) == 200
    finally:
        webhook_event.disconnect(handler)
    campaign.refresh_from_db()
    assert campaign.status == "completed"


@pytest.mark.django_db
def test_processed_events_are_pruned_after_the_retention(campaign: Campaign) -> None:
    assert post(status_event("in_progress", "2025-01-06 10:00:00")) == 200
    assert post(status_event("completed", "2025-01-06 11:00:00")) == 200
    old, recent = WebhookEvent.objects.order_by("event_time")
    now = timezone.now()
    WebhookEvent.objects.filter(pk=old.pk).update(
        processed_at=now - events.KEEP_PROCESSED - dt.timedelta(hours=1)
    )
    WebhookEvent.objects.filter(pk=recent.pk).update(processed_at=now - dt.timedelta(days=1))
    jobs.scan_changes()
    assert list(WebhookEvent.objects.values_list("pk", flat=True)) == [recent.pk]


@pytest.mark.django_db
def test_the_admin_lists_events_read_only(admin_client: Client, campaign: Campaign) -> None:
    assert post(status_event("in_progress", "2025-01-06 10:00:00")) == 200
    event = WebhookEvent.objects.get()
    listing = admin_client.get(reverse("admin:selzy_webhookevent_changelist"))
    assert listing.status_code == 200
    assert b"campaign_status" in listing.content
    page = admin_client.get(reverse("admin:selzy_webhookevent_change", args=[event.pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content  # nothing to change
    assert admin_client.get(reverse("admin:selzy_webhookevent_add")).status_code == 403
