"""Webhooks: the client's verifier accepts what the emulator signs, and nothing tampered."""

from __future__ import annotations

import pytest

import selzy
from selzy.emulator import Emulator
from selzy.testing import client_for

KEY = "webhook0test0key0123456789abcdef"


@pytest.mark.parametrize("single_event", [True, False])
def test_campaign_status_events_verify_and_parse(single_event: bool) -> None:
    bodies: list[bytes] = []

    def sender(url: str, body: bytes, headers: dict[str, str]) -> int:
        bodies.append(body)
        return 200

    emulator = Emulator(seed=5, webhook_sender=sender)
    account = emulator.seed_account(KEY)
    with client_for(emulator, KEY) as client:
        client.set_hook(
            hook_url="https://crm.example/hooks/selzy",
            events={"campaign_status": "*"},
            event_format="json_post",
            single_event=single_event,
        )
        list_id = account.list_ids["Newsletter"]
        client.import_contacts(
            field_names=["email", "email_list_ids"], data=[["a@example.com", list_id]]
        )
        message = client.create_email_message(
            sender_name="Shop",
            sender_email=account.senders[0],
            subject="Hi",
            body="<p>Hi</p>",
            list_id=list_id,
        )
        campaign = client.create_campaign(message_id=message.message_id)
        emulator.advance(days=1)
    assert bodies
    events = [event for body in bodies for event in selzy.parse_webhook(body, KEY)]
    statuses = [e.data["status"] for e in events if e.event_name == "campaign_status"]
    assert statuses[-1] == "completed"
    assert {e.data["campaign_id"] for e in events} == {campaign.campaign_id}
    assert all(e.login == account.login for e in events)

    tampered = bodies[-1].replace(b"completed", b"canceled")
    assert not selzy.verify_webhook(tampered, KEY)
    with pytest.raises(selzy.WebhookAuthError):
        selzy.parse_webhook(tampered, KEY)
    with pytest.raises(selzy.WebhookAuthError):
        selzy.parse_webhook(bodies[-1], "another0key0123456789")


def test_garbage_is_refused() -> None:
    for body in (b"", b"not json", b"[]", b'{"auth": 5}', b"\xff\xfe"):
        assert not selzy.verify_webhook(body, KEY)
        with pytest.raises(selzy.WebhookAuthError):
            selzy.parse_webhook(body, KEY)
