"""Retry safety against the emulator's injected faults: nothing lost, nothing sent twice."""

from __future__ import annotations

import pytest

import selzy
from selzy.emulator import Emulator
from selzy.testing import async_client_for, client_for

from .._blocking import Blocking
from ..client.conftest import FakeClock

pytestmark = pytest.mark.parametrize("flavour", ["sync", "async"])


def setup(flavour: str) -> tuple[Emulator, Blocking, int, int]:
    emulator = Emulator(seed=3)
    account = emulator.seed_account("fault0test0key0123456789")
    make = client_for if flavour == "sync" else async_client_for
    client = Blocking(make(emulator, api_key=account.api_key, clock=FakeClock()))
    list_id = account.list_ids["Newsletter"]
    client.import_contacts(
        field_names=["email", "email_list_ids"],
        data=[[f"c{i}@example.com", list_id] for i in range(20)],
    )
    message = client.create_email_message(
        sender_name="Shop",
        sender_email=account.senders[0],
        subject="Hi",
        body="<p>Hi</p>",
        list_id=list_id,
    )
    return emulator, client, list_id, message.message_id


def campaigns(emulator: Emulator) -> list[dict[str, object]]:
    (account,) = emulator.state_dump()["accounts"]
    return list(account["campaigns"])


def test_ambiguous_failure_of_create_campaign_is_not_retried(flavour: str) -> None:
    emulator, client, _, message_id = setup(flavour)
    emulator.inject_fault("drop", "createCampaign", after=True, times=1)
    with pytest.raises(selzy.APIConnectionError):
        client.create_campaign(message_id=message_id)
    assert len(campaigns(emulator)) == 1  # it took effect once, and only once


def test_refusals_are_retried_until_the_campaign_exists(flavour: str) -> None:
    emulator, client, _, message_id = setup(flavour)
    emulator.inject_fault("error", "createCampaign", code="retry_later", times=2)
    response = client.request("createCampaign", {"message_id": message_id})
    assert response.retries_taken == 2
    assert len(campaigns(emulator)) == 1


def test_import_survives_dropped_answers_and_5xx(flavour: str) -> None:
    emulator, client, list_id, _ = setup(flavour)
    emulator.inject_fault("drop", "importContacts", after=True, times=1)
    emulator.inject_fault("http", "importContacts", status=503, times=1)
    rows = [[f"n{i}@example.com", list_id] for i in range(1200)]
    results = [
        client.import_contacts(field_names=["email", "email_list_ids"], data=rows[i : i + 500])
        for i in range(0, len(rows), 500)
    ]
    assert [r.total for r in results] == [500, 500, 200]
    assert client.get_contact_count(list_id=list_id, type="address").count == 1220
