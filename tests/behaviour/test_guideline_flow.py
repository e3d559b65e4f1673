"""The integration guidelines end to end: the client against the emulator (sync and async).

Register or link an account, create a list and a field, import 1,200 contacts, validate and
confirm a sender, create a message, send a test, send a campaign now and another later, move the
emulator's clock, and check that status and statistics agree with the per-recipient reports.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import httpx
import pytest

import selzy
from selzy.emulator import Emulator, as_httpx_handler
from selzy.testing import async_client_for, client_for

from .._blocking import Blocking

pytestmark = pytest.mark.parametrize("flavour", ["sync", "async"])

SENDER = "news@mysite.example"
BODY = '<p>Hello {{Name}}, see <a href="https://mysite.example/offer">our offer</a>.</p>'


def connect(emulator: Emulator, flavour: str, api_key: str | None) -> Blocking:
    make = client_for if flavour == "sync" else async_client_for
    return Blocking(make(emulator, api_key=api_key, platform="MyCRM"))


def leads(n: int, list_id: int) -> Any:
    for i in range(n):
        email = f"lead{i}@mysite.example"
        if i % 150 == 7:
            email = f"broken{i}@@mysite"  # malformed: reported, not imported
        elif i % 200 == 11:
            email = f"info{i}@mysite.example".replace(f"info{i}", "info")  # a role address
        yield {"email": email, "Name": f"Lead {i}", "Company": "ACME", "email_list_ids": list_id}


def fetch(emulator: Emulator, url: str) -> str:
    with httpx.Client(transport=httpx.MockTransport(as_httpx_handler(emulator))) as http:
        return http.get(url).text


def registered_account(emulator: Emulator, flavour: str) -> Blocking:
    """Registration: email and password -> register -> the key is saved and used."""
    anonymous = connect(emulator, flavour, None)
    registration = anonymous.register(
        email="owner@mysite.example", password="s3cret-Passw0rd", need_confirm=True
    )
    assert registration.api_key
    assert "s3cret" not in repr(registration)
    assert registration.api_key not in repr(registration)
    (letter,) = emulator.outbox(to="owner@mysite.example")
    emulator.confirm(letter.links[0][1])
    client = connect(emulator, flavour, registration.api_key)
    assert client.get_lists() == []  # the guidelines' key check: getLists answers
    return client


def test_the_whole_guideline_flow(flavour: str) -> None:
    emulator = Emulator(seed=7)
    client = registered_account(emulator, flavour)

    # A wrong key is refused with its own error.
    with pytest.raises(selzy.InvalidAPIKeyError):
        connect(emulator, flavour, "wrong0key0" * 4).get_lists()

    # "Select a list to import contacts or create a new one"
    list_id = client.create_list(title="CRM leads").id
    assert [(x.id, x.title) for x in client.get_lists()] == [(list_id, "CRM leads")]
    with pytest.raises(selzy.APIError):
        client.create_list(title="CRM leads")  # titles are unique

    # Field mapping: create the missing fields, matching types.
    existing = {f.name for f in client.get_fields()}
    for name in ("Name", "Company"):
        if name not in existing:
            client.create_field(name=name, type="string")
    assert {f.name: f.type for f in client.get_fields()} == {"Name": "string", "Company": "string"}

    # Import 1,200 contacts, 500 per call (the most importContacts takes).
    rows = list(leads(1200, list_id))
    columns = ["email", "Name", "Company", "email_list_ids"]
    results = {
        start: client.import_contacts(field_names=columns, data=rows[start : start + 500])
        for start in range(0, len(rows), 500)
    }
    assert [r.total for r in results.values()] == [500, 500, 200]
    assert sum(r.inserted + r.updated + r.invalid for r in results.values()) == 1200
    # Each call's log counts its own rows from 0: back to positions in the whole input.
    rejected = {start + entry.index for start, r in results.items() for entry in r.log}
    assert {i for i in range(1200) if i % 150 == 7} <= rejected
    imported = 1200 - sum(r.invalid for r in results.values())
    assert client.get_contact_count(list_id=list_id, type="address").count == imported

    # Creating a message: a new sender must be confirmed first.
    login = client.get_user_info().login
    assert client.get_checked_email(login=login) == []
    with pytest.raises(selzy.InvalidArgumentError):
        client.create_email_message(
            sender_name="My Site", sender_email=SENDER, subject="Hi", body=BODY, list_id=list_id
        )
    assert client.validate_sender(email=SENDER).message == "Confirmation letter was sent"
    (confirmation,) = emulator.outbox(to=SENDER)
    assert confirmation.kind == "sender_confirmation"
    emulator.confirm(confirmation.links[0][1])
    assert [(s.email, s.is_checked) for s in client.get_checked_email(login=login)] == [
        (SENDER, True)
    ]

    with pytest.raises(selzy.AttachmentTooLargeError):
        client.create_email_message(
            sender_name="My Site",
            sender_email=SENDER,
            subject="Hi",
            body=BODY,
            list_id=list_id,
            attachments={"huge.pdf": b"%PDF" + b"\0" * (600 * 1024)},
        )
    message = client.create_email_message(
        sender_name="My Site",
        sender_email=SENDER,
        subject="Hello {{Name}}",
        body=BODY,
        list_id=list_id,
        attachments={"price-list.txt": b"Prices: low"},
    )

    # The test letter reaches the owner's mailbox.
    sent = client.send_test_email(id=message.message_id, email="owner@mysite.example")
    assert sent.recipients == {"owner@mysite.example": True}
    assert [x.kind for x in emulator.outbox(to="owner@mysite.example")][-1] == "test"

    # Send now, tracked.
    campaign = client.create_campaign(
        message_id=message.message_id, track_read=True, track_links=True
    )
    with pytest.raises(selzy.APIError):
        client.create_campaign(message_id=message.message_id)  # not twice within one hour
    status = client.get_campaign_status(campaign_id=campaign.campaign_id)
    assert status.status in ("waits_schedule", "scheduled", "in_progress")
    emulator.advance(days=3)
    assert client.get_campaign_status(campaign_id=campaign.campaign_id).status == "completed"

    stats = client.get_campaign_common_stats(campaign_id=campaign.campaign_id)
    assert stats.total == imported
    assert stats.total >= stats.sent >= stats.delivered >= stats.read_unique
    assert stats.read_unique >= stats.clicked_unique > 0
    assert stats.read_all >= stats.read_unique
    assert stats.clicked_all >= stats.clicked_unique

    # The per-recipient reports agree with the totals.
    visited = client.get_visited_links(campaign_id=campaign.campaign_id)
    assert len({row[0] for row in visited.data}) == stats.clicked_unique
    assert len(visited.data) == stats.clicked_all
    task = client.get_campaign_delivery_stats(campaign_id=campaign.campaign_id)
    result = client.wait_for_task(task.task_uuid, poll_interval=1.0, timeout=60.0)
    rows = list(csv.DictReader(io.StringIO(fetch(emulator, result.file_to_download))))
    assert len(rows) == stats.sent

    # A scheduled send later.
    later = dt.datetime(2025, 1, 20, 9, 30)
    scheduled = client.create_campaign(
        message_id=message.message_id,
        start_time=later,
        timezone="UTC",
        track_read=True,
        track_links=True,
    )
    emulator.advance(minutes=5)
    assert client.get_campaign_status(campaign_id=scheduled.campaign_id).status == "scheduled"
    emulator.advance(days=20)
    final = client.get_campaign_status(campaign_id=scheduled.campaign_id)
    assert final.status == "completed"
    assert final.start_time == later.replace(tzinfo=dt.UTC)


def test_linking_an_existing_account_and_platform_on_every_call(flavour: str) -> None:
    emulator = Emulator()
    account = emulator.seed_account("existing0account0key0123456789")
    client = connect(emulator, flavour, account.api_key)
    assert [x.title for x in client.get_lists()] == ["Newsletter"]
    client.get_fields()
    dump = emulator.state_dump()
    assert "existing0account0key0123456789" not in repr(dump)
    requests = dump["requests"]
    assert requests
    assert {r["platform"] for r in requests} == {"MyCRM"}
