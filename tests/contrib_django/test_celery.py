"""Real Celery workers on a real Redis broker and a real PostgreSQL database.

Two worker processes (``celery worker --pool prefork --concurrency 1``) run against Redis db 15
(flushed first: broker, and the rate-limit bucket both workers share) and a PostgreSQL database
this test creates and drops, the same one the test process writes to. They call the emulator
over HTTP (a ThreadedEmulatorServer in this process, whose requests are recorded). The test
submits one run through the ``celery`` task runner and proves every contact reached Selzy
exactly once: the importContacts calls, the rows they carried, and the list's final contents.

The run is submitted with ``IMPORT_CONCURRENCY = 2``: with the sync ledger, a full run is given
that many worker tasks, which claim its batches under row locks, so both workers send part of
one run; without it, the run is one task and one worker does it all. The assertions hold either
way: no batch lost, none sent twice, whichever worker sent it.

Skipped with the reason when Redis, PostgreSQL or Celery is missing; failed under CI=true.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qsl

import pytest

from selzy.emulator import Emulator, Reply, SeededAccount, ThreadedEmulatorServer
from tests.services import require_service

from .conftest import ACCOUNT_KEY
from .settings import SELZY

ROOT = Path(__file__).resolve().parents[2]
BROKER_URL = os.environ.get("SELZY_TEST_CELERY_BROKER", "redis://127.0.0.1:6379/15")
PG = {
    "HOST": os.environ.get("PGHOST", "127.0.0.1"),
    "PORT": os.environ.get("PGPORT", "5432"),
    "USER": os.environ.get("PGUSER", "postgres"),
    "MAINTENANCE_DB": os.environ.get("PGDATABASE", "test"),
}
LEADS = 1_250
BATCH = 100  # rows per importContacts call in the workers (SELZY_CELERY_TEST_BATCH)
WORKERS = 2
START_TIMEOUT = 60.0  # seconds for both workers to answer a ping
RUN_TIMEOUT = 60.0  # seconds for the run to finish once submitted


# --------------------------------------------------------------------------- services


def _ping_redis() -> None:
    import redis

    with redis.Redis.from_url(BROKER_URL, socket_connect_timeout=1) as client:
        client.ping()


def _pg_connect(dbname: str) -> Any:
    import psycopg

    return psycopg.connect(
        dbname=dbname,
        user=PG["USER"],
        host=PG["HOST"],
        port=PG["PORT"],
        connect_timeout=3,
        autocommit=True,
    )


def _import_celery() -> None:
    import celery  # noqa: F401


@pytest.fixture
def services() -> None:
    require_service("Celery (the celery package)", _import_celery)
    require_service(f"Redis at {BROKER_URL}", _ping_redis)
    require_service(
        f"PostgreSQL at {PG['HOST']}:{PG['PORT']}",
        lambda: _pg_connect(PG["MAINTENANCE_DB"]).close(),
    )
    import redis

    with redis.Redis.from_url(BROKER_URL) as client:
        client.flushdb()  # db 15 belongs to this test: no stale message or bucket survives


@pytest.fixture
def database(services: None) -> Iterator[str]:
    """A PostgreSQL database of this test's own, dropped afterwards (workers' sessions too)."""
    name = f"selzy_celery_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with _pg_connect(PG["MAINTENANCE_DB"]) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with _pg_connect(PG["MAINTENANCE_DB"]) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def shared_db(database: str, django_db_blocker: Any) -> Iterator[None]:
    """Point this process's default connection at the test's database, migrated, for the test;
    the suite's own database (SQLite or PostgreSQL) is put back afterwards."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connections
    from django.db.utils import ConnectionHandler

    own = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": database,
                "USER": PG["USER"],
                "HOST": PG["HOST"],
                "PORT": PG["PORT"],
            }
        }
    )["default"]
    original = connections["default"]
    with django_db_blocker.unblock():
        connections["default"] = own
        try:
            call_command("migrate", verbosity=0, interactive=False)
            yield
        finally:
            own.close()
            connections["default"] = original
            ContentType.objects.clear_cache()  # ids of the other database


# --------------------------------------------------------------------------- the API


class RecordingEmulator(Emulator):
    """The emulator, also keeping the e-mail addresses each importContacts call carried."""

    def __init__(self) -> None:
        super().__init__(seed=11)
        self.imports: list[list[str]] = []
        self._record_lock = threading.Lock()

    def handle(
        self,
        method: str,
        path: str,
        query: bytes,
        headers: Mapping[str, str],
        body: bytes,
        **kwargs: Any,
    ) -> Reply:
        if path.endswith("/importContacts"):
            pairs = dict(parse_qsl(body.decode()))
            column = next(
                k for k, v in pairs.items() if k.startswith("field_names[") and v == "email"
            )
            index = column[len("field_names[") : -1]
            emails = [
                v for k, v in pairs.items() if k.startswith("data[") and k.endswith(f"][{index}]")
            ]
            with self._record_lock:
                self.imports.append(emails)
        return super().handle(method, path, query, headers, body, **kwargs)


@pytest.fixture
def api() -> Iterator[ThreadedEmulatorServer]:
    with ThreadedEmulatorServer(RecordingEmulator()) as server:
        yield server


# --------------------------------------------------------------------------- the workers


@dataclass
class Worker:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    log: IO[bytes]

    def output(self, tail: int = 4000) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-tail:]

    def tasks(self) -> Counter[str]:
        """What became of the tasks this worker got: received, succeeded, failed, retried."""
        seen: Counter[str] = Counter()
        for line in self.output(tail=10**7).splitlines():
            if "Task selzy." not in line:
                continue
            for outcome in ("received", "succeeded", "raised", "retry"):
                if f"] {outcome}" in line:
                    seen[outcome] += 1
        return seen


def _stop(worker: Worker) -> None:
    """Warm shutdown (SIGTERM to the worker's process group), then SIGKILL; always reaped."""
    process = worker.process
    try:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        else:
            # The main process is gone: make sure no pool child outlives it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
    finally:
        worker.log.close()


@pytest.fixture
def celery_app(services: None) -> Iterator[Any]:
    """The producer side, on a queue of this test's own (the workers are told its name)."""
    from .celery_app import app

    app.conf.task_default_queue = f"selzy-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    app.set_current()
    try:
        yield app
    finally:
        app.close()  # the producer's broker connections


@pytest.fixture
def workers(
    database: str, api: ThreadedEmulatorServer, celery_app: Any, tmp_path: Path
) -> Iterator[list[Worker]]:
    token = uuid.uuid4().hex[:8]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.contrib_django.celery_settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "SELZY_CELERY_TEST_DB": database,
        "SELZY_CELERY_TEST_API": api.url,
        "SELZY_CELERY_TEST_BATCH": str(BATCH),
        "SELZY_TEST_CELERY_BROKER": BROKER_URL,
        "SELZY_TEST_CELERY_QUEUE": celery_app.conf.task_default_queue,
        "PGUSER": PG["USER"],
        "PGHOST": PG["HOST"],
        "PGPORT": PG["PORT"],
    }
    started: list[Worker] = []
    try:
        for number in range(1, WORKERS + 1):
            name = f"w{number}-{token}@selzy-test"
            log_path = tmp_path / f"worker{number}.log"
            log = log_path.open("wb")
            command = [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tests.contrib_django.celery_app",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                "1",
                "--hostname",
                name,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "INFO",
            ]
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the pool children stop with it
            )
            started.append(Worker(name, process, log_path, log))
        _wait_until_ready(celery_app, started)
        yield started
    finally:
        for worker in started:
            _stop(worker)


def _wait_until_ready(app: Any, workers: list[Worker]) -> None:
    names = {w.name for w in workers}
    deadline = time.monotonic() + START_TIMEOUT
    answered: set[str] = set()
    while time.monotonic() < deadline:
        for worker in workers:
            if worker.process.poll() is not None:
                pytest.fail(f"worker {worker.name} exited early:\n{worker.output()}")
        replies = app.control.ping(destination=sorted(names), timeout=0.5) or []
        answered |= {name for reply in replies for name in reply}
        if answered >= names:
            return
    logs = "\n".join(f"--- {w.name}\n{w.output()}" for w in workers)
    pytest.fail(f"workers not ready within {START_TIMEOUT:.0f} s (answered: {answered}):\n{logs}")


# --------------------------------------------------------------------------- the test


def seed(account: SeededAccount) -> tuple[int, set[str]]:
    """The linked account, the leads' mapping and the leads; returns the list and the emails
    that must end up in it (consenting leads with a valid address)."""
    from django.utils import timezone

    from selzy.contrib.django.models import Connection
    from tests.contrib_django.crm.models import Lead

    from .conftest import map_leads

    connection = Connection.current()
    connection.set_api_key(account.api_key)
    connection.login = account.login
    connection.connected_at = timezone.now()
    connection.save()
    map_leads()
    leads = [
        Lead(
            email=f"lead{i}@crm.example" if i % 97 != 5 else f"broken{i}@@crm",
            name=f"Lead {i}",
            consent=i % 40 != 0,
        )
        for i in range(LEADS)
    ]
    Lead.objects.bulk_create(leads)
    expected = {lead.email for lead in leads if lead.consent and "@@" not in lead.email}
    return account.list_ids["Customers"], expected


def start_run(list_id: int) -> int:
    """Submit one run's work through the task runner (``celery``: a message on the broker)."""
    from selzy.contrib.django import jobs

    return jobs.start_import("leads", list_id).pk


def wait_for_run(run_id: int, workers: list[Worker]) -> Any:
    from selzy.contrib.django.models import ImportRun

    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        run = ImportRun.objects.get(pk=run_id)
        if run.status in (ImportRun.Status.COMPLETED, ImportRun.Status.FAILED):
            return run
        for worker in workers:
            if worker.process.poll() is not None:
                pytest.fail(f"worker {worker.name} died during the run:\n{worker.output()}")
        time.sleep(0.1)
    logs = "\n".join(f"--- {w.name}\n{w.output()}" for w in workers)
    pytest.fail(f"run {run_id} not finished within {RUN_TIMEOUT:.0f} s:\n{logs}")


def test_workers_send_every_contact_of_a_run_exactly_once(
    shared_db: None, api: ThreadedEmulatorServer, workers: list[Worker]
) -> None:
    from django.test import override_settings

    from selzy.contrib.django.models import ImportRun

    emulator = api.emulator
    assert isinstance(emulator, RecordingEmulator)
    account = emulator.seed_account(
        ACCOUNT_KEY, lists=("Newsletter", "Customers"), fields={"Name": "string"}
    )
    list_id, expected = seed(account)
    consenting = sum(1 for i in range(LEADS) if i % 40 != 0)

    # IMPORT_CONCURRENCY: how many workers a full run is given (one task each).
    with override_settings(SELZY={**SELZY, "TASK_RUNNER": "celery", "IMPORT_CONCURRENCY": 2}):
        run_id = start_run(list_id)
    run = wait_for_run(run_id, workers)

    logs = "\n".join(f"--- {w.name}\n{w.output()}" for w in workers)
    assert run.status == ImportRun.Status.COMPLETED, f"{run.error}\n{logs}"
    # Every batch of the run went out once: at most one call per 100 source rows, each row once.
    assert 1 <= len(emulator.imports) <= math.ceil(consenting / BATCH)
    assert all(len(call) <= BATCH for call in emulator.imports)
    sent = Counter(email for call in emulator.imports for email in call)
    assert [email for email, times in sent.items() if times > 1] == []
    assert set(sent) == expected
    # And the list holds exactly the source's contacts, with their mapped names.
    state = emulator.state.accounts[ACCOUNT_KEY]
    name_field = next(f.id for f in state.fields.values() if f.name == "Name")
    in_list = {
        c.email: c.fields.get(name_field)
        for c in state.contacts.values()
        if list_id in c.email_lists
    }
    assert set(in_list) == expected
    assert all(in_list[email] == f"Lead {email[4:].split('@')[0]}" for email in expected)
    # Every task a worker received succeeded, none failed or came back; both workers are up.
    outcomes = sum((w.tasks() for w in workers), Counter())
    assert outcomes["received"] >= 1, logs
    assert outcomes == Counter(received=outcomes["received"], succeeded=outcomes["received"])
    assert all(w.process.poll() is None for w in workers)
    if outcomes["received"] >= WORKERS:
        # A worker holds one unacknowledged message at a time (prefetch 1, acks_late), so the
        # run's worker tasks went to different workers: they shared the run's batches.
        assert all(w.tasks()["received"] >= 1 for w in workers), logs
