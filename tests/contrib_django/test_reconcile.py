"""The reconciliation: what a webhook missed, repaired from an export of the list's statuses;
and the webhook's health (a hook Selzy stopped is re-armed, the overview warns).

Every test drives the module against the emulator: leads synced into its list, a campaign in
which addresses tagged ``+unsub``, ``+bounce`` and ``+spam`` unsubscribe, bounce hard and
complain (the emulator forces those outcomes; the other leads get its seeded random ones), the
clock moved on. ``transaction=True``: the immediate runner runs each job when its transaction
commits, as the thread runner would.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from selzy import Selzy
from selzy.client import NoRateLimiter
from selzy.contrib.django import hooks, jobs, reconcile
from selzy.contrib.django.client import connected_client
from selzy.contrib.django.models import (
    Connection,
    ContactActivity,
    ContactState,
    ImportRun,
    MappedField,
    Reconciliation,
    SourceScan,
    WebhookEvent,
)
from selzy.emulator import Emulator, as_httpx_handler
from selzy.integration import ExportedStatus
from selzy.types import Hook
from tests.contrib_django.crm.models import Customer, Lead, Person

from . import emulated
from .conftest import ACCOUNT_KEY
from .settings import SELZY

pytestmark = pytest.mark.django_db(transaction=True)

#: Leads whose outcome the emulator forces (mixed case, Cyrillic and emoji names); Cy has two
#: records with one address, so one Selzy contact stands for both.
TAGGED = [
    ("Ann+Unsub@CRM.example", "Анна 🙂"),
    ("bob+bounce@crm.example", "Bob"),
    ("cy+spam@crm.example", "Сергей"),
    ("CY+spam@crm.example", "Cy, the same person"),
    ("dora+unsub@crm.example", "Dora 🚀"),
]
PLAIN = 60
HOOK_URL = "http://testserver/selzy/webhook/"

Receiver = Callable[[str, bytes, dict[str, str]], int]


def django_receiver(url: str, body: bytes, headers: dict[str, str]) -> int:
    """Selzy's POST, delivered to this site's webhook view."""
    return Client().post(urlsplit(url).path, body, content_type="application/json").status_code


def failing_receiver(url: str, body: bytes, headers: dict[str, str]) -> int:
    return 503


def fresh_emulator() -> Emulator:
    """A new emulator behind CLIENT_FACTORY with the tests' account: the same seed, the same
    calls, so the same outcomes each time."""
    emulator = Emulator(seed=11)
    emulated.CURRENT["emulator"] = emulator
    emulator.seed_account(ACCOUNT_KEY, lists=("Newsletter", "Customers"), fields={"Name": "string"})
    return emulator


def connect(list_id: int, source: str = "leads") -> None:
    connection = Connection.current()
    connection.set_api_key(ACCOUNT_KEY)
    connection.login = "ID1"
    connection.connected_at = timezone.now()
    connection.list_id = list_id
    connection.list_title = "Customers"
    connection.source = source
    connection.mapping_completed_at = timezone.now()
    connection.save()
    for source_field, selzy_field in (("email", "email"), ("name", "Name")):
        MappedField.objects.create(
            source=source, source_field=source_field, selzy_field=selzy_field, selzy_type="string"
        )


def the_list(emulator: Emulator) -> int:
    (account,) = emulator.state_dump()["accounts"]
    return next(int(lst["id"]) for lst in account["lists"] if lst["title"] == "Customers")


def sync(source: str, list_id: int) -> None:
    run = jobs.start_import(source, list_id)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.COMPLETED, run.error


def send_campaign(list_id: int) -> int:
    """A campaign to the whole list, created by hand in Selzy (the module only reads back)."""
    with connected_client() as client:
        message = client.create_email_message(
            sender_name="CRM",
            sender_email="news@example.com",
            subject="News",
            body='<p>Hi, see <a href="https://crm.example/offer">the offer</a></p>',
            list_id=list_id,
        )
        created = client.create_campaign(
            message_id=message.message_id, track_read=True, track_links=True
        )
    return created.campaign_id


def leads_world(*, receiver: Receiver | None) -> Emulator:
    """Leads synced into the list; with a ``receiver`` the site's hook is registered and
    Selzy's POSTs go to it; then a campaign, played out for a day."""
    emulator = fresh_emulator()
    list_id = the_list(emulator)
    connect(list_id)
    rows = [Lead(email=email, name=name) for email, name in TAGGED]
    rows += [Lead(email=f"lead{i}@crm.example", name=f"Лид {i}") for i in range(PLAIN)]
    Lead.objects.bulk_create(rows)
    sync("leads", list_id)
    if receiver is not None:
        emulator.webhook_sender = receiver
        with connected_client() as client:
            hooks.register_hook(client, HOOK_URL)
    send_campaign(list_id)
    emulator.advance(days=1)
    return emulator


def snapshot() -> list[tuple[Any, ...]]:
    """Every lead's record and ledger state, by address (record ids differ between worlds)."""
    states = {s.source_id: s for s in ContactState.objects.filter(source="leads")}
    rows = []
    for lead in Lead.objects.all():
        state = states[str(lead.pk)]
        rows.append(
            (
                lead.email.lower(),
                lead.name,
                lead.consent,
                lead.email_undeliverable,
                state.unsubscribed,
                state.undeliverable_at is not None,
                state.complained_at is not None,
            )
        )
    return sorted(rows)


def wipe() -> None:
    for model in (
        Lead,
        ContactState,
        ContactActivity,
        WebhookEvent,
        Reconciliation,
        ImportRun,
        MappedField,
        Connection,
        SourceScan,
    ):
        model._default_manager.all().delete()


def reconciled() -> Reconciliation:
    reconciliation, created = reconcile.start()
    assert created
    reconciliation.refresh_from_db()
    return reconciliation


def distinct(rows: list[tuple[Any, ...]], column: int) -> int:
    return len({row[0] for row in rows if row[column]})


def test_without_webhooks_the_reconciliation_alone_brings_the_same_state() -> None:
    """The issue's "done when": two identical worlds, one whose webhooks arrive and one without
    a hook; after the same campaign, the reconciliation alone gives the second the first's
    records (consent, email_undeliverable) and ledger (unsubscribed, undeliverable,
    complained). Soft bounces are not compared: the export does not carry them."""
    leads_world(receiver=django_receiver)
    assert WebhookEvent.objects.filter(kind="email_status").exists()
    by_webhooks = snapshot()
    # The webhooks told everything: a reconciliation afterwards finds nothing to repair.
    after = reconciled()
    assert after.status == Reconciliation.Status.COMPLETED, after.error
    assert after.rows == PLAIN + len(TAGGED) - 1  # Cy's two records are one contact
    assert sum(after.repaired.values()) == 0
    assert snapshot() == by_webhooks

    wipe()
    leads_world(receiver=None)
    assert not WebhookEvent.objects.exists()
    before = snapshot()
    assert not any(row[4] or row[5] or row[6] for row in before)  # nothing known yet
    alone = reconciled()
    assert alone.status == Reconciliation.Status.COMPLETED, alone.error
    assert snapshot() == by_webhooks

    # What the forced outcomes did, so the comparison is not between two unchanged worlds.
    state = {row[0]: row[2:] for row in by_webhooks}
    assert state["ann+unsub@crm.example"] == (False, False, True, False, False)
    assert state["dora+unsub@crm.example"] == (False, False, True, False, False)
    assert state["bob+bounce@crm.example"] == (True, True, False, True, False)
    assert state["cy+spam@crm.example"] == (False, True, False, False, True)
    assert sum(1 for row in by_webhooks if row[0] == "cy+spam@crm.example") == 2
    # Repairs are counted by address, as Selzy has one contact per address.
    assert alone.repaired == {
        kind: count
        for kind, count in (
            ("unsubscribed", distinct(by_webhooks, 4)),
            ("hard_bounce", distinct(by_webhooks, 5)),
            ("complaint", distinct(by_webhooks, 6)),
        )
        if count
    }
    assert set(ContactActivity.objects.values_list("origin", flat=True)) == {"reconciliation"}


def test_a_stopped_hook_is_rearmed_and_the_overview_warns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    emulator = leads_world(receiver=failing_receiver)
    emulator.advance(hours=25)  # Selzy retries every 10 minutes for 24 hours, then stops
    (account,) = emulator.state_dump()["accounts"]
    assert [(h["url"], h["status"]) for h in account["hooks"]] == [(HOOK_URL, "stopped")]
    assert not WebhookEvent.objects.exists()

    with caplog.at_level(logging.WARNING, logger="selzy.django"):
        reconciliation = reconciled()
    assert reconciliation.status == Reconciliation.Status.COMPLETED
    connection = Connection.current()
    assert (connection.hook_url, connection.hook_status) == (HOOK_URL, "stopped")
    assert connection.hook_rearmed_at is not None
    assert connection.hook_rearmed_at >= (connection.hook_checked_at or timezone.now())
    (account,) = emulator.state_dump()["accounts"]
    (hook,) = account["hooks"]
    assert hook["status"] == "active"
    assert hook["events"] == ["campaign_status", "email_status", "subscribe", "unsubscribe"]
    assert "Selzy had stopped the webhook http://testserver/selzy/webhook/" in caplog.text
    # What the stopped hook did not bring, the same job repaired.
    ann = Lead.objects.get(email="Ann+Unsub@CRM.example")
    assert ann.consent is False
    assert ann.consent_withdrawn_at is not None

    page = overview()
    assert 'id="selzy-hook-warning"' in page
    assert "Selzy had stopped this site&#x27;s webhook" in page
    assert "The module re-armed it on" in page
    assert "repaired (unsubscribed" in page

    # Re-armed, the hook delivers again; the next check finds it active: no warning.
    emulator.webhook_sender = django_receiver
    assert sum(reconciled().repaired.values()) == 0

    assert Connection.current().hook_status == "active"
    page = overview()
    assert 'id="selzy-hook-warning"' not in page
    assert "Webhook <code>http://testserver/selzy/webhook/</code>: active" in page


def test_a_hook_found_missing_is_reported_and_no_hook_is_made(
    caplog: pytest.LogCaptureFixture,
) -> None:
    emulator = leads_world(receiver=None)
    with caplog.at_level(logging.INFO, logger="selzy.django"):
        reconciled()
    assert Connection.current().hook_status == hooks.MISSING
    (account,) = emulator.state_dump()["accounts"]
    assert account["hooks"] == []  # registering needs the owner: the overview asks for it
    assert "Selzy had no webhook for this site" in overview()
    # Never registered: a choice, said at INFO. Registered, then gone: a warning.
    (missing,) = [r for r in caplog.records if "no webhook" in r.getMessage()]
    assert missing.levelno == logging.INFO
    with connected_client() as client:
        hooks.register_hook(client, HOOK_URL)
        client.remove_hook(hook_url=HOOK_URL)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="selzy.django"):
        reconciled()
    (missing,) = [r for r in caplog.records if "no webhook" in r.getMessage()]
    assert missing.levelno == logging.WARNING
    assert HOOK_URL in missing.getMessage()


def test_this_sites_hook_is_told_from_the_accounts_others() -> None:
    """Another application's hook on the same account is not ours to re-arm; without SITE_URL
    and without a URL kept from the button, ours is the one at the module's webhook path."""
    emulator = leads_world(receiver=None)
    with connected_client() as client:
        for url in ("https://erp.example/hooks/selzy", "https://crm.example/selzy/webhook/"):
            client.set_hook(hook_url=url, events=["unsubscribe"], status="disabled")
    with override_settings(SELZY={**SELZY, "SITE_URL": None}):
        reconciled()
    connection = Connection.current()
    assert (connection.hook_url, connection.hook_status) == (
        "https://crm.example/selzy/webhook/",
        "disabled",
    )
    (account,) = emulator.state_dump()["accounts"]
    assert {h["url"]: h["status"] for h in account["hooks"]} == {
        "https://erp.example/hooks/selzy": "disabled",
        "https://crm.example/selzy/webhook/": "active",
    }


def test_a_hook_listed_under_url_is_found_too() -> None:
    """listHooks' shape is not documented: a hook listed with "url" instead of "hook_url"."""
    listed = Hook(status="stopped", extra={"url": HOOK_URL})
    assert hooks._url_of(listed) == HOOK_URL
    assert hooks._url_of(Hook(hook_url=HOOK_URL)) == HOOK_URL


def test_check_now_starts_a_reconciliation_for_managers_only() -> None:
    leads_world(receiver=None)
    sender = staff("sender", "send_selzy_campaigns")
    url = reverse("admin:selzy_reconcile")
    assert sender.post(url).status_code == 403
    assert not Reconciliation.objects.exists()
    manager = staff("manager", "manage_selzy", "send_selzy_campaigns")
    response = manager.post(url, follow=True)
    assert "The reconciliation has started" in response.content.decode()
    (reconciliation,) = Reconciliation.objects.all()
    assert reconciliation.status == Reconciliation.Status.COMPLETED
    assert manager.get(url).status_code == 405
    page = response.content.decode()
    assert 'id="selzy-reconciliation-summary"' in page
    assert f"{reconciliation.rows} contacts read" in page
    assert "Once a day, the list's statuses are exported" in page
    with override_settings(SELZY={**SELZY, "RECONCILE_EVERY": 0}):
        assert "When started here (Check now) or by manage.py selzy_reconcile, " in overview()
    with override_settings(SELZY={**SELZY, "RECONCILE_EVERY": 6 * 3600}):
        assert "Every 6 hours, " in overview()


# --- failures: recorded, never raised ------------------------------------------------------


def test_a_refused_export_is_recorded_and_the_scan_goes_on() -> None:
    emulator = leads_world(receiver=None)
    emulator.inject_fault(
        "error", "async/exportContacts", code="access_denied", message="export is off", times=1
    )
    jobs.scan_changes()  # due: none has run yet; the failure stays on the row
    (reconciliation,) = Reconciliation.objects.all()
    assert reconciliation.status == Reconciliation.Status.FAILED
    assert reconciliation.error == "async/exportContacts: export is off (code: access_denied)"
    assert reconciliation.finished_at is not None
    assert "Failed: async/exportContacts: export is off" in overview()
    assert ACCOUNT_KEY not in reconciliation.error


def test_an_export_that_takes_too_long_is_recorded_with_its_task() -> None:
    emulator = leads_world(receiver=None)
    emulator.task_seconds = 600
    reconciliation = Reconciliation.objects.create(list_id=the_list(emulator))
    with connected_client() as client:
        reconcile.run_reconciliation(reconciliation, client, poll_interval=1.0, timeout=0)
    reconciliation.refresh_from_db()
    assert reconciliation.status == Reconciliation.Status.FAILED
    assert reconciliation.task_uuid
    assert f"Async task {reconciliation.task_uuid} is still 'processing'" in reconciliation.error


def client_serving_files(emulator: Emulator, serve: Callable[[bytes], httpx.Response]) -> Selzy:
    """A client of the emulator whose export files come through ``serve`` (the real bytes in,
    what the test wants out): a download that fails the way networks and servers do."""
    handler = as_httpx_handler(emulator)

    def route(request: httpx.Request) -> httpx.Response:
        response: httpx.Response = handler(request)
        if request.url.path.startswith("/_emulator/files/"):
            return serve(response.content)
        return response

    return Selzy(
        ACCOUNT_KEY,
        platform="DjangoTests",
        transport=httpx.MockTransport(route),
        rate_limiter=NoRateLimiter(),
    )


class DropsAfter(httpx.SyncByteStream):
    """The first ``size`` bytes of a file, then the connection drops."""

    def __init__(self, content: bytes, size: int) -> None:
        self.content, self.size = content, size

    def __iter__(self) -> Iterator[bytes]:
        yield self.content[: self.size]
        raise httpx.ReadError("connection reset by peer")


@pytest.mark.parametrize(
    ("serve", "message", "compared"),
    [
        (lambda data: httpx.Response(404, content=b"gone"), "HTTP 404", False),
        (
            lambda data: httpx.Response(200, content=b"phone,name\r\n+4930123,Ann\r\n"),
            "no email column",
            False,
        ),
        (
            lambda data: httpx.Response(200, stream=DropsAfter(data, len(data) * 2 // 3)),
            "failed part-way through the file: ReadError",
            False,
        ),
        (
            lambda data: httpx.Response(200, content=data[: len(data) * 2 // 3] + b'"open'),
            "ends inside a quoted cell",
            True,
        ),
    ],
    ids=["expired link", "not an export", "dropped", "torn"],
)
def test_a_download_that_fails_is_recorded(
    serve: Callable[[bytes], httpx.Response], message: str, compared: bool
) -> None:
    """Recorded, never raised. A download that breaks compares nothing (the file is read only
    once it is whole); a file that turns out broken half-way keeps the chunks compared before
    (each applied in its own transaction, and right: they are Selzy's word)."""
    emulator = leads_world(receiver=None)
    reconciliation = Reconciliation.objects.create(list_id=the_list(emulator))
    with client_serving_files(emulator, serve) as client:
        reconcile.run_reconciliation(reconciliation, client, chunk_rows=10)
    reconciliation.refresh_from_db()
    assert reconciliation.status == Reconciliation.Status.FAILED
    assert message in reconciliation.error
    assert (reconciliation.rows > 0) is compared
    assert reconciliation.rows < PLAIN + len(TAGGED) - 1


def test_chunks_make_no_difference() -> None:
    """Ten contacts a ledger query give the same repairs as one query for all."""
    emulator = leads_world(receiver=None)
    reconciliation = Reconciliation.objects.create(list_id=the_list(emulator))
    with connected_client() as client:
        reconcile.run_reconciliation(reconciliation, client, chunk_rows=7)
    reconciliation.refresh_from_db()
    small_chunks = (snapshot(), reconciliation.rows, reconciliation.repaired)
    wipe()
    leads_world(receiver=None)
    whole = reconciled()
    assert small_chunks == (snapshot(), whole.rows, whole.repaired)


# --- what is and is not repaired ------------------------------------------------------------


def test_a_return_to_the_list_is_repaired_unless_the_ledger_knows_better() -> None:
    """The ledger says unsubscribed, Selzy has the contact active in the list again: repaired
    when the ledger's news is older than the export, left when it is newer (a webhook applied
    since the export was asked for)."""
    emulator = fresh_emulator()
    list_id = the_list(emulator)
    connect(list_id)
    Lead.objects.bulk_create(
        Lead(email=f"back{i}@crm.example", name=f"Back {i}", consent=True) for i in range(3)
    )
    sync("leads", list_id)
    long_ago = timezone.now() - dt.timedelta(days=30)
    later = timezone.now() + dt.timedelta(hours=1)
    states = ContactState.objects.filter(source="leads").order_by("email")
    states.filter(email="back0@crm.example").update(unsubscribed=True, status_at=long_ago)
    states.filter(email="back1@crm.example").update(unsubscribed=True, status_at=later)
    states.filter(email="back2@crm.example").update(unsubscribed=True, status_at=None)
    reconciliation = reconciled()
    assert reconciliation.repaired == {"subscribed": 2}
    assert list(states.values_list("email", "unsubscribed")) == [
        ("back0@crm.example", False),
        ("back1@crm.example", True),
        ("back2@crm.example", False),
    ]
    (activity,) = ContactActivity.objects.filter(email="back0@crm.example")
    assert (activity.kind, activity.origin, activity.status) == (
        "subscribed",
        "reconciliation",
        "new",
    )


def test_an_international_domain_is_matched_however_the_export_writes_it() -> None:
    """The sync sends ivan@пример.рф IDNA-encoded; an export naming it in Unicode (and in
    capitals) is the same contact."""
    lead = Lead.objects.create(email="Ivan@ПРИМЕР.РФ", name="Иван", consent=True)
    ContactState.objects.update_or_create(  # as a sync would have left it
        source="leads",
        source_id=str(lead.pk),
        defaults={"email": "Ivan@xn--e1afmkfd.xn--p1ai", "row_hash": "x", "dirty": False},
    )
    exported = ExportedStatus(
        email="ivan@пример.рф",
        email_status="active",
        availability="",
        in_list=False,
        unsubscribed_from_list=True,
    )
    repaired = reconcile.repair([exported], list_id=5, time=timezone.now())
    assert repaired == {"unsubscribed": 1}
    lead.refresh_from_db()
    assert not lead.consent


def test_ledger_contacts_absent_from_the_export_are_left_alone() -> None:
    emulator = fresh_emulator()
    list_id = the_list(emulator)
    connect(list_id)
    Lead.objects.bulk_create([Lead(email="kept@crm.example"), Lead(email="gone@crm.example")])
    sync("leads", list_id)
    with connected_client() as client:  # deleted in Selzy behind the module's back
        client.import_contacts(field_names=["email", "delete"], data=[["gone@crm.example", 1]])
    reconciliation = reconciled()
    assert reconciliation.rows == 1
    gone = ContactState.objects.get(email="gone@crm.example")
    assert (gone.unsubscribed, gone.undeliverable_at, gone.complained_at) == (False, None, None)
    assert Lead.objects.get(email="gone@crm.example").consent is True


KEYED_SOURCES = {
    "people": {
        "model": "crm.Person",
        "fields": ["email", "name"],
        "filter": {"consent": True},
        "write_back": {"unsubscribed": {"consent": False}},
    },
    "customers": {
        "model": "crm.Customer",
        "fields": ["email", "name"],
        "filter": {"consent": True},
        "write_back": {"complaint": {"consent": False}},
    },
}


@pytest.fixture
def keyed_sources() -> Iterator[None]:
    sources = {**SELZY["CONTACT_SOURCES"], **KEYED_SOURCES}
    with override_settings(SELZY={**SELZY, "CONTACT_SOURCES": sources}):
        yield


@pytest.mark.usefixtures("keyed_sources")
@pytest.mark.parametrize("source", ["people", "customers"])
def test_sources_keyed_by_uuid_or_text_are_repaired(source: str) -> None:
    emulator = fresh_emulator()
    list_id = the_list(emulator)
    connect(list_id, source)
    if source == "people":
        Person.objects.bulk_create(
            Person(email=f"Person{i}@CRM.example", name=f"Персона {i} 🙂") for i in range(5)
        )
    else:
        Customer.objects.bulk_create(
            Customer(code=f"C-{i:05d}/ÄÖ", email=f"customer{i}@crm.example", name=f"Ω {i}")
            for i in range(5)
        )
    sync(source, list_id)
    target = "person2@crm.example" if source == "people" else "customer2@crm.example"
    with connected_client() as client:  # what a missed webhook would have said
        if source == "people":
            client.unsubscribe(contact_type="email", contact=target, list_ids=list_id)
        else:
            client.import_contacts(
                field_names=["email", "email_availability"], data=[[target, "spam_folder"]]
            )
    reconciliation = reconciled()
    kind = "unsubscribed" if source == "people" else "complaint"
    assert reconciliation.repaired == {kind: 1}
    model: Any = Person if source == "people" else Customer
    record = model.objects.get(email__iexact=target)
    assert record.consent is False
    assert model.objects.filter(consent=False).count() == 1
    state = ContactState.objects.get(source=source, source_id=str(record.pk))
    assert state.unsubscribed is (source == "people")
    assert (state.complained_at is not None) is (source == "customers")


# --- the schedule and the command ------------------------------------------------------------


def test_the_periodic_scan_starts_one_when_due() -> None:
    leads_world(receiver=None)
    with override_settings(SELZY={**SELZY, "RECONCILE_EVERY": 0}):
        jobs.scan_changes()
    assert not Reconciliation.objects.exists()
    jobs.scan_changes()
    jobs.scan_changes()  # the one that ran is recent: not due again
    (first,) = Reconciliation.objects.all()
    assert first.status == Reconciliation.Status.COMPLETED
    Reconciliation.objects.update(started_at=timezone.now() - dt.timedelta(hours=25))
    jobs.scan_changes()
    assert Reconciliation.objects.count() == 2
    with override_settings(SELZY={**SELZY, "RECONCILE_EVERY": 3600}):
        Reconciliation.objects.update(started_at=timezone.now() - dt.timedelta(hours=2))
        jobs.scan_changes()
    assert Reconciliation.objects.count() == 3


def test_one_under_way_is_joined_and_a_dead_one_is_marked() -> None:
    emulator = leads_world(receiver=None)
    list_id = the_list(emulator)
    running = Reconciliation.objects.create(list_id=list_id)
    assert reconcile.start(submit_job=False) == (running, False)
    Reconciliation.objects.filter(pk=running.pk).update(
        started_at=timezone.now() - reconcile.STALE_AFTER - dt.timedelta(minutes=1)
    )
    fresh, created = reconcile.start(submit_job=False)
    assert created
    running.refresh_from_db()
    assert running.status == Reconciliation.Status.FAILED
    assert running.error.startswith("Interrupted")
    assert reconcile.reconcile(running.pk).status == Reconciliation.Status.FAILED  # not rerun
    assert reconcile.reconcile(fresh.pk).status == Reconciliation.Status.COMPLETED


def test_the_command_prints_a_summary() -> None:
    leads_world(receiver=None)
    out, err = io.StringIO(), io.StringIO()
    call_command("selzy_reconcile", stdout=out, stderr=err)
    reconciliation = Reconciliation.objects.get()
    expected = reconciliation.repaired
    assert out.getvalue().startswith(
        f"Reconciliation #{reconciliation.pk} of list {reconciliation.list_id}: "
        f"{PLAIN + len(TAGGED) - 1} contacts read, {sum(expected.values())} repaired "
        f"(unsubscribed {expected.get('unsubscribed', 0)}, subscribed 0, "
        f"hard bounce {expected.get('hard_bounce', 0)}, complaint {expected.get('complaint', 0)})."
    )
    assert "Selzy had no webhook for this site" in err.getvalue()
    out = io.StringIO()
    call_command("selzy_reconcile", "--if-due", stdout=out)
    assert out.getvalue() == "No reconciliation is due.\n"


def test_the_command_fails_with_the_reason() -> None:
    emulator = leads_world(receiver=None)
    emulator.inject_fault("error", "async/exportContacts", code="unspecified", message="boom")
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"Reconciliation #\d+ failed"):
        call_command("selzy_reconcile", stdout=out, stderr=io.StringIO())
    assert "Failed: async/exportContacts: boom (code: unspecified)" in out.getvalue()
    Connection.objects.all().delete()
    with pytest.raises(CommandError, match="Connect a Selzy account"):
        call_command("selzy_reconcile")


# --- helpers --------------------------------------------------------------------------------


def staff(username: str, *codenames: str) -> Client:
    user = User.objects.create_user(username, is_staff=True)
    perms = Permission.objects.filter(content_type__app_label="selzy", codename__in=codenames)
    user.user_permissions.add(*perms)
    client = Client()
    client.force_login(user)
    return client


def overview() -> str:
    client = staff(f"viewer{User.objects.count()}", "manage_selzy")
    return str(client.get(reverse("admin:selzy_connection_changelist")).content.decode())
