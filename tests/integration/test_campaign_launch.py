"""The campaign launch's outcomes against the emulator: created, refused as already sent, adopted
after a lost answer, failed (may be tried again), and not confirmed while Selzy cannot be asked.

A lost answer is the emulator's "drop" fault: ``after=True`` drops the answer once createCampaign
took effect, ``after=False`` before it did (the request never ran).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

import selzy
from selzy import Selzy
from selzy.emulator import Emulator, FrozenClock
from selzy.integration import LaunchKind, launch_campaign, resolve_launch
from selzy.testing import client_for

from ..client.conftest import FakeClock


@dataclass
class Setup:
    emulator: Emulator
    client: Selzy
    message_id: int

    def campaigns(self) -> list[dict[str, Any]]:
        (account,) = self.emulator.state_dump()["accounts"]
        return list(account["campaigns"])

    def launch(self, **options: Any) -> Any:
        return launch_campaign(
            self.client, message_id=self.message_id, now=self.emulator.now, **options
        )


@pytest.fixture
def setup() -> Iterator[Setup]:
    # Today's clock: the client checks a schedule against the real time, Selzy against its own.
    emulator = Emulator(seed=5, clock=FrozenClock(dt.datetime.now(dt.UTC).replace(microsecond=0)))
    account = emulator.seed_account("launch0test0key0123456789")
    with client_for(emulator, account.api_key, clock=FakeClock()) as client:
        list_id = account.list_ids["Newsletter"]
        client.import_contacts(
            field_names=["email", "email_list_ids"],
            data=[[f"c{i}@example.com", list_id] for i in range(12)],
        )
        message = client.create_email_message(
            sender_name="Shop",
            sender_email=account.senders[0],
            subject="Hi",
            body="<p>Hi</p>",
            list_id=list_id,
        )
        assert message.message_id is not None
        yield Setup(emulator, client, message.message_id)


def test_a_launch_creates_the_campaign_with_tracking(setup: Setup) -> None:
    outcome = setup.launch()
    (created,) = setup.campaigns()
    assert outcome.kind is LaunchKind.CREATED
    assert outcome.campaign_id == created["id"]
    assert (created["track_read"], created["track_links"]) == (True, True)
    assert not outcome.answer_lost
    assert outcome.began == setup.emulator.now()


def test_selzy_refusing_a_message_already_sent_is_not_a_failure_to_retry(setup: Setup) -> None:
    setup.launch()
    outcome = setup.launch()
    assert outcome.kind is LaunchKind.ALREADY_SENT
    assert not outcome.may_retry
    assert isinstance(outcome.error, selzy.InvalidArgumentError)
    assert "already sent" in outcome.error.message
    assert len(setup.campaigns()) == 1


def test_a_lost_answer_after_selzy_acted_adopts_its_campaign(setup: Setup) -> None:
    setup.emulator.inject_fault("drop", "createCampaign", after=True, times=1)
    outcome = setup.launch()
    (created,) = setup.campaigns()
    assert outcome.kind is LaunchKind.ADOPTED
    assert outcome.answer_lost
    assert not outcome.may_retry
    assert outcome.campaign_id == created["id"]
    assert outcome.status == created["status"]


def test_a_lost_scheduled_launch_is_found_at_its_start_time(setup: Setup) -> None:
    start = setup.emulator.now().replace(second=0) + dt.timedelta(days=3)
    setup.emulator.inject_fault("drop", "createCampaign", after=True, times=1)
    outcome = setup.launch(start_time=start)
    (created,) = setup.campaigns()
    assert (outcome.kind, outcome.campaign_id) == (LaunchKind.ADOPTED, created["id"])
    assert outcome.status == "scheduled"


def test_a_lost_answer_before_selzy_acted_may_be_tried_again(setup: Setup) -> None:
    setup.emulator.inject_fault("drop", "createCampaign", times=1)
    outcome = setup.launch()
    assert outcome.kind is LaunchKind.FAILED
    assert outcome.may_retry
    assert outcome.answer_lost
    assert isinstance(outcome.error, selzy.APIConnectionError)
    assert setup.campaigns() == []


def test_an_earlier_campaign_of_the_message_is_never_taken_for_a_lost_launch(
    setup: Setup,
) -> None:
    first = setup.launch()
    setup.emulator.advance(hours=2)
    setup.emulator.inject_fault("drop", "createCampaign", times=1)
    assert setup.launch().kind is LaunchKind.FAILED  # the first campaign is not this launch's
    setup.emulator.inject_fault("drop", "createCampaign", after=True, times=1)
    adopted = setup.launch()
    assert adopted.kind is LaunchKind.ADOPTED
    assert adopted.campaign_id != first.campaign_id
    assert [c["id"] for c in setup.campaigns()] == [first.campaign_id, adopted.campaign_id]


def test_known_campaigns_are_not_adopted(setup: Setup) -> None:
    setup.emulator.inject_fault("drop", "createCampaign", after=True, times=1)
    began = setup.emulator.now()
    lost = setup.launch()
    again = resolve_launch(
        setup.client, message_id=setup.message_id, began=began, known=[lost.campaign_id or 0]
    )
    assert again.kind is LaunchKind.FAILED


def test_a_lost_answer_stays_unconfirmed_while_selzy_cannot_be_asked(setup: Setup) -> None:
    setup.emulator.inject_fault("drop", "createCampaign", after=True, times=1)
    setup.emulator.inject_fault("error", "getCampaigns", code="unspecified", times=1)
    outcome = setup.launch()
    assert outcome.kind is LaunchKind.UNCONFIRMED
    assert not outcome.may_retry
    assert isinstance(outcome.error, selzy.UnspecifiedError)  # why Selzy could not be asked
    (created,) = setup.campaigns()
    later = resolve_launch(setup.client, message_id=setup.message_id, began=outcome.began)
    assert (later.kind, later.campaign_id) == (LaunchKind.ADOPTED, created["id"])
    assert len(setup.campaigns()) == 1


def test_a_campaign_scheduled_earlier_is_not_taken_for_a_lost_launch(setup: Setup) -> None:
    # Its start lies after the lost launch began; its creation, before: not this launch's.
    start = setup.emulator.now().replace(second=0) + dt.timedelta(days=3)
    scheduled = setup.launch(start_time=start)
    setup.emulator.advance(minutes=30)
    setup.emulator.inject_fault("drop", "createCampaign", times=1)
    outcome = setup.launch()
    assert outcome.kind is LaunchKind.FAILED
    assert [c["id"] for c in setup.campaigns()] == [scheduled.campaign_id]
