"""Follow-ups from a campaign's page: "send a follow-up to those who did not open / click".

The campaign is played out by the emulator (forced outcomes in the addresses) and its activity
fetched; the follow-up's signed segment file then lists exactly the recipients who did not open
(or click), less those who unsubscribed, bounced or complained and those the source no longer
imports; the button leads to the campaign form with it chosen, and the follow-up campaign Selzy
creates goes to exactly them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from selzy.contrib.django import followups, jobs
from selzy.contrib.django.activity import fetch_campaign_activity
from selzy.contrib.django.followups import FollowUp
from selzy.contrib.django.models import Campaign, Connection, Message
from selzy.contrib.django.sources import get_source
from selzy.emulator import Emulator, FrozenClock, SeededAccount
from tests.contrib_django.crm.models import Lead

from . import emulated
from .settings import SELZY
from .test_activity import send
from .test_sending_screens import django_fetch, make_message, remote, staff

pytestmark = pytest.mark.django_db

#: Name -> address; the tag decides what the emulator makes happen.
LEADS = {
    "reader": "Ann+read@crm.example",
    "reader2": "ida+read@crm.example",
    "clicker": "bob+click@crm.example",
    "ignorer": "CID+noread@Crm.Example",  # mixed case: listed as the ledger sent it
    "ignorer2": "hal+noread@crm.example",
    "withdrawn": "jo+noread@crm.example",  # its consent is withdrawn in the CRM afterwards
    "bounced": "dan+bounce@crm.example",
    "leaver": "eve+unsub@crm.example",
    "complainer": "fay+spam@crm.example",
    "idn": "ivan+noread@Пример.РФ",
}
NOT_OPENED = [
    "CID+noread@crm.example",
    "hal+noread@crm.example",
    "ivan+noread@xn--e1afmkfd.xn--p1ai",
]
NOT_CLICKED = ["Ann+read@crm.example", "ida+read@crm.example", *NOT_OPENED]


@pytest.fixture
def fetched_urls() -> list[str]:
    return []


@pytest.fixture(autouse=True)
def emulator(fetched_urls: list[str]) -> Iterator[Emulator]:
    emulator = Emulator(
        seed=11, clock=FrozenClock(timezone.now()), fetch=django_fetch(fetched_urls)
    )
    emulated.CURRENT["emulator"] = emulator
    yield emulator
    emulated.CURRENT.pop("emulator", None)


@pytest.fixture
def message(ready: Connection, emulator: Emulator, account: SeededAccount) -> Message:
    return make_message(emulator, account, int(ready.list_id or 0))


@pytest.fixture
def played(
    message: Message, emulator: Emulator, django_capture_on_commit_callbacks: Callable[..., Any]
) -> Campaign:
    """The leads sent a campaign, the campaign completed, its activity fetched, and one lead's
    consent withdrawn in the CRM since."""
    for name, email in LEADS.items():
        Lead.objects.create(email=email, name=name)
    campaign = send(message, django_capture_on_commit_callbacks)
    emulator.advance(hours=3)
    fetch_campaign_activity(campaign.pk, now=emulator.now)
    Lead.objects.filter(name="withdrawn").update(consent=False)
    campaign.refresh_from_db()
    return campaign


def segment_file(client: Client, follow_up: FollowUp) -> list[str]:
    path = urlsplit(jobs.segment_url("leads", follow_up.key, "http://testserver")).path
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    return b"".join(response.streaming_content).decode().splitlines()


@pytest.fixture
def web(client: Client) -> Client:
    client.force_login(staff("sender", "manage_selzy", "send_selzy_campaigns"))
    return client


def test_the_segment_file_lists_exactly_who_did_not_open_or_click(
    played: Campaign, client: Client
) -> None:
    assert segment_file(client, FollowUp(played.pk, "opened")) == NOT_OPENED
    assert segment_file(client, FollowUp(played.pk, "clicked")) == NOT_CLICKED


def test_the_ledger_is_read_in_steps_with_the_same_result(played: Campaign) -> None:
    source = get_source("leads")
    for chunk in (1, 2, 3):
        listed = list(followups.emails(source, FollowUp(played.pk, "clicked"), chunk=chunk))
        assert listed == NOT_CLICKED, chunk


def test_a_tampered_or_expired_link_and_a_deleted_campaign_serve_nothing(
    played: Campaign, client: Client
) -> None:
    key = FollowUp(played.pk, "opened").key
    path = urlsplit(jobs.segment_url("leads", key, "http://testserver")).path
    token = path.split("/")[3]
    tampered = path.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert client.get(tampered).status_code == 404
    # A token signed with another key (someone else's site, a guess) is refused.
    with override_settings(SECRET_KEY="not-this-sites-key-0123456789-0123456789-0123456789"):
        forged = urlsplit(jobs.segment_url("leads", key, "http://testserver")).path
    assert forged != path
    assert client.get(forged).status_code == 404
    with override_settings(SELZY={**SELZY, "SEGMENT_URL_MAX_AGE": -1}):
        assert client.get(path).status_code == 410
    Campaign.objects.filter(pk=played.pk).update(activity_fetched_at=None)
    assert client.get(path).status_code == 404  # nobody is known to have opened it


def test_the_buttons_lead_to_the_campaign_form_with_the_follow_up_chosen(
    played: Campaign,
    web: Client,
    emulator: Emulator,
    fetched_urls: list[str],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    page_url = reverse("admin:selzy_campaign", args=[played.pk])
    page = web.get(page_url).content.decode()
    assert 'id="selzy-follow-up-opened"' in page
    assert 'id="activity-opened">' in page
    response = web.post(page_url, {"action": "follow_up", "missing": "opened"})
    form_url = reverse("admin:selzy_campaign_new", args=[played.message.pk])
    assert response["Location"].startswith(form_url + "?")
    key = parse_qs(urlsplit(response["Location"]).query)["segment"][0]
    assert key == f"follow-up:{played.pk}:not-opened"
    form = web.get(response["Location"]).content.decode()
    assert f'<option value="{key}" selected>' in form
    assert "Those who did not open “Winter sale”" in form
    # The same message again: the form asks to confirm the re-send, naming the first send.
    emulator.advance(hours=2)  # Selzy refuses a message sent again within the hour
    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(
            form_url,
            {"send_mode": "now", "timezone": "UTC", "segment": key, "resend_after": played.pk},
        )
    follow_up = Campaign.objects.latest("pk")
    assert response["Location"] == reverse("admin:selzy_campaign", args=[follow_up.pk])
    assert follow_up.stage == Campaign.Stage.CREATED, follow_up.error
    assert follow_up.segment == key
    assert fetched_urls[-1].startswith("http://testserver/selzy/segment/")
    created = next(c for c in remote(emulator)["campaigns"] if c["id"] == follow_up.campaign_id)
    assert created["stats"]["total"] == len(NOT_OPENED)
    page = web.get(response["Location"]).content.decode()
    assert "Those who did not open “Winter sale”" in page


def test_the_follow_up_goes_out_with_another_message_of_the_list(
    played: Campaign, web: Client, emulator: Emulator, account: SeededAccount
) -> None:
    other = make_message(emulator, account, played.message.list_id)
    page_url = reverse("admin:selzy_campaign", args=[played.pk])
    response = web.post(
        page_url, {"action": "follow_up", "missing": "clicked", "message": other.pk}
    )
    assert response["Location"].startswith(reverse("admin:selzy_campaign_new", args=[other.pk]))
    # A message of another list is refused, and so is a follow-up of nobody known.
    foreign = Message.objects.create(
        message_id=99, list_id=played.message.list_id + 1, sender_name="S",
        sender_email="s@x.example", subject="Elsewhere", body="b",
    )  # fmt: skip
    response = web.post(
        page_url, {"action": "follow_up", "missing": "opened", "message": foreign.pk}
    )
    assert response["Location"] == page_url
    response = web.post(page_url, {"action": "follow_up", "missing": "everyone"})
    assert response["Location"] == page_url
    form = web.get(
        reverse("admin:selzy_campaign_new", args=[foreign.pk]),
        {"segment": FollowUp(played.pk, "opened").key},
    ).content.decode()
    assert "That follow-up is not available for this message." in form
    assert "follow-up:" not in form


def test_the_buttons_wait_for_the_activity(played: Campaign, web: Client) -> None:
    Campaign.objects.filter(pk=played.pk).update(activity_fetched_at=None)
    page_url = reverse("admin:selzy_campaign", args=[played.pk])
    page = web.get(page_url).content.decode()
    assert 'id="selzy-follow-up-opened" disabled' in page
    assert "Not fetched yet" in page
    response = web.post(page_url, {"action": "follow_up", "missing": "opened"}, follow=True)
    assert "activity has not been fetched yet" in response.content.decode()


def test_the_button_needs_the_csrf_token_and_the_sending_permission(played: Campaign) -> None:
    page_url = reverse("admin:selzy_campaign", args=[played.pk])
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(staff("careful", "send_selzy_campaigns"))
    data = {"action": "follow_up", "missing": "opened"}
    assert checked.post(page_url, data).status_code == 403  # no token
    checked.get(page_url)
    token = checked.cookies["csrftoken"].value
    response = checked.post(page_url, {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert "segment=follow-up" in response["Location"]
    clerk = Client()
    clerk.force_login(staff("clerk", "manage_selzy"))  # may set up, not send
    assert clerk.post(page_url, data).status_code == 403
    anonymous = Client().post(page_url, data)
    assert anonymous.status_code == 302
    assert "/login/" in anonymous["Location"]
