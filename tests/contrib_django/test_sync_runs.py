"""Sync runs under stress: pause and resume, injected faults, the selzy_sync command, a worker
killed with SIGKILL (a real subprocess), and the import screens' controls."""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.urls import reverse

from selzy import Selzy
from selzy.client import NoRateLimiter
from selzy.contrib.django import jobs
from selzy.contrib.django.models import Connection, ImportBatch, ImportRun
from selzy.contrib.django.worker import work
from selzy.emulator import Emulator, ThreadedEmulatorServer, as_httpx_handler
from tests.client.conftest import FakeClock

from . import emulated, sync_seed
from .settings import SELZY
from .test_sync import eligible, import_calls, in_list

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
PAUSE_AFTER: dict[str, int] = {}


def fast_retries(**options: Any) -> Selzy:
    """CLIENT_FACTORY: the test's emulator, and a clock whose sleeps take no time."""
    return emulated.client_factory(**options, clock=FakeClock())


def pausing(**options: Any) -> Selzy:
    """CLIENT_FACTORY: the emulator, and the run paused right after the N-th importContacts."""
    handler = as_httpx_handler(emulated.CURRENT["emulator"])

    def handle(request: httpx.Request) -> httpx.Response:
        response = handler(request)
        if request.url.path.endswith("/importContacts"):
            PAUSE_AFTER["calls"] -= 1
            if PAUSE_AFTER["calls"] == 0:
                ImportRun.objects.update(status=ImportRun.Status.PAUSED)  # as the admin would
        return response

    api_key = options.pop("api_key")
    options.pop("rate_limiter", None)
    return Selzy(
        api_key, transport=httpx.MockTransport(handle), rate_limiter=NoRateLimiter(), **options
    )


@pytest.fixture
def ready(connected: Connection, account: Any) -> Connection:
    from .conftest import map_leads

    map_leads()
    connected.list_id = account.list_ids["Customers"]
    connected.source = "leads"
    connected.save()
    return connected


def small_batches(**changes: Any) -> Any:
    return override_settings(SELZY={**SELZY, "IMPORT_BATCH_SIZE": 100, **changes})


# --------------------------------------------------------------------------- pause, faults


def test_pause_then_resume_finishes_without_sending_anything_twice(
    ready: Connection, leads: list[Any], emulator: Emulator
) -> None:
    PAUSE_AFTER["calls"] = 4
    factory = f"{__name__}.pausing"
    with small_batches(CLIENT_FACTORY=factory):
        run = jobs.start_import("leads", int(ready.list_id or 0))
        run.refresh_from_db()
        assert run.status == ImportRun.Status.PAUSED
        assert run.batches.filter(status=ImportBatch.Status.DONE).count() == 4
        assert import_calls(emulator) == 4
        assert jobs.resume_run(run, submit_workers=False)
        run = work(run.pk)
    assert run.status == ImportRun.Status.COMPLETED, run.error
    assert run.batches_total == 12
    assert import_calls(emulator) == 12  # each batch once
    assert set(in_list(emulator, int(ready.list_id or 0))) == eligible(leads)


def test_injected_faults_are_retried_and_the_list_equals_the_source(
    ready: Connection, leads: list[Any], emulator: Emulator
) -> None:
    for kind, extra in (("error", {"code": "retry_later"}), ("http", {"status": 503})):
        emulator.inject_fault(kind, "importContacts", share=0.1, **extra)
    emulator.inject_fault("drop", "importContacts", share=0.1, after=True)
    with small_batches(CLIENT_FACTORY=f"{__name__}.fast_retries", MAX_RETRIES=2):
        run = jobs.start_import("leads", int(ready.list_id or 0))
    run.refresh_from_db()
    assert run.status == ImportRun.Status.COMPLETED, run.error
    assert import_calls(emulator) > run.batches_total  # some calls failed and were repeated
    assert set(in_list(emulator, int(ready.list_id or 0))) == eligible(leads)
    assert run.totals["changes"]["new"] == len(eligible(leads))


def test_a_batch_failing_for_good_fails_the_run_and_resume_finishes_it(
    ready: Connection, leads: list[Any], emulator: Emulator
) -> None:
    emulator.inject_fault("error", "importContacts", code="invalid_arg", times=2)
    with small_batches(BATCH_ATTEMPTS=2):
        run = jobs.start_import("leads", int(ready.list_id or 0))
        run.refresh_from_db()
        assert run.status == ImportRun.Status.FAILED
        assert "Batch 0" in run.error
        assert "gave up after 2 tries" in run.error
        failed = run.batches.get(status=ImportBatch.Status.FAILED)
        assert failed.attempts == 2
        assert jobs.resume_run(run)  # the immediate runner works it again
    run.refresh_from_db()
    assert run.status == ImportRun.Status.COMPLETED
    assert set(in_list(emulator, int(ready.list_id or 0))) == eligible(leads)


def test_a_sync_with_the_rate_limiter_down_fails_with_the_reason_and_sends_nothing(
    ready: Connection, leads: list[Any], emulator: Emulator
) -> None:
    from selzy.contrib.django import client as client_module

    from .test_error_reports import closed_port

    client_module.close_rate_limiters()
    try:
        url = f"redis://127.0.0.1:{closed_port()}/0"
        with small_batches(RATE_LIMITER=url):
            run = jobs.start_import("leads", int(ready.list_id or 0))
    finally:
        client_module.close_rate_limiters()
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert "the rate limiter could not be reached, so the call was not sent" in run.error
    assert import_calls(emulator) == 0
    with small_batches():  # Redis back (here: the in-process limiter)
        assert jobs.resume_run(run)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.COMPLETED, run.error
    assert set(in_list(emulator, int(ready.list_id or 0))) == eligible(leads)


# --------------------------------------------------------------------------- the command


def test_selzy_sync_dry_run_then_full_then_incremental(
    ready: Connection, leads: list[Any], emulator: Emulator
) -> None:
    out = io.StringIO()
    call_command("selzy_sync", "--dry-run", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "Dry run #" in text
    assert f"new        {len(eligible(leads)):>8,}" in text
    assert "no_consent" in text
    assert import_calls(emulator) == 0
    out = io.StringIO()
    err = io.StringIO()
    call_command("selzy_sync", "--workers", "2", stdout=out, stderr=err)
    assert "Full sync #" in out.getvalue()
    assert "Completed: 3/3 batches" in out.getvalue()
    assert set(in_list(emulator, int(ready.list_id or 0))) == eligible(leads)
    out = io.StringIO()
    call_command("selzy_sync", "--incremental", stdout=out, stderr=io.StringIO())
    assert "Incremental sync #" in out.getvalue()


def test_selzy_sync_exits_1_when_the_run_fails(ready: Connection, leads: list[Any]) -> None:
    Connection.objects.update(api_key_encrypted="")  # disconnected meanwhile
    with pytest.raises(CommandError, match="failed: Connect a Selzy account first") as caught:
        call_command("selzy_sync", stdout=io.StringIO(), stderr=io.StringIO())
    assert caught.value.returncode == 1
    run = ImportRun.objects.get()
    with pytest.raises(CommandError, match="no sync #999"):
        call_command("selzy_sync", "--resume", "999", stdout=io.StringIO())
    assert run.status == ImportRun.Status.FAILED


# --------------------------------------------------------------------------- SIGKILL

LEADS = 1200
KEY = "sigkill0test0account0key0123456789"


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "tests/contrib_django/manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path, timeout=30) as db:
        return db.execute(sql).fetchall()


@pytest.fixture
def api(emulator: Emulator) -> Iterator[ThreadedEmulatorServer]:
    with ThreadedEmulatorServer(emulator) as server:
        yield server


def test_a_sync_killed_with_sigkill_resumes_from_its_checkpoint(
    tmp_path: Path, api: ThreadedEmulatorServer, emulator: Emulator
) -> None:
    account = emulator.seed_account(KEY, lists=("Customers",), fields={"Name": "string"})
    list_id = account.list_ids["Customers"]
    emulator.inject_fault("latency", "importContacts", seconds=0.15)  # slow enough to kill
    path = tmp_path / "crm.sqlite3"
    overrides = {
        "BASE_URL": api.url,
        "CLIENT_FACTORY": None,  # the real client, over HTTP
        "IMPORT_BATCH_SIZE": 50,
        "TASK_RUNNER": "immediate",
    }
    env = {
        **os.environ,
        # The caller's path too (as test_celery does): a worktree's src/ comes before the
        # checkout the venv's editable install points at.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "SELZY_TEST_DB_PATH": str(path),
        "SELZY_TEST_SELZY": json.dumps(overrides),
    }
    env.pop("SELZY_TEST_DB", None)  # this test's subprocess always uses its SQLite file
    for args in (("migrate", "-v", "0"), ("shell", "-c", seed_code(list_id))):
        done = manage(env, *args)
        assert done.returncode == 0, done.stderr

    command = [sys.executable, "tests/contrib_django/manage.py", "selzy_sync", "--workers", "2"]
    first = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and first.poll() is None:
            if done_batches(path) >= 6:
                break
            time.sleep(0.05)
        assert first.poll() is None, "the sync ended before it could be killed"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(timeout=10)
    ((run_id, status, total),) = query(
        path, "SELECT id, status, batches_total FROM selzy_importrun"
    )
    assert status == "running"  # killed: nobody recorded an end
    assert 6 <= done_batches(path) < total

    second = manage(env, "selzy_sync", "--resume", str(run_id), "--workers", "2")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Completed" in second.stdout
    assert query(path, "SELECT status FROM selzy_importrun") == [("completed",)]
    assert done_batches(path) == total
    eligible_ones = [i for i in range(LEADS) if sync_seed.consenting(i)]
    expected = {sync_seed.email(i) for i in eligible_ones if not sync_seed.broken(i)}
    assert set(in_list(emulator, list_id)) == expected
    rejected = query(path, "SELECT source_id, code, reason FROM selzy_importrejection")
    broken = {str(i + 1) for i in eligible_ones if sync_seed.broken(i)}
    assert {r[0] for r in rejected} == broken
    assert all(code == "invalid_email" and reason for _, code, reason in rejected)
    # Each batch was sent once, but those in flight when the process died (one per worker),
    # which the resumed run sent again.
    calls = import_calls(emulator)
    assert total <= calls <= total + 2


def seed_code(list_id: int) -> str:
    return f"from tests.contrib_django.sync_seed import seed; seed({KEY!r}, {list_id}, {LEADS})"


def done_batches(path: Path) -> int:
    try:
        ((count,),) = query(path, "SELECT count(*) FROM selzy_importbatch WHERE status = 'done'")
    except sqlite3.OperationalError:  # the table is being created, or locked for a moment
        return 0
    return int(count)


# --------------------------------------------------------------------------- screens


@pytest.fixture
def web(ready: Connection) -> Client:
    user = User.objects.create_user("sender", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="send_selzy_campaigns"))
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def post(client: Client, url: str, data: dict[str, str]) -> Any:
    page = client.get(reverse("admin:selzy_import_new"))
    token = page.cookies["csrftoken"].value
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


def test_the_dry_run_button_shows_the_counts_before_a_full_sync(
    web: Client, leads: list[Any], emulator: Emulator
) -> None:
    response = post(web, reverse("admin:selzy_import_new"), {"action": "dry_run"})
    run = ImportRun.objects.get()
    assert run.dry_run
    page = web.get(response["Location"]).content.decode()
    assert "What a full sync would do" in page
    assert f'<div class="value">{len(eligible(leads))}</div>' in page
    assert "No consent" in page
    assert import_calls(emulator) == 0
    response = post(web, reverse("admin:selzy_import_new"), {"action": "full"})
    run = ImportRun.objects.get(dry_run=False)
    assert run.status == ImportRun.Status.COMPLETED


def test_pause_resume_and_cancel_buttons_steer_the_run(
    web: Client, ready: Connection, leads: list[Any]
) -> None:
    run = jobs.start_import("leads", int(ready.list_id or 0), submit_workers=False)  # queued
    control = reverse("admin:selzy_import_control", args=[run.pk])
    page = web.get(reverse("admin:selzy_import", args=[run.pk])).content.decode()
    assert 'value="pause"' in page
    assert 'value="resume"' not in page
    assert web.post(control, {"action": "pause"}).status_code == 403  # no CSRF token
    post(web, control, {"action": "pause"})
    run.refresh_from_db()
    assert run.status == ImportRun.Status.PAUSED
    page = web.get(reverse("admin:selzy_import", args=[run.pk])).content.decode()
    assert 'value="resume"' in page
    post(web, control, {"action": "resume"})  # the immediate runner finishes it
    run.refresh_from_db()
    assert run.status == ImportRun.Status.COMPLETED
    status = web.get(reverse("admin:selzy_import_status", args=[run.pk])).json()
    assert status["batches_done"] == status["batches_total"] == 3
    assert status["percent"] == 100
    assert status["rate"] is not None
    other = jobs.start_import("leads", int(ready.list_id or 0), kind="full", submit_workers=False)
    post(web, reverse("admin:selzy_import_control", args=[other.pk]), {"action": "cancel"})
    other.refresh_from_db()
    assert other.status == ImportRun.Status.CANCELLED
    assert web.get(control).status_code == 405
