"""A launch whose process died while "importing" is ended by the periodic scan: it no longer
holds its message (one launch in flight per message) for ever."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from selzy.contrib.django import jobs, launches
from selzy.contrib.django.models import Campaign, ImportRun, Message

pytestmark = pytest.mark.django_db

Stage = Campaign.Stage
Status = ImportRun.Status


def stuck(
    *,
    run_status: str,
    quiet_for: dt.timedelta,
    launched: bool = False,
    message_id: int = 9001,
) -> Campaign:
    """A campaign "importing" since ``quiet_for`` ago, its import run in ``run_status``."""
    then = timezone.now() - quiet_for
    message = Message.objects.create(
        message_id=message_id,
        list_id=1,
        sender_name="Shop",
        sender_email="news@example.com",
        subject="Winter sale",
        body="<p>Hi</p>",
    )
    run = ImportRun.objects.create(source="leads", list_id=1, status=run_status)
    finished = then if run_status in (Status.COMPLETED, Status.FAILED) else None
    ImportRun.objects.filter(pk=run.pk).update(
        created_at=then, heartbeat_at=then, finished_at=finished
    )
    campaign = Campaign.objects.create(
        message=message, import_run=run, launched_at=then if launched else None
    )
    Campaign.objects.filter(pk=campaign.pk).update(created_at=then)
    return campaign


def test_a_launch_that_died_before_createcampaign_fails_and_may_be_tried_again() -> None:
    campaign = stuck(run_status=Status.COMPLETED, quiet_for=dt.timedelta(hours=1))
    assert launches.in_flight(campaign.message) == campaign  # it holds the message
    jobs.scan_changes()
    campaign.refresh_from_db()
    assert (campaign.stage, campaign.error) == (Stage.FAILED, launches.STOPPED_BEFORE)
    assert launches.in_flight(campaign.message) is None
    assert launches.may_retry(campaign)


def test_a_launch_that_died_during_createcampaign_waits_for_a_check_with_selzy() -> None:
    campaign = stuck(run_status=Status.INTERRUPTED, quiet_for=dt.timedelta(hours=1), launched=True)
    jobs.scan_changes()
    campaign.refresh_from_db()
    assert (campaign.stage, campaign.error) == (Stage.UNCONFIRMED, launches.STOPPED_DURING)
    assert not launches.may_retry(campaign)  # it may have been created: never a second one


@pytest.mark.parametrize(
    ("run_status", "quiet_for"),
    [
        (Status.RUNNING, dt.timedelta(hours=1)),  # its workers (the leases) decide
        (Status.QUEUED, dt.timedelta(hours=1)),
        (Status.COMPLETED, dt.timedelta(seconds=10)),  # the job is creating the campaign now
        (Status.INTERRUPTED, dt.timedelta(seconds=10)),
    ],
)
def test_a_launch_that_may_still_be_alive_is_left_alone(
    run_status: str, quiet_for: dt.timedelta
) -> None:
    campaign = stuck(run_status=run_status, quiet_for=quiet_for)
    assert launches.release_stuck() == 0
    campaign.refresh_from_db()
    assert (campaign.stage, campaign.error) == (Stage.IMPORTING, "")
