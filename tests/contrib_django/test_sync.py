"""The sync ledger: full and incremental runs over the emulator, and what they leave behind."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django import db
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.timezone import now

from selzy.contrib.django import jobs
from selzy.contrib.django.ledger import progress
from selzy.contrib.django.models import (
    Connection,
    ContactState,
    ImportBatch,
    ImportRejection,
    ImportRun,
)
from selzy.contrib.django.worker import work
from selzy.emulator import Emulator
from selzy.testing import client_for
from tests.contrib_django.crm.models import Lead

from .conftest import ACCOUNT_KEY
from .settings import SELZY
from .test_webhooks import signed

pytestmark = pytest.mark.django_db(transaction=True)


def in_list(emulator: Emulator, list_id: int) -> dict[str, dict[str, Any]]:
    """The emulator's contacts with a membership in the list, by email."""
    (state,) = emulator.state_dump()["accounts"]
    return {c["email"]: c for c in state["contacts"] if str(list_id) in c["email_lists"]}


def every_contact(emulator: Emulator) -> list[str]:
    (state,) = emulator.state_dump()["accounts"]
    return [c["email"] for c in state["contacts"]]


def eligible(leads: list[Any] | None = None) -> set[str]:
    """The addresses the source should have in Selzy: consenting, valid."""
    rows = Lead.objects.filter(consent=True) if leads is None else leads
    return {lead.email for lead in rows if lead.consent and "@@" not in lead.email}


def import_calls(emulator: Emulator) -> int:
    return sum(1 for r in emulator.state_dump()["requests"] if r["method"] == "importContacts")


def worker(run_id: int) -> None:
    """A worker thread: closes its own database connection when done."""
    try:
        work(run_id)
    finally:
        db.connection.close()


def full_sync(ready: Connection) -> ImportRun:
    run = jobs.start_import("leads", int(ready.list_id or 0))
    run.refresh_from_db()
    assert run.status == ImportRun.Status.COMPLETED, run.error
    return run


# --------------------------------------------------------------------------- full sync


def test_a_full_sync_puts_exactly_the_eligible_leads_in_the_list(
    ready: Connection, leads: list[Any], emulator: Emulator
) -> None:
    run = full_sync(ready)
    assert run.kind == ImportRun.Kind.FULL
    contacts = in_list(emulator, int(ready.list_id or 0))
    assert set(contacts) == eligible(leads)
    assert all(c["email_lists"] == {str(ready.list_id): "active"} for c in contacts.values())
    assert set(every_contact(emulator)) == eligible(leads)
    broken = {str(lead.pk) for lead in leads if lead.consent and "@@" in lead.email}
    rejected = ImportRejection.objects.filter(run=run)
    assert set(rejected.values_list("source_id", flat=True)) == broken
    assert set(rejected.values_list("code", flat=True)) == {"invalid_email"}
    assert ContactState.objects.exclude(row_hash="").count() == len(eligible(leads))
    assert not ContactState.objects.filter(dirty=True).exists()
    done = run.batches.filter(status=ImportBatch.Status.DONE)
    assert done.count() == run.batches_total == 3  # 1,176 consenting leads, 500 a batch
    assert import_calls(emulator) == 3
    consenting = sum(1 for lead in leads if lead.consent)
    assert run.expected == run.position == consenting
    assert run.totals["changes"]["new"] == len(eligible(leads))
    assert run.totals["changes"]["invalid"] == len(broken)
    assert run.totals["inserted"] == len(eligible(leads))
    # Nothing changed: a second full run classifies everything and sends nothing.
    again = jobs.start_import("leads", int(ready.list_id or 0), kind="full")
    again.refresh_from_db()
    assert again.totals["changes"]["unchanged"] == len(eligible(leads))
    assert import_calls(emulator) == 3


def test_the_first_sync_is_full_and_later_ones_incremental(
    ready: Connection, leads: list[Any], emulator: Emulator
) -> None:
    full_sync(ready)
    calls = import_calls(emulator)
    run = jobs.start_import("leads", int(ready.list_id or 0))
    run.refresh_from_db()
    assert (run.kind, run.status) == (ImportRun.Kind.INCREMENTAL, ImportRun.Status.COMPLETED)
    # The scan looks again at rows written shortly before the full run (clock skew, late
    # commits): all of them here. Unchanged, they cost no call.
    changes = run.totals["changes"]
    assert changes["unchanged"] + changes["invalid"] == run.expected
    assert import_calls(emulator) == calls


# --------------------------------------------------------------------------- incremental


def test_an_email_change_moves_the_contact_instead_of_duplicating_it(
    ready: Connection, leads: list[Any], emulator: Emulator
) -> None:
    full_sync(ready)
    lead = Lead.objects.get(email="lead7@crm.example")
    lead.email = "lead7.new@crm.example"
    lead.save()  # the signal queues an incremental sync; the immediate runner runs it
    run = ImportRun.objects.filter(kind=ImportRun.Kind.INCREMENTAL).get()
    assert run.status == ImportRun.Status.COMPLETED, run.error
    assert run.totals["changes"]["moved"] == 1
    contacts = in_list(emulator, int(ready.list_id or 0))
    assert "lead7@crm.example" not in contacts
    assert "lead7.new@crm.example" in contacts
    assert Counter(every_contact(emulator))["lead7.new@crm.example"] == 1
    assert set(contacts) == eligible()
    state = ContactState.objects.get(source_id=str(lead.pk))
    assert (state.email, state.dirty) == ("lead7.new@crm.example", False)


def test_a_moved_contact_leaves_its_old_addresses_bounces_behind(
    ready: Connection, leads: list[Any], emulator: Emulator
) -> None:
    """A hard bounce, a complaint and soft bounces were about the old address: the new one
    starts clean, so its own bounce is noted (and written back) again."""
    full_sync(ready)
    lead = Lead.objects.get(email="lead7@crm.example")
    bounced = timezone.now() - timedelta(days=2)
    ContactState.objects.filter(source_id=str(lead.pk)).update(
        undeliverable_at=bounced, complained_at=bounced, soft_bounces=3, last_soft_bounce_at=bounced
    )
    untouched = Lead.objects.get(email="lead8@crm.example")
    ContactState.objects.filter(source_id=str(untouched.pk)).update(undeliverable_at=bounced)
    lead.email = "lead7.new@crm.example"
    lead.save()
    state = ContactState.objects.get(source_id=str(lead.pk))
    assert state.email == "lead7.new@crm.example"
    assert (state.undeliverable_at, state.complained_at, state.soft_bounces) == (None, None, 0)
    assert state.last_soft_bounce_at is None
    untouched.name = "Renamed"  # a change that keeps the address keeps what Selzy told
    untouched.save()
    state = ContactState.objects.get(source_id=str(untouched.pk))
    assert state.undeliverable_at == bounced


def test_deleted_and_bulk_updated_leads_are_removed_after_the_scan(
    ready: Connection, leads: list[Any], emulator: Emulator
) -> None:
    Lead.objects.update(updated_at=timezone.now() - timedelta(days=1))  # written long ago
    full_sync(ready)
    list_id = int(ready.list_id or 0)
    gone = Lead.objects.get(email="lead8@crm.example")
    gone.delete()  # post_delete: removed by the incremental sync it queues
    assert "lead8@crm.example" not in in_list(emulator, list_id)
    # Bulk writes send no signals: the scan finds them.
    Lead.objects.filter(email="lead9@crm.example").update(consent=False)
    Lead.objects.filter(email="lead11@crm.example").update(name="Renamed", updated_at=now())
    Lead.objects.bulk_create([Lead(email="late@crm.example"), Lead(email="later@crm.example")])
    Lead.objects.filter(email="later@crm.example").update(updated_at=now() - timedelta(days=1))
    assert "lead9@crm.example" in in_list(emulator, list_id)
    counts = jobs.scan_changes()  # every source: the leads are the only one
    # modified: Renamed and late (by updated_at); missing: later (no state yet); gone: lead9.
    assert counts == {"modified": 2, "missing": 1, "gone": 1, "forgotten": 0}
    contacts = in_list(emulator, list_id)
    assert "lead9@crm.example" not in contacts
    assert {"late@crm.example", "later@crm.example"} <= set(contacts)
    assert contacts["lead11@crm.example"]["fields"]["Name"] == "Renamed"
    assert set(contacts) == eligible()
    assert not ContactState.objects.filter(source_id__in=[str(gone.pk)]).exists()
    last = ImportRun.objects.filter(kind=ImportRun.Kind.INCREMENTAL).order_by("-pk").first()
    assert last is not None
    assert last.totals["changes"] == {
        "new": 2,
        "updated": 1,
        "unchanged": 0,
        "moved": 0,
        "removed": 1,
        "invalid": 0,
    }


def test_an_unsubscribed_contact_stays_unsubscribed_and_gets_no_opt_in(
    ready: Connection, leads: list[Any], emulator: Emulator
) -> None:
    full_sync(ready)
    list_id = int(ready.list_id or 0)
    with client_for(emulator, ACCOUNT_KEY) as client:
        client.unsubscribe(contact_type="email", contact="lead13@crm.example")
    lead = Lead.objects.get(email="lead13@crm.example")
    lead.name = "Still here"
    lead.save()
    contact = in_list(emulator, list_id)["lead13@crm.example"]
    assert contact["email_status"] == "unsubscribed"
    assert contact["email_lists"] == {str(list_id): "unsubscribed"}
    assert contact["fields"]["Name"] == "Still here"
    assert [letter for letter in emulator.outbox() if letter.kind == "optin"] == []
    # Once the ledger knows (the unsubscribe webhook), the sync leaves the contact alone:
    # not even a deletion, which would erase the unsubscription.
    event = {
        "event_name": "unsubscribe",
        "event_time": "2025-01-06 10:00:00",
        "email": "LEAD13@crm.example",
    }
    body = signed({"login": "ID1", **event, "unsubscribed_list_ids": [list_id]}, ACCOUNT_KEY)
    response = Client().post(reverse("admin:selzy_webhook"), body, content_type="application/json")
    assert response.status_code == 200
    assert ContactState.objects.get(source_id=str(lead.pk)).unsubscribed
    lead.delete()
    assert "lead13@crm.example" in in_list(emulator, list_id)
    run = ImportRun.objects.order_by("-pk").first()
    assert run is not None
    assert run.totals["skipped"] == {"unsubscribed": 1}


@pytest.mark.parametrize("removal", ["exclude", "delete"])
def test_unsubscribed_leaves_the_filter_and_comes_back_without_a_webhook(
    removal: str, ready: Connection, leads: list[Any], emulator: Emulator
) -> None:
    """The person unsubscribes in Selzy; no webhook reaches the site; the CRM withdraws consent
    (the sync takes the contact out), then gives it back. With REMOVAL "exclude" (the default)
    the person is still unsubscribed; "delete" erased that history, as the README warns."""
    list_id = int(ready.list_id or 0)
    with override_settings(SELZY={**SELZY, "REMOVAL": removal}):
        full_sync(ready)
        with client_for(emulator, ACCOUNT_KEY) as client:
            client.unsubscribe(
                contact_type="email", contact="lead7@crm.example", list_ids=[list_id]
            )
        lead = Lead.objects.get(email="lead7@crm.example")
        lead.consent = False
        lead.save()  # post_save: an incremental sync takes the contact out of the list
        left = ImportRun.objects.latest("pk")
        assert left.summary.changes.removed == 1
        if removal == "delete":
            assert "lead7@crm.example" not in every_contact(emulator)
        lead.consent = True
        lead.save()  # back in the filter: sent again as a new contact of the ledger
    (account,) = emulator.state_dump()["accounts"]
    (contact,) = [c for c in account["contacts"] if c["email"] == "lead7@crm.example"]
    expected = "unsubscribed" if removal == "exclude" else "active"
    assert contact["email_lists"] == {str(list_id): expected}


# --------------------------------------------------------------------------- dry run


def test_dry_run_counts_equal_what_the_following_run_does(
    ready: Connection, leads: list[Any], emulator: Emulator
) -> None:
    list_id = int(ready.list_id or 0)
    dry = jobs.start_import("leads", list_id, dry_run=True)
    dry.refresh_from_db()
    assert import_calls(emulator) == 0
    run = full_sync(ready)
    predicted, done = dry.summary, run.summary
    assert predicted.changes == done.changes
    assert {k: v for k, v in predicted.skipped.items() if k != "no_consent"} == done.skipped
    assert predicted.skipped["no_consent"] == sum(1 for lead in leads if not lead.consent)
    assert predicted.batches == import_calls(emulator) == done.batches
    assert predicted.total == done.total
    assert predicted.skipped_locally == done.skipped_locally
    # Changes the signals do not see, then a full dry run and the full run it predicts.
    Lead.objects.filter(pk__in=[leads[1].pk, leads[2].pk]).update(name="Changed")
    Lead.objects.filter(pk=leads[3].pk).update(email="moved3@crm.example")
    Lead.objects.filter(pk=leads[4].pk).update(consent=False)
    Lead.objects.filter(pk=leads[0].pk).update(consent=True)  # was not consenting
    dry = jobs.start_import("leads", list_id, kind="full", dry_run=True)
    dry.refresh_from_db()
    run = jobs.start_import("leads", list_id, kind="full")
    run.refresh_from_db()
    assert dry.summary.changes == run.summary.changes
    assert dry.totals["changes"] | {"unchanged": 0} == {
        "new": 1,
        "updated": 2,
        "unchanged": 0,
        "moved": 1,
        "removed": 1,
        "invalid": 4,
    }
    assert set(in_list(emulator, list_id)) == eligible()


# --------------------------------------------------------------------------- workers


def test_two_worker_threads_do_every_batch_exactly_once(
    ready: Connection, leads: list[Any], emulator: Emulator
) -> None:
    emulator.inject_fault("latency", "importContacts", seconds=0.02)
    with override_settings(SELZY={**SELZY, "IMPORT_BATCH_SIZE": 50}):
        run = jobs.start_import("leads", int(ready.list_id or 0), submit_workers=False)
        threads = [threading.Thread(target=worker, args=(run.pk,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.COMPLETED, run.error
    batches = list(run.batches.all())
    assert len(batches) == run.batches_total == 24
    assert {b.status for b in batches} == {ImportBatch.Status.DONE}
    assert {b.attempts for b in batches} == {0}
    assert import_calls(emulator) == 24
    assert len({b.claimed_by for b in batches}) == 2  # both took part
    assert set(in_list(emulator, int(ready.list_id or 0))) == eligible(leads)
    assert progress(run).batches_done == 24
