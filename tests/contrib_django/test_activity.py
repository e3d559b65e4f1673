"""Per-contact activity from each campaign's delivery report (async/getCampaignDeliveryStats).

A campaign is played out by the emulator (forced outcomes: ``+read``, ``+click``, ``+noread``,
``+bounce``, ``+unsub``, ``+spam`` in the address), then fetched: every row's kind and the kinds it
implies are kept, each once; bounces, complaints and unsubscriptions reach the ledger and the
lead's own record; a second fetch asks only for what changed since the first.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from selzy import Selzy
from selzy.client import NoRateLimiter
from selzy.contrib.django import activity, jobs
from selzy.contrib.django.activity import (
    OVERLAP,
    fetch_activity,
    fetch_campaign_activity,
)
from selzy.contrib.django.feedback import ENGAGEMENT_CHUNK, record_engagement
from selzy.contrib.django.models import Campaign, Connection, ContactActivity, ContactState, Message
from selzy.contrib.django.signals import contact_bounced, contact_feedback
from selzy.contrib.django.taskfiles import text_lines
from selzy.emulator import Emulator, FrozenClock, SeededAccount, as_httpx_handler
from selzy.integration import Feedback
from selzy.testing import client_for
from tests.contrib_django.crm.models import Lead

from . import emulated
from .conftest import ACCOUNT_KEY
from .settings import SELZY
from .test_sending_screens import django_fetch, make_message
from .test_webhook_events import post, status_event

pytestmark = pytest.mark.django_db

#: The leads of the played-out campaign: what the emulator makes happen to each.
ADDRESSES = {
    "reader": "ann+read@crm.example",
    "clicker": "bob+click@crm.example",
    "ignorer": "cid+noread@crm.example",
    "bounced": "MiXeD+bounce@Example.COM",  # mixed case: the ledger keeps it as sent
    "leaver": "eve+unsub@crm.example",
    "complainer": "fay+spam@crm.example",
    "idn": "Ivan.Petrov+click@Пример.РФ",  # a Cyrillic (IDN) domain: sent IDNA-encoded
}
IDN_SENT = "Ivan.Petrov+click@xn--e1afmkfd.xn--p1ai"


@pytest.fixture(autouse=True)
def emulator() -> Iterator[Emulator]:
    """conftest's emulator on today's clock, downloading segment files from this site."""
    emulator = Emulator(seed=11, clock=FrozenClock(timezone.now()), fetch=django_fetch([]))
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
    """The leads of :data:`ADDRESSES` synced, sent a campaign, and the campaign completed."""
    for name, email in ADDRESSES.items():
        Lead.objects.create(email=email, name=name)
    campaign = send(message, django_capture_on_commit_callbacks)
    emulator.advance(hours=3)
    return campaign


def send(message: Message, capture: Callable[..., Any], segment: str = "") -> Campaign:
    with capture(execute=True):
        campaign, _ = jobs.send_campaign(message, segment=segment, site_url="http://testserver")
    campaign.refresh_from_db()
    assert campaign.stage == Campaign.Stage.CREATED, campaign.error
    return campaign


def kinds_of(email: str, campaign: Campaign) -> dict[str, dt.datetime]:
    rows = ContactActivity.objects.filter(email=email.lower(), campaign_id=campaign.campaign_id)
    return {row.kind: row.happened_at for row in rows}


def second(moment: dt.datetime) -> dt.datetime:
    """A time as the report writes it: to the second."""
    return moment.replace(microsecond=0)


def recipients(emulator: Emulator, campaign: Campaign) -> dict[str, Any]:
    """The emulator's plan for each recipient of the campaign, by lowercased address."""
    for account in emulator.state.accounts.values():
        if campaign.campaign_id in account.campaigns:
            planned = account.campaigns[campaign.campaign_id].recipients
            return {r.email.lower(): r for r in planned}
    raise LookupError(campaign.campaign_id)


def test_every_row_is_kept_with_the_kinds_it_implies(played: Campaign, emulator: Emulator) -> None:
    fetch = fetch_campaign_activity(played.pk, now=emulator.now)
    assert fetch.rows == len(ADDRESSES)
    plan = recipients(emulator, played)
    reader = plan[ADDRESSES["reader"]]
    assert kinds_of(ADDRESSES["reader"], played) == dict.fromkeys(
        ("sent", "delivered", "opened"), second(reader.reads[0])
    )
    clicker = plan[ADDRESSES["clicker"]]
    assert kinds_of(ADDRESSES["clicker"], played) == dict.fromkeys(
        ("sent", "delivered", "opened", "clicked"), second(clicker.clicks[0][0])
    )
    ignorer = plan[ADDRESSES["ignorer"]]
    assert kinds_of(ADDRESSES["ignorer"], played) == dict.fromkeys(
        ("sent", "delivered"), second(ignorer.result_at)
    )
    bounced = plan[ADDRESSES["bounced"].lower()]
    assert kinds_of(ADDRESSES["bounced"], played) == dict.fromkeys(
        ("sent", "hard_bounce"), second(bounced.result_at)
    )
    # An unsubscription or a complaint implies delivery, not an opening (one-click
    # unsubscribe and "report spam" never open the letter).
    leaver = plan[ADDRESSES["leaver"]]
    assert kinds_of(ADDRESSES["leaver"], played) == dict.fromkeys(
        ("sent", "delivered", "unsubscribed"), second(leaver.unsubscribed_at)
    )
    complainer = plan[ADDRESSES["complainer"]]
    assert kinds_of(ADDRESSES["complainer"], played) == dict.fromkeys(
        ("sent", "delivered", "complaint"), second(complainer.spam_at)
    )
    assert set(kinds_of(IDN_SENT, played)) == {"sent", "delivered", "opened", "clicked"}
    assert fetch.engaged == 3 + 4 + 2 + 1 + 2 + 2 + 4
    assert fetch.statuses == 3
    played.refresh_from_db()
    assert played.activity_fetched_at == emulator.now()


# --------------------------------------------------------------------------- the ledger, the lead


def test_bounces_complaints_and_unsubscriptions_reach_the_ledger_and_the_lead(
    played: Campaign, emulator: Emulator
) -> None:
    bounces: list[tuple[str, bool]] = []

    def on_bounce(sender: Any, record_id: str, hard: bool, **kwargs: Any) -> None:
        bounces.append((record_id, hard))

    contact_bounced.connect(on_bounce)
    try:
        fetch_campaign_activity(played.pk, now=emulator.now)
        # The whole report once more (the cursor forgotten): nothing is applied twice.
        Campaign.objects.filter(pk=played.pk).update(activity_fetched_at=None)
        again = fetch_campaign_activity(played.pk, now=emulator.now)
    finally:
        contact_bounced.disconnect(on_bounce)
    assert (again.rows, again.engaged, again.statuses) == (len(ADDRESSES), 0, 0)
    plan = recipients(emulator, played)
    leads = {lead.name: lead for lead in Lead.objects.all()}
    states = {s.source_id: s for s in ContactState.objects.filter(source="leads")}

    bounced = leads["bounced"]
    assert bounced.email_undeliverable
    assert states[str(bounced.pk)].email == "MiXeD+bounce@example.com"  # as it was sent
    assert states[str(bounced.pk)].undeliverable_at == second(
        plan[ADDRESSES["bounced"].lower()].result_at
    )
    assert bounces == [(str(bounced.pk), True)]  # signalled once, for the two fetches

    leaver = leads["leaver"]
    assert not leaver.consent
    assert leaver.consent_withdrawn_at == second(plan[ADDRESSES["leaver"]].unsubscribed_at)
    assert states[str(leaver.pk)].unsubscribed

    complainer = leads["complainer"]
    assert complainer.email_undeliverable
    assert not complainer.consent
    assert states[str(complainer.pk)].complained_at == second(plan[ADDRESSES["complainer"]].spam_at)
    for name in ("reader", "clicker", "ignorer", "idn"):
        assert leads[name].consent, name
        assert not leads[name].email_undeliverable, name
        state = states[str(leads[name].pk)]
        assert not state.unsubscribed, name
        assert state.undeliverable_at is None, name
    assert states[str(leads["idn"].pk)].email == IDN_SENT


# --------------------------------------------------------------------------- incremental


#: Every body of async/getCampaignDeliveryStats the module sent (form fields).
ASKED: list[dict[str, list[str]]] = []
#: Replaces the body of a task file the module downloads, when set.
TASK_FILE: dict[str, bytes] = {}


def recording_factory(**options: Any) -> Selzy:
    """CLIENT_FACTORY: the test's emulator, with the report requests written down."""
    handler = as_httpx_handler(emulated.CURRENT["emulator"])

    def record(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/getCampaignDeliveryStats"):
            ASKED.append(parse_qs(request.content.decode()))
        if "/_emulator/files/" in request.url.path and "body" in TASK_FILE:
            return httpx.Response(200, content=TASK_FILE["body"])
        response: httpx.Response = handler(request)
        return response

    api_key = options.pop("api_key")
    options.pop("rate_limiter", None)
    transport = httpx.MockTransport(record)
    return Selzy(api_key, transport=transport, rate_limiter=NoRateLimiter(), **options)


@pytest.fixture
def asked() -> Iterator[list[dict[str, list[str]]]]:
    ASKED.clear()
    TASK_FILE.clear()
    factory = "tests.contrib_django.test_activity.recording_factory"
    with override_settings(SELZY={**SELZY, "CLIENT_FACTORY": factory}):
        yield ASKED
    TASK_FILE.clear()


def test_a_second_fetch_asks_only_for_what_changed_since_the_first(
    message: Message,
    emulator: Emulator,
    asked: list[dict[str, list[str]]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    for name, email in ADDRESSES.items():
        Lead.objects.create(email=email, name=name)
    campaign = send(message, django_capture_on_commit_callbacks)
    plan = recipients(emulator, campaign)
    clicker = plan[ADDRESSES["clicker"]]
    read_at, click_at = clicker.reads[0], clicker.clicks[0][0]
    assert click_at - read_at > dt.timedelta(seconds=2)  # the seeded plan leaves time between
    # The first fetch while the clicker has opened the letter but not clicked yet.
    emulator.advance((read_at + (click_at - read_at) / 2 - emulator.now()).total_seconds())
    first_at = emulator.now()
    first = fetch_campaign_activity(campaign.pk, now=emulator.now)
    assert first.changed_since is None
    assert "changed_since" not in asked[0]
    assert set(kinds_of(ADDRESSES["clicker"], campaign)) == {"sent", "delivered", "opened"}
    after_first = set(ContactActivity.objects.values_list("email", "kind"))

    emulator.advance(hours=3)
    second_fetch = fetch_campaign_activity(campaign.pk, now=emulator.now)
    since = first_at - OVERLAP
    assert second_fetch.changed_since == since
    assert asked[1]["changed_since"] == [since.strftime("%Y-%m-%d %H:%M:%S")]
    # Only the addresses whose latest status changed since then were in the report.
    final = emulator.now()
    changed = [r for r in plan.values() if r.status_at(final, True, True)[1] >= second(since)]
    assert second_fetch.rows == len(changed) < len(ADDRESSES)
    # Nothing kept twice: the second fetch added exactly what the first had not seen, and the
    # opening it had seen keeps its time while the click gets its own.
    after_second = set(ContactActivity.objects.values_list("email", "kind"))
    assert second_fetch.engaged + second_fetch.statuses == len(after_second - after_first)
    assert kinds_of(ADDRESSES["clicker"], campaign) == {
        "sent": second(read_at),
        "delivered": second(read_at),
        "opened": second(read_at),
        "clicked": second(click_at),
    }
    third = fetch_campaign_activity(campaign.pk, now=emulator.now)
    assert (third.engaged, third.statuses) == (0, 0)
    assert len(asked) == 3


# --------------------------------------------------------------------------- a big campaign


def test_a_big_campaign_is_kept_in_few_queries(
    connected: Connection, account: SeededAccount, emulator: Emulator
) -> None:
    list_id = account.list_ids["Customers"]
    connected.list_id = list_id
    connected.save()
    tags = ("read", "click", "noread")
    emails = [f"r{i}+{tags[i % 3]}@big.example" for i in range(5000)]
    message = make_message(emulator, account, list_id)
    with client_for(emulator, ACCOUNT_KEY) as selzy:
        for start in range(0, len(emails), 500):
            rows = [[email, list_id] for email in emails[start : start + 500]]
            selzy.import_contacts(field_names=["email", "email_list_ids"], data=rows)
        created = selzy.create_campaign(
            message_id=message.message_id, track_read=True, track_links=True
        )
    campaign = Campaign.objects.create(
        message=message, campaign_id=created.campaign_id, stage="created", status="in_progress"
    )
    emulator.advance(hours=3)
    with CaptureQueriesContext(connection) as queries:
        fetch = fetch_campaign_activity(campaign.pk, now=emulator.now)
    assert fetch.rows == 5000
    # Sent and delivered for all, opened for two thirds (+read, +click), clicked for a third.
    expected = 5000 * 2 + 3334 + 1667
    assert fetch.engaged == expected == ContactActivity.objects.count()
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    others = len(queries) - len(inserts)
    # Every INSERT carries many rows (SQLite takes 999 parameters, 142 rows, per statement),
    # and the rest is a handful per chunk of ENGAGEMENT_CHUNK activities, not per recipient.
    assert expected / len(inserts) > 100
    chunks = -(-expected // ENGAGEMENT_CHUNK)
    assert others <= 10 + 3 * chunks < 70


# --------------------------------------------------------------------------- when it is fetched


def test_a_completed_campaign_status_from_the_webhook_fetches_once(
    played: Campaign,
    asked: list[dict[str, list[str]]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    event = status_event("completed", "2026-01-06 10:00:00", campaign_id=played.campaign_id)
    with django_capture_on_commit_callbacks(execute=True):
        assert post(event) == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert post({**event, "retry_count": 1}) == 200  # Selzy's redelivery
    assert len(asked) == 1
    assert asked[0]["campaign_id"] == [str(played.campaign_id)]
    played.refresh_from_db()
    assert played.status == "completed"
    assert played.activity_fetched_at is not None
    assert ContactActivity.objects.filter(campaign_id=played.campaign_id).count() == 21


def test_a_statistics_refresh_fetches_when_due_and_not_again_within_the_hour(
    played: Campaign,
    asked: list[dict[str, list[str]]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    def refresh() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            jobs.refresh_stats(played)

    refresh()  # status completed: sent, never fetched
    assert len(asked) == 1
    played.refresh_from_db()
    fetched_at = played.activity_fetched_at
    assert fetched_at is not None
    refresh()
    assert len(asked) == 1  # fetched a moment ago
    Campaign.objects.filter(pk=played.pk).update(
        activity_fetched_at=fetched_at - activity.FETCH_EVERY - dt.timedelta(seconds=1)
    )
    refresh()
    assert len(asked) == 2
    # A campaign that went out more than FETCH_FOR ago is left alone.
    long_ago = timezone.now() - activity.FETCH_FOR - dt.timedelta(days=1)
    Campaign.objects.filter(pk=played.pk).update(
        launched_at=long_ago, created_at=long_ago, activity_fetched_at=None
    )
    refresh()
    assert len(asked) == 2


def test_due_campaigns_have_gone_out(played: Campaign) -> None:
    Campaign.objects.filter(pk=played.pk).update(status="completed")
    assert list(activity.due()) == [played]
    for status in ("scheduled", "waits_censor", "canceled", ""):
        Campaign.objects.filter(pk=played.pk).update(status=status)
        assert not activity.due().exists(), status
    Campaign.objects.filter(pk=played.pk).update(status="in_progress", campaign_id=None)
    assert not activity.due().exists()


def test_selzy_stats_fetches_every_due_campaign_refreshed_or_not(
    played: Campaign,
    asked: list[dict[str, list[str]]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    def command() -> str:
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("selzy_stats", stdout=out, stderr=io.StringIO())
        return out.getvalue()

    Campaign.objects.filter(pk=played.pk).update(status="completed")  # final: not refreshed
    out = command()
    assert "No campaign to refresh" in out
    assert "Fetching the per-contact activity of 1 campaign." in out
    assert len(asked) == 1
    command()
    assert len(asked) == 1  # fetched within the hour
    # A campaign it refreshes is fetched by its refresh, and not a second time.
    Campaign.objects.filter(pk=played.pk).update(status="in_progress", activity_fetched_at=None)
    assert "Refreshed 1 of 1 campaign." in command()
    assert len(asked) == 2


# --------------------------------------------------------------------------- failures


def test_a_failed_fetch_is_logged_and_keeps_the_cursor(
    played: Campaign,
    emulator: Emulator,
    asked: list[dict[str, list[str]]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    emulator.inject_fault("error", "async/getCampaignDeliveryStats", code="unspecified", times=1)
    with caplog.at_level(logging.ERROR, logger="selzy.django"):
        failed = fetch_activity(played.pk)
    assert "unspecified" in failed.error or "APIError" in failed.error
    assert f"pk {played.pk}" in caplog.text
    played.refresh_from_db()
    assert played.activity_fetched_at is None
    assert not ContactActivity.objects.exists()

    TASK_FILE["body"] = b"id,result\r\n1,ok\r\n"  # not a delivery report
    failed = fetch_activity(played.pk)
    assert "no email, send_result, last_update column" in failed.error
    TASK_FILE["body"] = (
        b"email,send_result,last_update\r\nann+read@crm.example,ok_read,yesterday\r\n"
    )
    failed = fetch_activity(played.pk)
    assert "Line 2: last_update 'yesterday'" in failed.error
    played.refresh_from_db()
    assert played.activity_fetched_at is None
    TASK_FILE.clear()
    assert fetch_activity(played.pk).error == ""


def test_a_campaign_selzy_does_not_know_fails_without_raising(
    connected: Connection, message_row: Message
) -> None:
    campaign = Campaign.objects.create(
        message=message_row, campaign_id=424242, stage="created", status="completed"
    )
    failed = fetch_activity(campaign.pk)
    assert failed.error
    assert fetch_activity(Campaign.objects.create(message=message_row).pk).error == (
        f"ValueError: Campaign {Campaign.objects.latest('pk').pk} has not been created in Selzy"
    )


@pytest.fixture
def message_row(db: Any) -> Message:
    return Message.objects.create(
        message_id=1,
        list_id=1,
        sender_name="S",
        sender_email="s@example.com",
        subject="S",
        body="B",
    )


# --------------------------------------------------------------------------- the bulk path


def engagement(email: str, kind: str, minute: int, campaign_id: int | None = 7) -> Feedback:
    at = dt.datetime(2025, 1, 6, 10, minute, tzinfo=dt.UTC)
    return Feedback(
        kind=kind, email=email, time=at, origin="delivery_stats", campaign_id=campaign_id
    )  # type: ignore[arg-type]


def test_engagement_in_bulk_keeps_the_earliest_time_and_counts_only_what_is_new() -> None:
    items = [
        engagement("Ann@Example.com", "opened", 30),
        engagement("ann@example.com", "opened", 20),  # the same, earlier: it wins
        engagement("ann@example.com", "sent", 10),
        engagement("bob@example.com", "clicked", 40),
    ]
    assert record_engagement(items, chunk_size=2) == 3
    kept = {(a.email, a.kind): a.happened_at.minute for a in ContactActivity.objects.all()}
    assert kept == {("ann@example.com", "opened"): 20, ("ann@example.com", "sent"): 10,
                    ("bob@example.com", "clicked"): 40}  # fmt: skip
    # Heard again, later or not: nothing new, and the first time stays.
    assert record_engagement([engagement("ANN@example.com", "opened", 5)]) == 0
    assert (
        ContactActivity.objects.get(kind="opened", email="ann@example.com").happened_at.minute == 20
    )


@pytest.mark.parametrize(
    ("item", "error"),
    [
        (engagement("a@x.example", "hard_bounce", 1), "'hard_bounce' changes a status"),
        (engagement("a@x.example", "soft_bounce", 1), "'soft_bounce' changes a status"),
        (engagement("a@x.example", "opened", 1, campaign_id=None), "names no campaign"),
    ],
)
def test_the_bulk_path_refuses_what_it_cannot_apply(item: Feedback, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        record_engagement([item])
    assert not ContactActivity.objects.exists()


def test_new_engagement_reaches_the_write_back_rules_and_signals_once(
    connected: Connection,
) -> None:
    lead = Lead.objects.create(email="Reader@Example.com", name="Reader")
    other = Lead.objects.create(email="other@example.com", name="Other")
    for row in (lead, other):  # as a sync left them
        ContactState.objects.update_or_create(
            source="leads", source_id=str(row.pk), defaults={"email": row.email}
        )
    heard: list[tuple[str, str, str]] = []

    def on_feedback(sender: Any, record_id: str, feedback: Feedback, **kwargs: Any) -> None:
        heard.append((record_id, feedback.kind, feedback.email))

    sources = {
        "leads": {**SELZY["CONTACT_SOURCES"]["leads"], "write_back": {"clicked": {"score": 99}}}
    }
    contact_feedback.connect(on_feedback)
    try:
        with override_settings(SELZY={**SELZY, "CONTACT_SOURCES": sources}):
            items = [engagement("reader@example.com", "opened", 1),
                     engagement("reader@example.com", "clicked", 2)]  # fmt: skip
            assert record_engagement(items) == 2
            assert record_engagement(items) == 0
    finally:
        contact_feedback.disconnect(on_feedback)
    assert heard == [(str(lead.pk), "opened", "reader@example.com"),
                     (str(lead.pk), "clicked", "reader@example.com")]  # fmt: skip
    lead.refresh_from_db()
    other.refresh_from_db()
    assert (lead.score, other.score) == (99, 0)


def test_the_task_file_is_read_in_the_lines_csv_wants() -> None:
    # A byte-order mark dropped; Cyrillic and emoji; a line break inside a quoted cell; a lone
    # \r; and U+2028, which str.splitlines() would wrongly cut a line at.
    raw = '\ufeffemail,name\r\nи@пример.рф,Имя 🙂\u2028x\r\nb@x.example,"two\nlines"\rc\n'.encode()
    with text_lines(io.BytesIO(raw)) as text:
        lines = list(text)
    assert lines == [
        "email,name\r\n", "и@пример.рф,Имя 🙂\u2028x\r\n", 'b@x.example,"two\n', 'lines"\r', "c\n",
    ]  # fmt: skip
    with text_lines(io.BytesIO(raw)) as text:
        rows = list(csv.reader(text))
    assert rows[1:] == [["и@пример.рф", "Имя 🙂\u2028x"], ["b@x.example", "two\nlines"], ["c"]]


def test_the_fetched_activity_is_on_the_leads_own_page(
    played: Campaign, emulator: Emulator, client: Any
) -> None:
    fetch_campaign_activity(played.pk, now=emulator.now)
    client.force_login(User.objects.create_superuser("root"))
    idn = Lead.objects.get(name="idn")  # its page finds the address the ledger sent, IDNA-encoded
    html = client.get(reverse("admin:crm_lead_change", args=[idn.pk])).content.decode()
    assert IDN_SENT in html
    assert re.findall(r"<tr><td>[^<]*</td><td>([^<]+)</td>", html) == [
        "Clicked", "Opened", "Delivered", "Sent"
    ]  # fmt: skip
    assert f"“Winter sale” (campaign {played.campaign_id})" in html
    bounced = Lead.objects.get(name="bounced")
    html = client.get(reverse("admin:crm_lead_change", args=[bounced.pk])).content.decode()
    assert "Hard bounce" in html
    assert "err_user_unknown" in html
