"""Syncs never stall: run leases (a run whose process died is interrupted, and taken over by the
next save, the periodic scan, selzy_sync or any worker), and one full sync of a list at a time."""

from __future__ import annotations

import io
import threading
from datetime import timedelta
from typing import Any

import pytest
from django import db
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from selzy.contrib.django import jobs
from selzy.contrib.django.changes import mark_dirty
from selzy.contrib.django.models import Connection, ContactState, ImportRun
from selzy.contrib.django.views.imports import ALREADY_UNDER_WAY, CANNOT_RESUME
from selzy.contrib.django.worker import prepare, work
from selzy.emulator import Emulator
from tests.contrib_django.crm.models import Lead

from .test_sync import eligible, full_sync, import_calls, in_list

pytestmark = pytest.mark.django_db(transaction=True)


Status = ImportRun.Status
LONG_AGO = timedelta(hours=1)  # far beyond RUN_LEASE (300 s) and BATCH_LEASE (120 s)


def died(run: ImportRun) -> None:
    """The run's process died an hour ago: nothing has written its heartbeat since."""
    then = timezone.now() - LONG_AGO
    ImportRun.objects.filter(pk=run.pk).update(heartbeat_at=then, created_at=then)


def written_long_ago() -> None:
    Lead.objects.update(updated_at=timezone.now() - timedelta(days=1))


def incremental_planned_then_killed(list_id: int) -> ImportRun:
    """An incremental sync that planned (its contacts taken) and was then killed."""
    run = jobs.start_import("leads", list_id, kind="incremental", submit_workers=False)
    prepare(run)
    run.refresh_from_db()
    assert (run.status, run.planned) == (Status.RUNNING, True)
    return run


def edit_leads(*indexes: int, name: str = "Edited") -> list[str]:
    """Rename leads (each save marks it); their addresses."""
    emails = []
    for index in indexes:
        lead = Lead.objects.get(email=f"lead{index}@crm.example")
        lead.name = name
        lead.save()
        emails.append(lead.email)
    return emails


def names_in(emulator: Emulator, list_id: int, emails: list[str]) -> set[str]:
    contacts = in_list(emulator, list_id)
    return {contacts[email]["fields"]["Name"] for email in emails}


# --------------------------------------------------------------------------- taken over


def test_the_next_save_takes_over_a_queued_sync_whose_process_died(
    ready: Connection, leads: list[Any], emulator: Emulator
) -> None:
    """A save in a shell queued an incremental sync and exited with its thread: the run stayed
    queued, and every later save relied on it. Now the next save after RUN_LEASE takes over."""
    written_long_ago()
    full_sync(ready)
    list_id = int(ready.list_id or 0)
    shell_lead = Lead.objects.get(email="lead7@crm.example")
    Lead.objects.filter(pk=shell_lead.pk).update(name="From the shell")
    mark_dirty("leads", [shell_lead.pk])  # what the shell's post_save did, then it exited
    orphan = ImportRun.objects.create(source="leads", list_id=list_id, kind="incremental")
    died(orphan)

    edit_leads(8, name="From the site")  # the immediate runner works what the save queues

    orphan.refresh_from_db()
    assert orphan.status == Status.INTERRUPTED
    assert "No worker reported for 300 s" in orphan.error
    contacts = in_list(emulator, list_id)
    assert contacts["lead7@crm.example"]["fields"]["Name"] == "From the shell"
    assert contacts["lead8@crm.example"]["fields"]["Name"] == "From the site"
    assert not ContactState.objects.filter(dirty=True).exists()


def test_an_incremental_sync_killed_after_planning_is_taken_over_by_the_next_cron_sync(
    ready: Connection, leads: list[Any], emulator: Emulator
) -> None:
    written_long_ago()
    full_sync(ready)
    list_id = int(ready.list_id or 0)
    waiting = jobs.start_import("leads", list_id, kind="incremental", submit_workers=False)
    saved = edit_leads(10, 11, 12)  # marked; the queued sync will take them
    Lead.objects.filter(email="lead13@crm.example").update(name="Edited", updated_at=timezone.now())
    gone = Lead.objects.get(email="lead14@crm.example")
    gone.delete()
    killed = incremental_planned_then_killed(list_id)
    assert killed.pk == waiting.pk
    assert ContactState.objects.filter(taken_by=killed).count() == 5

    # The cron job a minute later: the run still has its lease, so it is not taken over, and the
    # command says who holds the changes instead of reporting an empty run as if nothing waited.
    out = io.StringIO()
    call_command("selzy_sync", "--incremental", stdout=out, stderr=io.StringIO())
    assert "Completed: 0/0 batches" in out.getvalue()
    assert f"5 changed contacts are being sent by sync #{killed.pk}." in out.getvalue()

    died(killed)  # the next cron run, once RUN_LEASE has passed
    out = io.StringIO()
    call_command("selzy_sync", "--incremental", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert f"Sync #{killed.pk} (incremental) was interrupted: No worker reported" in text
    assert f"--resume {killed.pk}" in text
    assert "Completed: 1/1 batches" in text
    killed.refresh_from_db()
    assert killed.status == Status.INTERRUPTED
    assert names_in(emulator, list_id, [*saved, "lead13@crm.example"]) == {"Edited"}
    assert "lead14@crm.example" not in in_list(emulator, list_id)
    assert set(in_list(emulator, list_id)) == eligible()
    assert not ContactState.objects.filter(dirty=True).exists()
    assert not ContactState.objects.exclude(taken_by=None).exists()


def test_the_periodic_scan_takes_over_a_sync_whose_worker_died(
    ready: Connection, leads: list[Any], emulator: Emulator
) -> None:
    """A whole Celery worker died with the run: nothing else would ever read its heartbeat."""
    written_long_ago()
    full_sync(ready)
    list_id = int(ready.list_id or 0)
    jobs.start_import("leads", list_id, kind="incremental", submit_workers=False)
    saved = edit_leads(20, 21)
    killed = incremental_planned_then_killed(list_id)
    died(killed)

    jobs.scan_changes()  # Celery beat's task

    killed.refresh_from_db()
    assert killed.status == Status.INTERRUPTED
    assert names_in(emulator, list_id, saved) == {"Edited"}
    assert not ContactState.objects.filter(dirty=True).exists()


def test_a_worker_starting_interrupts_the_dead_runs_of_its_source(
    ready: Connection, leads: list[Any]
) -> None:
    written_long_ago()
    full_sync(ready)
    list_id = int(ready.list_id or 0)
    jobs.start_import("leads", list_id, kind="incremental", submit_workers=False)
    edit_leads(30)
    killed = incremental_planned_then_killed(list_id)
    died(killed)
    other = ImportRun.objects.create(source="leads", list_id=list_id, kind="full")

    work(other.pk)

    killed.refresh_from_db()
    assert killed.status == Status.INTERRUPTED
    assert not ContactState.objects.filter(taken_by=killed).exists()


def test_a_live_run_keeps_its_lease(ready: Connection, leads: list[Any]) -> None:
    written_long_ago()
    full_sync(ready)
    list_id = int(ready.list_id or 0)
    jobs.start_import("leads", list_id, kind="incremental", submit_workers=False)
    edit_leads(40)
    running = incremental_planned_then_killed(list_id)  # planned just now: a fresh heartbeat
    jobs.scan_changes()
    call_command("selzy_sync", "--incremental", stdout=io.StringIO(), stderr=io.StringIO())
    running.refresh_from_db()
    assert running.status == Status.RUNNING
    assert ContactState.objects.filter(taken_by=running).count() == 1


# --------------------------------------------------------------------------- shown, resumed


@pytest.fixture
def web(ready: Connection) -> Client:
    user = User.objects.create_user("sender", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="send_selzy_campaigns"))
    client = Client()
    client.force_login(user)
    return client


def test_a_sync_whose_process_died_is_shown_interrupted_and_resumes(
    web: Client, ready: Connection, leads: list[Any], emulator: Emulator
) -> None:
    list_id = int(ready.list_id or 0)
    run = jobs.start_import("leads", list_id, submit_workers=False)
    prepare(run)  # planned, then the web process restarted
    died(run)
    status = web.get(reverse("admin:selzy_import_status", args=[run.pk])).json()
    assert status["status"] == "interrupted"
    page = web.get(reverse("admin:selzy_import", args=[run.pk])).content.decode()
    assert '<strong id="selzy-run-status">Interrupted</strong>' in page
    assert "Interrupted after 0 of 3 batches: No worker reported for 300 s" in page
    assert 'value="resume"' in page
    assert 'value="pause"' not in page
    listing = web.get(reverse("admin:selzy_import_new")).content.decode()
    assert "Interrupted" in listing

    web.post(reverse("admin:selzy_import_control", args=[run.pk]), {"action": "resume"})

    run.refresh_from_db()
    assert run.status == Status.COMPLETED, run.error
    assert set(in_list(emulator, list_id)) == eligible(leads)
    assert import_calls(emulator) == 3


def test_selzy_sync_resumes_an_interrupted_sync(
    ready: Connection, leads: list[Any], emulator: Emulator
) -> None:
    run = jobs.start_import("leads", int(ready.list_id or 0), submit_workers=False)
    prepare(run)
    died(run)
    out = io.StringIO()
    call_command("selzy_sync", "--resume", str(run.pk), stdout=out, stderr=io.StringIO())
    assert f"Resuming sync #{run.pk} (full)" in out.getvalue()
    run.refresh_from_db()
    assert run.status == Status.COMPLETED
    assert set(in_list(emulator, int(ready.list_id or 0))) == eligible(leads)


# --------------------------------------------------------------------------- one full sync


def test_a_second_full_sync_of_the_list_joins_the_one_under_way(
    web: Client, ready: Connection, leads: list[Any], emulator: Emulator
) -> None:
    list_id = int(ready.list_id or 0)
    first = jobs.start_import("leads", list_id, kind="full", submit_workers=False)
    again = jobs.start_import("leads", list_id, kind="full", submit_workers=False)
    assert (again.pk, again.joined, first.joined) == (first.pk, True, False)
    # The Import button clicked while it waits: the same run, and the page says why.
    response = web.post(reverse("admin:selzy_import_new"), {"action": "full"})
    assert response["Location"] == reverse("admin:selzy_import", args=[first.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [ALREADY_UNDER_WAY]
    # The command joins it too, and works it: every contact is sent once.
    out = io.StringIO()
    call_command("selzy_sync", "--full", stdout=out, stderr=io.StringIO())
    assert f"Full sync #{first.pk} of 'leads'" in out.getvalue()
    assert "It is already queued: this command joins it" in out.getvalue()
    assert ImportRun.objects.count() == 1
    first.refresh_from_db()
    assert first.status == Status.COMPLETED
    assert import_calls(emulator) == 3
    # Over: the next full sync is a new one.
    assert jobs.start_import("leads", list_id, kind="full", submit_workers=False).pk != first.pk


def test_the_database_refuses_two_full_syncs_of_a_list_under_way(ready: Connection) -> None:
    list_id = int(ready.list_id or 0)
    ImportRun.objects.create(source="leads", list_id=list_id, kind="full", status="paused")
    with pytest.raises(IntegrityError):
        ImportRun.objects.create(source="leads", list_id=list_id, kind="full")
    # Dry runs, other lists and finished runs are not concerned.
    ImportRun.objects.create(source="leads", list_id=list_id, kind="full", dry_run=True)
    ImportRun.objects.create(source="leads", list_id=list_id + 1, kind="full")
    ImportRun.objects.create(source="leads", list_id=list_id, kind="full", status="completed")


def test_two_requests_at_once_get_one_full_sync(ready: Connection) -> None:
    list_id = int(ready.list_id or 0)
    start = threading.Barrier(2)
    got: list[int] = []

    def request() -> None:
        try:
            start.wait(timeout=10)
            got.append(jobs.start_import("leads", list_id, kind="full", submit_workers=False).pk)
        finally:
            db.connection.close()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(got) == 2
    assert got[0] == got[1]
    assert ImportRun.objects.count() == 1


def test_a_dead_full_sync_gives_way_and_cannot_resume_beside_the_new_one(
    web: Client, ready: Connection, leads: list[Any]
) -> None:
    list_id = int(ready.list_id or 0)
    dead = jobs.start_import("leads", list_id, kind="full", submit_workers=False)
    died(dead)
    fresh = jobs.start_import("leads", list_id, kind="full", submit_workers=False)
    assert fresh.pk != dead.pk
    assert not fresh.joined
    dead.refresh_from_db()
    assert dead.status == Status.INTERRUPTED
    response = web.post(reverse("admin:selzy_import_control", args=[dead.pk]), {"action": "resume"})
    assert [str(m) for m in get_messages(response.wsgi_request)] == [CANNOT_RESUME]
    dead.refresh_from_db()
    assert dead.status == Status.INTERRUPTED
    with pytest.raises(CommandError, match="cannot resume while another sync of list"):
        call_command("selzy_sync", "--resume", str(dead.pk), stdout=io.StringIO())
