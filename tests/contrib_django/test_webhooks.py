"""The webhook endpoint: verified events update campaigns and reach the signal; forgeries don't."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.test import Client, override_settings
from django.urls import reverse

from selzy.contrib.django.models import Campaign, Connection
from selzy.contrib.django.signals import webhook_event
from selzy.emulator import Emulator, SeededAccount

from .conftest import ACCOUNT_KEY
from .settings import SELZY


def signed(payload: dict[str, Any], api_key: str) -> bytes:
    """A body signed the way Selzy does it (the emulator signs the same way, independently)."""
    import hashlib

    raw = json.dumps({"auth": api_key, **payload}, separators=(",", ":"))
    auth = hashlib.md5(raw.encode()).hexdigest()  # noqa: S324 - the protocol's hash
    return raw.replace(json.dumps(api_key), json.dumps(auth), 1).encode()


@pytest.mark.django_db(transaction=True)  # processing runs once the events are committed
def test_verified_event_updates_the_campaign_and_signals(campaign: Campaign) -> None:
    received: list[Any] = []

    def handler(sender: Any, event: Any, **kwargs: Any) -> None:
        received.append(event)

    webhook_event.connect(handler)
    try:
        body = signed(
            {
                "login": "ID1",
                "event_name": "campaign_status",
                "event_time": "2025-01-06 10:00:00",
                "campaign_id": 700001,
                "status": "in_progress",
            },
            ACCOUNT_KEY,
        )
        response = Client().post(
            reverse("admin:selzy_webhook"), body, content_type="application/json"
        )
    finally:
        webhook_event.disconnect(handler)
    assert response.status_code == 200
    campaign.refresh_from_db()
    assert campaign.status == "in_progress"
    assert [e.event_name for e in received] == ["campaign_status"]


@pytest.mark.django_db
def test_forged_or_unsigned_bodies_are_refused(campaign: Campaign) -> None:
    url = reverse("admin:selzy_webhook")
    payload = {"event_name": "campaign_status", "campaign_id": 700001, "status": "canceled"}
    for body in (
        signed(payload, "some0other0key0123456789"),
        json.dumps({"auth": "0" * 32, **payload}).encode(),
        b"not json",
    ):
        response = Client().post(url, body, content_type="application/json")
        assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.status == "scheduled"


@pytest.mark.django_db
def test_register_button_calls_set_hook(
    connected: Connection, account: SeededAccount, emulator: Emulator
) -> None:
    user = User.objects.create_user("owner", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="manage_selzy"))
    client = Client()
    client.force_login(user)
    response = client.post(reverse("admin:selzy_webhook_register"))
    assert response.status_code == 302
    (state,) = emulator.state_dump()["accounts"]
    (hook,) = state["hooks"]
    assert hook["url"] == "http://testserver/selzy/webhook/"
    assert hook["events"] == ["campaign_status", "email_status", "subscribe", "unsubscribe"]
    connection = Connection.current()  # the check of the hook's health looks for this one
    assert (connection.hook_url, connection.hook_status) == (hook["url"], "active")
    assert client.get(reverse("admin:selzy_webhook_register")).status_code == 405
    with override_settings(SELZY={**SELZY, "SITE_URL": "https://crm.example/"}):
        client.post(reverse("admin:selzy_webhook_register"))
    (state,) = emulator.state_dump()["accounts"]
    assert state["hooks"][-1]["url"] == "https://crm.example/selzy/webhook/"


@pytest.mark.django_db
def test_a_refused_hook_is_explained(connected: Connection, emulator: Emulator) -> None:
    user = User.objects.create_user("owner", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="manage_selzy"))
    client = Client()
    client.force_login(user)
    emulator.inject_fault("error", "setHook", code="invalid_arg", message="url: bad", times=1)
    response = client.post(reverse("admin:selzy_webhook_register"))
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "The webhook was not registered. Selzy refused the request: url: bad."
    ]
