"""Syncs never lie: a dry run counts what the real run right after it does, whatever led to it
(the first full sync, saves, a bulk QuerySet.update(), a new mapping), and a new mapping reaches
every contact sent before."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from selzy.contrib.django import jobs
from selzy.contrib.django.models import Connection, ContactState, ImportRun
from selzy.emulator import Emulator
from selzy.integration import RunTotals
from tests.contrib_django.crm.models import Lead

from .settings import SELZY
from .test_sync import eligible, import_calls, in_list

pytestmark = pytest.mark.django_db(transaction=True)


def dry_then_real(list_id: int, emulator: Emulator) -> tuple[RunTotals, RunTotals]:
    """A dry run (full the first time, incremental afterwards, as the command's default), then
    the real run right after it; both runs' totals. The dry run calls nothing."""
    calls = import_calls(emulator)
    dry = jobs.start_import("leads", list_id, dry_run=True)
    dry.refresh_from_db()
    assert dry.status == ImportRun.Status.COMPLETED, dry.error
    assert import_calls(emulator) == calls
    run = jobs.start_import("leads", list_id)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.COMPLETED, run.error
    assert (dry.kind, dry.scan_first) == (run.kind, run.scan_first)
    predicted, done = dry.summary, run.summary
    assert predicted.changes == done.changes
    assert predicted.total == done.total
    assert predicted.sent == done.sent
    assert predicted.batches == done.batches == import_calls(emulator) - calls
    assert predicted.skipped_locally == done.skipped_locally
    assert {k: v for k, v in predicted.skipped.items() if k != "no_consent"} == done.skipped
    return predicted, done


@pytest.fixture
def manager(ready: Connection) -> Client:
    user = User.objects.create_user("manager", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="selzy"))
    client = Client()
    client.force_login(user)
    return client


def test_the_dry_run_counts_what_the_real_run_right_after_does(
    manager: Client, ready: Connection, leads: list[Any], emulator: Emulator
) -> None:
    list_id = int(ready.list_id or 0)
    Lead.objects.update(updated_at=timezone.now() - timedelta(days=1))  # written long ago
    valid = len(eligible(leads))

    # The first sync: full.
    predicted, _ = dry_then_real(list_id, emulator)
    assert predicted.changes.new == valid

    # Saves while an incremental sync waits for its debounce (the signals mark them).
    jobs.start_import("leads", list_id, kind="incremental", submit_workers=False)
    for index in (1, 2, 3):
        lead = Lead.objects.get(email=f"lead{index}@crm.example")
        lead.name = "Saved"
        lead.save()
    lead = Lead.objects.get(email="lead4@crm.example")
    lead.email = "moved4@crm.example"
    lead.save()
    Lead.objects.get(email="lead7@crm.example").delete()
    predicted, _ = dry_then_real(list_id, emulator)
    assert (predicted.changes.updated, predicted.changes.moved) == (3, 1)
    assert predicted.changes.removed == 1

    # A bulk update: no signal, only the scan the real run makes first sees it.
    bulk = Lead.objects.filter(email__in=[f"lead{i}@crm.example" for i in range(20, 27)])
    bulk.update(name="Bulk", updated_at=timezone.now())
    Lead.objects.filter(email="lead29@crm.example").update(consent=False, updated_at=timezone.now())
    predicted, _ = dry_then_real(list_id, emulator)
    assert (predicted.changes.updated, predicted.changes.removed) == (7, 1)
    assert predicted.sent == 8

    # A new mapping (the phone too): every contact sent before is sent again, with its phone.
    response = manager.post(
        reverse("admin:selzy_mapping"),
        {"map_email": "email", "map_name": "Name", "map_phone": "phone"},
    )
    assert response.status_code == 302
    sent_before = ContactState.objects.exclude(row_hash="").count()
    assert ContactState.objects.filter(dirty=True).count() == ContactState.objects.count()
    predicted, _ = dry_then_real(list_id, emulator)
    assert predicted.changes.updated == sent_before == len(eligible())
    contacts = in_list(emulator, list_id)
    with_phone = Lead.objects.filter(consent=True).exclude(phone="").exclude(email__contains="@@")
    assert all(contacts[lead.email]["phone"] for lead in with_phone)
    assert set(contacts) == eligible()

    # Nothing left: the next dry run and run agree on nothing to send.
    predicted, _ = dry_then_real(list_id, emulator)
    assert predicted.sent == 0


def test_saving_the_same_mapping_again_marks_nothing(
    manager: Client, ready: Connection, leads: list[Any]
) -> None:
    jobs.start_import("leads", int(ready.list_id or 0))
    assert ContactState.objects.exists()
    response = manager.post(
        reverse("admin:selzy_mapping"), {"map_email": "email", "map_name": "Name"}
    )
    assert response.status_code == 302
    assert not ContactState.objects.filter(dirty=True).exists()


def test_the_dry_run_counts_the_calls_of_small_batches(
    ready: Connection, leads: list[Any], emulator: Emulator
) -> None:
    """Batches of 100 contacts: one call each, as the workers make them (not 500 rows a call)."""
    with override_settings(SELZY={**SELZY, "IMPORT_BATCH_SIZE": 100}):
        predicted, _ = dry_then_real(int(ready.list_id or 0), emulator)
    assert predicted.batches == 12
