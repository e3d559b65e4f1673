"""The sending screens over the emulator: sender, message, test email, campaign, statistics,
the segment file and the import pages, as a staff user with the module's permissions sees them.

A campaign launches once: POSTs at once or again make one campaign (row locks for real with
``SELZY_TEST_DB=postgres``), a message that went out is sent again only when confirmed, Selzy's
"already sent" is no failure to retry, and a lost createCampaign answer is settled by asking
Selzy (getCampaigns) before anything is offered again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import re
import threading
import zoneinfo
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from selzy.contrib.django import jobs
from selzy.contrib.django.models import (
    Campaign,
    CampaignStats,
    Connection,
    ImportRejection,
    ImportRun,
    MappedField,
    Message,
)
from selzy.contrib.django.views._common import (
    CAMPAIGN_SCHEDULED,
    CAMPAIGN_SENT,
    IMPORT_DONE,
    SENDER_LETTER_SENT,
)
from selzy.emulator import Emulator, FrozenClock, SeededAccount
from selzy.testing import client_for

from . import emulated
from .conftest import ACCOUNT_KEY
from .settings import SELZY

# --------------------------------------------------------------------------- fixtures


def django_fetch(fetched: list[str]) -> Any:
    """The emulator's contacts_url download, answered by this site through the test client."""

    def fetch(url: str) -> bytes:
        fetched.append(url)
        parts = urlsplit(url)
        response = Client().get(parts.path)
        if response.status_code != 200:
            raise OSError(f"HTTP {response.status_code}")
        return b"".join(response.streaming_content)

    return fetch


@pytest.fixture
def fetched() -> list[str]:
    """The URLs the emulator downloaded (contacts_url)."""
    return []


@pytest.fixture(autouse=True)
def emulator(fetched: list[str]) -> Iterator[Emulator]:
    """conftest's emulator, but on today's clock (the schedule window is checked against
    Django's clock) and downloading segment files from this site."""
    emulator = Emulator(seed=11, clock=FrozenClock(timezone.now()), fetch=django_fetch(fetched))
    emulated.CURRENT["emulator"] = emulator
    yield emulator
    emulated.CURRENT.pop("emulator", None)


def staff(username: str, *codenames: str) -> User:
    # No password: force_login needs none, and hashing one costs most of a test's time.
    user = User.objects.create_user(username, email=f"{username}@shop.example", is_staff=True)
    perms = Permission.objects.filter(content_type__app_label="selzy", codename__in=codenames)
    user.user_permissions.add(*perms)
    return user


@pytest.fixture
def user(db: Any) -> User:
    return staff("owner", "manage_selzy", "send_selzy_campaigns")


@pytest.fixture
def web(client: Client, user: User) -> Client:
    """The test client, logged in as a staff user with both permissions."""
    client.force_login(user)
    return client


def make_message(emulator: Emulator, account: SeededAccount, list_id: int) -> Message:
    """A message created in Selzy with the seeded (confirmed) sender, as the screen would."""
    body = '<p>Hello <a href="https://shop.example/sale">sale</a></p>'
    with client_for(emulator, ACCOUNT_KEY) as selzy:
        created = selzy.create_email_message(
            sender_name="Shop",
            sender_email=account.senders[0],
            subject="Winter sale",
            body=body,
            list_id=list_id,
        )
    return Message.objects.create(
        message_id=created.message_id,
        list_id=list_id,
        sender_name="Shop",
        sender_email=account.senders[0],
        subject="Winter sale",
        body=body,
    )


@pytest.fixture
def message(ready: Connection, emulator: Emulator, account: SeededAccount) -> Message:
    return make_message(emulator, account, int(ready.list_id or 0))


def remote(emulator: Emulator) -> dict[str, Any]:
    (state,) = emulator.state_dump()["accounts"]
    return state


def text(response: Any) -> str:
    return response.content.decode()


def url(name: str, *args: Any) -> str:
    return reverse(f"admin:{name}", args=args)


# --------------------------------------------------------------------------- access


def screens(message: Message) -> list[str]:
    run = ImportRun.objects.create(source="leads", list_id=message.list_id)
    campaign = Campaign.objects.create(message=message, import_run=run)
    return [
        url("selzy_message"),
        url("selzy_sender"),
        url("selzy_message_detail", message.pk),
        url("selzy_campaign_new", message.pk),
        url("selzy_campaign", campaign.pk),
        url("selzy_campaign_stats", campaign.pk),
        url("selzy_import_new"),
        url("selzy_import", run.pk),
        url("selzy_import_status", run.pk),
    ]


@pytest.mark.django_db
def test_every_screen_renders_for_an_allowed_user(web: Client, message: Message) -> None:
    for address in screens(message):
        response = web.get(address)
        assert response.status_code == 200, address
        if response["Content-Type"].startswith("text/html"):
            assert 'class="selzy-steps"' in text(response), address


@pytest.mark.django_db
def test_staff_without_the_permissions_get_403(client: Client, message: Message) -> None:
    client.force_login(staff("clerk"))
    for address in screens(message):
        assert client.get(address).status_code == 403, address
    client.force_login(staff("manager", "manage_selzy"))
    assert client.get(url("selzy_message")).status_code == 403


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_the_login(client: Client, message: Message) -> None:
    response = client.get(url("selzy_message"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.django_db
def test_forms_carry_csrf_tokens(web: Client, message: Message) -> None:
    for address in [url("selzy_message"), url("selzy_sender"), url("selzy_import_new")]:
        assert "csrfmiddlewaretoken" in text(web.get(address)), address


@pytest.mark.django_db
def test_missing_setup_steps_redirect_with_a_reason(web: Client, connected: Connection) -> None:
    response = web.get(url("selzy_message"), follow=True)
    assert response.redirect_chain[0][0] == url("selzy_list")
    Connection.objects.all().delete()
    response = web.get(url("selzy_import_new"))
    assert response["Location"] == url("selzy_connect")


# --------------------------------------------------------------------------- sender


@pytest.mark.django_db
def test_validate_sender_then_confirm_it(
    web: Client, ready: Connection, emulator: Emulator
) -> None:
    response = web.post(url("selzy_sender"), {"email": "owner@shop.example"}, follow=True)
    assert SENDER_LETTER_SENT in text(response)
    assert 'data-email="owner@shop.example" data-confirmed="no"' in text(response)
    (letter,) = emulator.outbox(to="owner@shop.example")
    assert letter.kind == "sender_confirmation"
    emulator.confirm(letter.links[0][1])
    page = text(web.get(url("selzy_sender")))
    assert 'data-email="owner@shop.example" data-confirmed="yes"' in page
    assert '<option value="owner@shop.example"' in text(web.get(url("selzy_message")))


@pytest.mark.django_db
def test_validate_sender_shows_selzy_refusal(
    web: Client, ready: Connection, emulator: Emulator
) -> None:
    response = web.post(url("selzy_sender"), {"email": "someone@gmail.com"})
    assert response.status_code == 200
    assert "DMARC" in text(response)
    assert SENDER_LETTER_SENT not in text(response)
    assert emulator.outbox() == []


# --------------------------------------------------------------------------- message


def message_form(**changes: Any) -> dict[str, Any]:
    return {
        "sender_email": "news@example.com",
        "sender_name": "Shop",
        "subject": "Winter sale",
        "body": "<p>Hello</p>",
        **changes,
    }


@pytest.mark.django_db
def test_message_with_an_unconfirmed_sender_is_refused(
    web: Client, ready: Connection, emulator: Emulator
) -> None:
    web.post(url("selzy_sender"), {"email": "new@shop.example"})
    response = web.post(url("selzy_message"), message_form(sender_email="new@shop.example"))
    assert response.status_code == 200
    assert "new@shop.example is not a confirmed sender address" in text(response)
    assert not Message.objects.exists()
    assert remote(emulator)["messages"] == []


@pytest.mark.django_db
def test_an_attachment_over_500_kb_is_refused_by_name(
    web: Client, ready: Connection, emulator: Emulator
) -> None:
    big = SimpleUploadedFile("price-list.pdf", b"x" * 600 * 1024)
    small = SimpleUploadedFile("note.txt", b"hello")
    response = web.post(url("selzy_message"), message_form(attachments=[small, big]))
    assert response.status_code == 200
    page = text(response)
    assert "price-list.pdf" in page
    assert "600 KB" in page
    assert "the maximum attachment size is 500 KB" in page
    assert not Message.objects.exists()
    assert remote(emulator)["messages"] == []


@pytest.mark.django_db
def test_a_good_message_is_created_and_kept(
    web: Client, ready: Connection, emulator: Emulator, user: User
) -> None:
    note = SimpleUploadedFile("note.txt", b"hello there")
    response = web.post(url("selzy_message"), message_form(attachments=[note]))
    message = Message.objects.get()
    assert response["Location"] == url("selzy_message_detail", message.pk)
    (created,) = remote(emulator)["messages"]
    assert message.message_id == created["id"]
    assert created["list_id"] == ready.list_id
    assert created["attachments"] == {"note.txt": 11}
    assert message.attachments == [{"name": "note.txt", "size": 11}]
    assert message.created_by == user
    page = text(web.get(response["Location"]))
    assert "note.txt" in page
    assert 'value="owner@shop.example"' in page  # the test email goes to the user by default
    assert url("selzy_campaign_new", message.pk) in page


@pytest.mark.django_db
def test_selzy_refusing_the_message_is_a_form_error(
    web: Client, ready: Connection, emulator: Emulator
) -> None:
    emulator.inject_fault(
        "error", "createEmailMessage", code="invalid_arg", message="body: too odd", times=1
    )
    response = web.post(url("selzy_message"), message_form())
    assert response.status_code == 200
    assert "Selzy refused the request: body: too odd." in text(response)
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_test_email_goes_to_the_addresses(
    web: Client, message: Message, emulator: Emulator
) -> None:
    detail = url("selzy_message_detail", message.pk)
    response = web.post(detail, {"test_emails": "ann@shop.example, bob@shop.example"}, follow=True)
    assert "A test email has been sent to ann@shop.example, bob@shop.example." in text(response)
    assert {letter.to for letter in emulator.outbox() if letter.kind == "test"} == {
        "ann@shop.example",
        "bob@shop.example",
    }
    message.refresh_from_db()
    assert message.test_sent_at is not None
    response = web.post(detail, {"test_emails": "not-an-address"})
    assert "Not an email address: not-an-address" in text(response)


# --------------------------------------------------------------------------- campaign


def campaign_form(**changes: Any) -> dict[str, Any]:
    return {"send_mode": "now", "timezone": "UTC", "segment": "", **changes}


@pytest.mark.django_db(transaction=True)
def test_send_now_imports_then_creates_with_tracking(
    web: Client, message: Message, leads: list[Any], emulator: Emulator
) -> None:
    response = web.post(url("selzy_campaign_new", message.pk), campaign_form())
    campaign = Campaign.objects.get()
    assert response["Location"] == url("selzy_campaign", campaign.pk)
    assert campaign.stage == Campaign.Stage.CREATED, campaign.error
    assert campaign.import_run is not None
    assert campaign.import_run.status == ImportRun.Status.COMPLETED
    (created,) = remote(emulator)["campaigns"]
    assert created["id"] == campaign.campaign_id
    assert created["track_read"]
    assert created["track_links"]
    page = text(web.get(response["Location"]))
    assert CAMPAIGN_SENT in page
    assert IMPORT_DONE in page
    assert 'id="stat-total"' in page  # the first view read the statistics


@pytest.mark.django_db(transaction=True)
def test_scheduled_campaign_is_stored_in_utc(
    web: Client, message: Message, leads: list[Any], emulator: Emulator
) -> None:
    zone = zoneinfo.ZoneInfo("America/New_York")
    day = (timezone.now().astimezone(zone) + dt.timedelta(days=3)).date()
    form = campaign_form(
        send_mode="schedule", date=day.isoformat(), time="10:30", timezone="America/New_York"
    )
    response = web.post(url("selzy_campaign_new", message.pk), form, follow=True)
    assert CAMPAIGN_SCHEDULED in text(response)
    assert f"Scheduled for {day.isoformat()} 10:30 (America/New_York)" in text(response)
    campaign = Campaign.objects.get()
    expected = dt.datetime.combine(day, dt.time(10, 30), zone).astimezone(dt.UTC)
    assert campaign.start_time == expected
    assert campaign.start_time.utcoffset() == dt.timedelta(0)
    assert campaign.timezone == "America/New_York"
    assert not campaign.send_now
    (created,) = remote(emulator)["campaigns"]
    assert created["start_time"] == expected.strftime("%Y-%m-%d %H:%M:%S")
    assert created["status"] == "scheduled"


@pytest.mark.parametrize(
    ("days", "error"),
    [(101, "at most 100 days ahead"), (-1, "is in the past")],
)
@pytest.mark.django_db
def test_schedule_outside_the_window_is_refused(
    web: Client, message: Message, emulator: Emulator, days: int, error: str
) -> None:
    when = timezone.now() + dt.timedelta(days=days)
    form = campaign_form(
        send_mode="schedule", date=when.date().isoformat(), time=when.strftime("%H:%M")
    )
    response = web.post(url("selzy_campaign_new", message.pk), form)
    assert response.status_code == 200
    assert error in text(response)
    assert not Campaign.objects.exists()
    assert not ImportRun.objects.exists()
    assert remote(emulator)["campaigns"] == []


@pytest.mark.django_db
def test_a_second_click_while_launching_creates_nothing(web: Client, message: Message) -> None:
    pending = Campaign.objects.create(message=message)
    response = web.post(url("selzy_campaign_new", message.pk), campaign_form())
    assert response["Location"] == url("selzy_campaign", pending.pk)
    assert Campaign.objects.count() == 1
    assert not ImportRun.objects.exists()


@pytest.mark.django_db
def test_schedule_needs_a_date_and_time(web: Client, message: Message) -> None:
    response = web.post(url("selzy_campaign_new", message.pk), campaign_form(send_mode="schedule"))
    assert "Choose the day to send the campaign on." in text(response)
    assert not Campaign.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_segment_campaign_sends_a_signed_contacts_url(
    web: Client, message: Message, leads: list[Any], emulator: Emulator, fetched: list[str]
) -> None:
    web.post(url("selzy_campaign_new", message.pk), campaign_form(segment="vip"))
    campaign = Campaign.objects.get()
    assert campaign.stage == Campaign.Stage.CREATED, campaign.error
    (contacts_url,) = fetched
    assert contacts_url.startswith("http://testserver/selzy/segment/")
    vip = [lead for lead in leads if lead.consent and lead.score >= 80 and "@@" not in lead.email]
    (created,) = remote(emulator)["campaigns"]
    assert created["stats"]["total"] == len(vip) > 0
    page = text(web.get(url("selzy_campaign", campaign.pk)))
    assert "VIP leads" in page


@pytest.mark.django_db
def test_segment_file_serves_addresses_and_refuses_bad_tokens(
    client: Client, ready: Connection, leads: list[Any]
) -> None:
    path = urlsplit(jobs.segment_url("leads", "vip", "http://testserver")).path
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    lines = b"".join(response.streaming_content).decode().split("\n")
    expected = [lead.email for lead in leads if lead.consent and lead.score >= 80]
    assert lines == [*expected, ""]
    assert client.get(url("selzy_segment_contacts", "made-up")).status_code == 404
    tampered = path.replace("/contacts.txt", "X/contacts.txt")
    assert client.get(tampered).status_code == 404
    with override_settings(SELZY={**SELZY, "SEGMENT_URL_MAX_AGE": -1}):
        expired = client.get(path)
    assert expired.status_code == 410
    assert expired.content == b""


@pytest.mark.django_db(transaction=True)
def test_refresh_shows_selzy_statistics_and_keeps_history(
    web: Client, message: Message, leads: list[Any], emulator: Emulator
) -> None:
    web.post(url("selzy_campaign_new", message.pk), campaign_form())
    campaign = Campaign.objects.get()
    page_url = url("selzy_campaign", campaign.pk)
    web.get(page_url)  # the first view reads the statistics once
    emulator.advance(days=2)
    page = text(web.post(page_url, {"action": "refresh"}, follow=True))
    with client_for(emulator, ACCOUNT_KEY) as selzy:
        stats = selzy.get_campaign_common_stats(campaign_id=int(campaign.campaign_id or 0))
    shown = dict(re.findall(r'id="stat-(\w+)">(\d+)<', page))
    assert {name: int(value) for name, value in shown.items()} == {
        name: getattr(stats, name)
        for name in (
            "total",
            "sent",
            "delivered",
            "read_unique",
            "read_all",
            "clicked_unique",
            "clicked_all",
            "unsubscribed",
            "spam",
        )
    }
    assert stats.delivered > 0
    assert CampaignStats.objects.filter(campaign=campaign).count() == 2
    assert 'id="selzy-chart"' in page
    assert "completed" in page
    history = web.get(url("selzy_campaign_stats", campaign.pk)).json()["history"]
    assert [point["status"] for point in history] == ["waits_schedule", "completed"]
    assert history[-1]["delivered"] == stats.delivered


@pytest.mark.django_db(transaction=True)
def test_a_failed_launch_can_be_retried_once(
    web: Client, message: Message, leads: list[Any], emulator: Emulator
) -> None:
    emulator.inject_fault(
        "error", "createCampaign", code="invalid_arg", message="not today", times=1
    )
    web.post(url("selzy_campaign_new", message.pk), campaign_form())
    campaign = Campaign.objects.get()
    assert campaign.stage == Campaign.Stage.FAILED
    page_url = url("selzy_campaign", campaign.pk)
    page = text(web.get(page_url))
    assert "not today" in page
    assert "Try again" in page
    web.post(page_url, {"action": "retry"})
    web.post(page_url, {"action": "retry"})  # a second click changes nothing
    campaign.refresh_from_db()
    assert campaign.stage == Campaign.Stage.CREATED
    assert len(remote(emulator)["campaigns"]) == 1
    assert Campaign.objects.count() == 1


TRY_AGAIN = "Try again"


def sent(web: Client, message: Message, total: int | None = 2573) -> Campaign:
    """Send the message once; with ``total``, as if the statistics had been read since."""
    web.post(url("selzy_campaign_new", message.pk), campaign_form())
    campaign = Campaign.objects.get(message=message)
    assert campaign.stage == Campaign.Stage.CREATED, campaign.error
    if total is not None:
        CampaignStats.objects.create(
            campaign=campaign, taken_at=timezone.now(), status="completed", total=total
        )
    return campaign


def html_text(page: str) -> str:
    """The page's words: tags out, entities read, runs of space as one."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


# --------------------------------------------------------------------------- a campaign, once


@pytest.mark.django_db(transaction=True)
def test_two_posts_at_once_make_one_campaign(
    user: User, message: Message, emulator: Emulator
) -> None:
    # Each request's INSERT of its campaign waits until the other request reaches its own (or
    # two seconds pass): a check-then-act launch gets both in; a locked one, one.
    both_inserting = threading.Barrier(2)

    def hold(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith('INSERT INTO "selzy_campaign" '):
            # Broken after the timeout: the other request waits for this one's lock.
            with contextlib.suppress(threading.BrokenBarrierError):
                both_inserting.wait(timeout=2)
        return execute(sql, params, many, context)

    responses: list[Any] = []

    def post() -> None:
        browser = Client()
        browser.force_login(user)
        try:
            with connection.execute_wrapper(hold):
                responses.append(
                    browser.post(url("selzy_campaign_new", message.pk), campaign_form())
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    (campaign,) = Campaign.objects.all()
    assert len(responses) == 2
    assert len(remote(emulator)["campaigns"]) == 1
    assert campaign.stage == Campaign.Stage.CREATED, campaign.error
    for response in responses:  # the campaign's page, or the form asking to confirm a re-send
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert response["Location"] == url("selzy_campaign", campaign.pk)
        else:
            assert "already went out on" in text(response)


@pytest.mark.django_db(transaction=True)
def test_a_repeated_post_asks_to_confirm_naming_when_and_to_how_many(
    web: Client, message: Message, emulator: Emulator
) -> None:
    first = sent(web, message)
    response = web.post(url("selzy_campaign_new", message.pk), campaign_form())
    assert response.status_code == 200
    when = timezone.localtime(first.launched_at).strftime("%Y-%m-%d %H:%M")
    expected = (
        f"This message already went out on {when} (UTC) to 2,573 contacts (Selzy campaign "
        f"{first.campaign_id}). To send it again, confirm it below."
    )
    assert expected in html_text(text(response))
    assert 'name="resend_after"' in text(response)
    assert Campaign.objects.count() == 1
    assert len(remote(emulator)["campaigns"]) == 1


@pytest.mark.django_db(transaction=True)
def test_a_confirmed_resend_sends_again_and_a_stale_confirmation_does_not(
    web: Client, message: Message, emulator: Emulator
) -> None:
    first = sent(web, message)
    emulator.advance(hours=2)  # past Selzy's one-hour rule
    page = url("selzy_campaign_new", message.pk)
    response = web.post(page, campaign_form(resend_after=first.pk))
    second = Campaign.objects.exclude(pk=first.pk).get()
    assert response["Location"] == url("selzy_campaign", second.pk)
    assert second.stage == Campaign.Stage.CREATED, second.error
    assert len(remote(emulator)["campaigns"]) == 2
    # The confirmation named the first send: it does not cover a third.
    emulator.advance(hours=2)
    response = web.post(page, campaign_form(resend_after=first.pk))
    assert f"(Selzy campaign {second.campaign_id})" in text(response)
    assert "to an unknown number of contacts" in text(response)  # no statistics read yet
    assert Campaign.objects.count() == 2
    assert len(remote(emulator)["campaigns"]) == 2


@pytest.mark.django_db(transaction=True)
def test_the_message_page_offers_only_the_confirmed_resend_once_sent(
    web: Client, message: Message
) -> None:
    page = url("selzy_message_detail", message.pk)
    assert 'id="selzy-send-campaign"' in text(web.get(page))
    sent(web, message)
    after = text(web.get(page))
    assert "Send campaign" not in after
    assert 'id="selzy-send-again"' in after
    assert "already went out on" in after
    assert "to 2,573 contacts" in after
    form = text(web.get(url("selzy_campaign_new", message.pk)))
    assert 'id="selzy-resend-confirm"' in form
    assert "Send campaign" not in form


@pytest.mark.django_db
def test_the_message_page_follows_a_launch_in_flight(web: Client, message: Message) -> None:
    pending = Campaign.objects.create(message=message)
    page = text(web.get(url("selzy_message_detail", message.pk)))
    assert url("selzy_campaign", pending.pk) in page
    assert "Send campaign" not in page


# --------------------------------------------------------------------------- Selzy's refusal


@pytest.mark.django_db(transaction=True)
def test_selzy_refusing_an_already_sent_message_offers_no_try_again(
    web: Client, message: Message, emulator: Emulator
) -> None:
    with client_for(emulator, ACCOUNT_KEY) as selzy:  # sent from elsewhere (Selzy's own screens)
        selzy.create_campaign(message_id=message.message_id)
    web.post(url("selzy_campaign_new", message.pk), campaign_form())
    campaign = Campaign.objects.get()
    assert campaign.stage == Campaign.Stage.ALREADY_SENT
    page_url = url("selzy_campaign", campaign.pk)
    page = text(web.get(page_url))
    assert "Selzy refused: this message was already sent" in page
    assert "the same message cannot be sent twice within one hour" in page
    assert TRY_AGAIN not in page
    emulator.advance(hours=2)  # the hour passed: a retry would really send it again
    web.post(page_url, {"action": "retry"})
    campaign.refresh_from_db()
    assert campaign.stage == Campaign.Stage.ALREADY_SENT
    assert len(remote(emulator)["campaigns"]) == 1
    message_page = text(web.get(url("selzy_message_detail", message.pk)))
    assert "Send campaign" not in message_page
    assert "had already been sent" in message_page


# --------------------------------------------------------------------------- lost answers


@pytest.mark.django_db(transaction=True)
def test_a_lost_answer_after_selzy_acted_adopts_its_campaign(
    web: Client, message: Message, emulator: Emulator
) -> None:
    emulator.inject_fault("drop", "createCampaign", after=True, times=1)
    web.post(url("selzy_campaign_new", message.pk), campaign_form())
    campaign = Campaign.objects.get()
    (created,) = remote(emulator)["campaigns"]
    assert campaign.stage == Campaign.Stage.CREATED, campaign.error
    assert campaign.campaign_id == created["id"]
    page_url = url("selzy_campaign", campaign.pk)
    page = text(web.get(page_url))
    assert CAMPAIGN_SENT in page
    assert TRY_AGAIN not in page
    emulator.advance(hours=1, minutes=5)
    web.post(page_url, {"action": "retry"})
    assert len(remote(emulator)["campaigns"]) == 1
    assert Campaign.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_lost_answer_before_selzy_acted_offers_try_again(
    web: Client, message: Message, emulator: Emulator
) -> None:
    emulator.inject_fault("drop", "createCampaign", times=1)
    web.post(url("selzy_campaign_new", message.pk), campaign_form())
    campaign = Campaign.objects.get()
    assert campaign.stage == Campaign.Stage.FAILED
    assert remote(emulator)["campaigns"] == []
    page_url = url("selzy_campaign", campaign.pk)
    page = html_text(text(web.get(page_url)))
    assert "Selzy's answer to createCampaign was lost" in page
    assert "Selzy lists no campaign of this message created since" in page
    assert TRY_AGAIN in page
    web.post(page_url, {"action": "retry"})
    campaign.refresh_from_db()
    assert campaign.stage == Campaign.Stage.CREATED, campaign.error
    assert len(remote(emulator)["campaigns"]) == 1


@pytest.mark.django_db(transaction=True)
def test_a_lost_answer_selzy_cannot_confirm_waits_for_a_check(
    web: Client, message: Message, emulator: Emulator
) -> None:
    emulator.inject_fault("drop", "createCampaign", after=True, times=1)
    emulator.inject_fault("error", "getCampaigns", code="unspecified", times=1)
    new = url("selzy_campaign_new", message.pk)
    web.post(new, campaign_form())
    campaign = Campaign.objects.get()
    assert campaign.stage == Campaign.Stage.UNCONFIRMED
    page_url = url("selzy_campaign", campaign.pk)
    page = text(web.get(page_url))
    assert "Check with Selzy" in page
    assert TRY_AGAIN not in page
    web.post(page_url, {"action": "retry"})  # not offered, and not done
    assert web.post(new, campaign_form())["Location"] == page_url  # still in flight
    assert Campaign.objects.count() == 1
    web.post(page_url, {"action": "check"})
    campaign.refresh_from_db()
    (created,) = remote(emulator)["campaigns"]
    assert (campaign.stage, campaign.campaign_id) == (Campaign.Stage.CREATED, created["id"])


@pytest.mark.django_db(transaction=True)
def test_a_launch_job_run_again_after_dying_mid_call_asks_selzy(
    message: Message, emulator: Emulator
) -> None:
    # The first run stamped the launch and sent createCampaign, then its worker died.
    campaign = Campaign.objects.create(message=message, launched_at=timezone.now())
    with client_for(emulator, ACCOUNT_KEY) as selzy:
        created = selzy.create_campaign(message_id=message.message_id)
    jobs.launch_campaign_job(campaign.pk)
    campaign.refresh_from_db()
    assert (campaign.stage, campaign.campaign_id) == (Campaign.Stage.CREATED, created.campaign_id)
    assert len(remote(emulator)["campaigns"]) == 1


# --------------------------------------------------------------------------- the migration


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_first_of_launches_doubled_before_it() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("selzy", "0004_one_engine")])
    old = executor.loader.project_state([("selzy", "0004_one_engine")]).apps
    old_message = old.get_model("selzy", "Message").objects.create(
        message_id=1,
        list_id=1,
        sender_name="S",
        sender_email="s@example.com",
        subject="S",
        body="b",
    )
    old_campaigns = old.get_model("selzy", "Campaign").objects
    first, second = (old_campaigns.create(message=old_message) for _ in range(2))
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("selzy"))
    assert Campaign.objects.get(pk=first.pk).stage == Campaign.Stage.IMPORTING
    doubled = Campaign.objects.get(pk=second.pk)
    assert doubled.stage == Campaign.Stage.FAILED
    assert f"campaign #{first.pk} of the same message" in doubled.error


# --------------------------------------------------------------------------- imports


@pytest.mark.django_db(transaction=True)
def test_import_lists_totals_and_every_rejected_row(
    web: Client, ready: Connection, leads: list[Any], user: User
) -> None:
    response = web.post(url("selzy_import_new"))
    run = ImportRun.objects.get()
    assert response["Location"] == url("selzy_import", run.pk)
    assert run.created_by == user
    page = text(web.get(response["Location"]))
    assert IMPORT_DONE in page
    broken = [lead for lead in leads if lead.consent and "@@" in lead.email]
    assert broken
    for lead in broken:
        assert f'data-source-id="{lead.pk}"' in page
    assert page.count('data-source-id="') == run.rejections.count()
    reasons = set(run.rejections.values_list("reason", flat=True))
    assert all(html.escape(reason) in page for reason in reasons)
    status = web.get(url("selzy_import_status", run.pk)).json()
    assert status["status"] == "completed"
    assert status["finished"] is True
    assert status["percent"] == 100
    assert status["position"] == status["expected"] == run.expected
    assert status["totals"]["total"] == run.summary.total


def sync_crm_export(web: Client, **settings: Any) -> tuple[ImportRun, str]:
    """Leads as a CRM holds them (national phones, a malformed one, two sharing an email),
    synced with the phone mapped and the ``SELZY`` settings given."""
    from tests.contrib_django.crm.models import Lead

    Lead.objects.bulk_create(
        [
            Lead(email="ivan@crm.example", name="Иван 🎉", phone="8 (912) 345-67-89"),
            Lead(email="olga@crm.example", name="Ольга", phone="12"),
            Lead(email="", name="Пётр", phone="12"),
            Lead(email="dup@crm.example", name="Old", phone="8 912"),
            Lead(email="dup@crm.example", name="New", phone=""),
        ]
    )
    MappedField.objects.create(
        source="leads", source_field="phone", selzy_field="phone", selzy_type="string"
    )
    with override_settings(SELZY={**SELZY, **settings}):
        response = web.post(url("selzy_import_new"))
        page = text(web.get(response["Location"]))
    return ImportRun.objects.get(), page


@pytest.mark.django_db(transaction=True)
def test_a_bad_value_costs_the_value_and_the_page_lists_it_as_imported_with_a_note(
    web: Client, ready: Connection, emulator: Emulator
) -> None:
    run, page = sync_crm_export(web, PHONE_COUNTRY="RU")
    contacts = {c["email"]: c for c in remote(emulator)["contacts"] if c["email"]}
    assert contacts["ivan@crm.example"]["phone"] == "+79123456789"
    assert set(contacts) == {"ivan@crm.example", "olga@crm.example", "dup@crm.example"}
    rows = {r.source_id: r for r in run.rejections.all()}
    from tests.contrib_django.crm.models import Lead

    leads = {lead.name: str(lead.pk) for lead in Lead.objects.all()}
    assert set(rows) == {leads["Ольга"], leads["Пётр"], leads["Old"]}
    assert (rows[leads["Ольга"]].code, rows[leads["Ольга"]].stage) == ("value_dropped", "local")
    assert rows[leads["Пётр"]].code == "invalid_phone"  # the only address: the lead is refused
    old = rows[leads["Old"]]  # two notes for one record: one row, both reasons
    assert old.code == "value_dropped,duplicate"
    assert f"replaced by record {leads['New']}, which has the same email" in old.reason
    assert run.summary.notes == {"duplicate": 1, "value_dropped": 2}
    assert run.summary.skipped == {"invalid_phone": 1}
    assert page.count("imported, with a note") == 2
    assert "Imported without a value that did not fit its field" in page
    assert "Replaced by a later record with the same address" in page


@pytest.mark.django_db(transaction=True)
def test_strict_values_refuse_the_contact(web: Client, ready: Connection) -> None:
    run, page = sync_crm_export(web, INVALID_VALUES="reject")
    codes = sorted(run.rejections.values_list("code", flat=True))
    assert codes == ["invalid_phone"] * 4  # no country: 8 (912)... is refused too
    assert "imported, with a note" not in page


@pytest.mark.django_db
def test_rejected_rows_are_paginated_100_a_page(web: Client, ready: Connection) -> None:
    run = ImportRun.objects.create(
        source="leads", list_id=1, status=ImportRun.Status.COMPLETED, finished=True
    )
    ImportRejection.objects.bulk_create(
        ImportRejection(
            run=run, source_id=str(i), position=i, stage="selzy", code="invalid", reason="bad"
        )
        for i in range(150)
    )
    first = text(web.get(url("selzy_import", run.pk)))
    second = text(web.get(url("selzy_import", run.pk) + "?page=2"))
    assert first.count('data-source-id="') == 100
    assert second.count('data-source-id="') == 50
    assert 'data-source-id="149"' in second


@pytest.mark.django_db(transaction=True)
def test_rejected_rows_link_to_the_source_record_admin(
    web: Client, connected: Connection, account: SeededAccount
) -> None:
    users = {"users": {"label": "Users", "fields": ["email", "first_name"], "filter": {}}}
    with override_settings(SELZY={**SELZY, "CONTACT_SOURCES": users}):
        connected.list_id = account.list_ids["Customers"]
        connected.source = "users"
        connected.save()
        MappedField.objects.create(
            source="users", source_field="email", selzy_field="email", selzy_type="string"
        )
        broken = User.objects.create_user("broken", email="broken@@shop")
        web.post(url("selzy_import_new"))
        run = ImportRun.objects.get()
        page = text(web.get(url("selzy_import", run.pk)))
    change = reverse("admin:auth_user_change", args=[broken.pk])
    assert f'<a href="{change}">{broken.pk}</a>' in page


def test_the_import_page_shows_rows_selzy_did_not_account_for(
    web: Client, ready: Connection
) -> None:
    totals = {"total": 10, "sent": 10, "inserted": 7, "unaccounted": 3, "batches": 1}
    run = ImportRun.objects.create(
        source="leads",
        list_id=int(ready.list_id or 0),
        status=ImportRun.Status.COMPLETED,
        finished=True,
        totals=totals,
    )
    page = web.get(reverse("admin:selzy_import", args=[run.pk])).content.decode()
    assert re.search(r"Not accounted for by Selzy\s*</[^>]+>\s*<[^>]+>\s*3\b", page), page
