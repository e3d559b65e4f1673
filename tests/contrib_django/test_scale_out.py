"""Scale-out settings and tasks: RATE_LIMITER (memory or a shared Redis bucket) and the Celery
tasks run in process (``task.apply``; the real workers are in test_celery.py)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from selzy.client import InMemoryRateLimiter, RedisRateLimiter
from selzy.contrib.django import client as client_module
from selzy.contrib.django import tasks
from selzy.contrib.django.conf import selzy_settings
from selzy.contrib.django.models import Connection, ImportRun
from selzy.emulator import SeededAccount
from tests.services import require_service

from .conftest import map_leads
from .settings import SELZY

REDIS_URL = os.environ.get("SELZY_TEST_RATE_LIMIT_REDIS", "redis://127.0.0.1:6379/14")


@pytest.fixture(autouse=True)
def _fresh_limiters() -> Iterator[None]:
    client_module.close_rate_limiters()
    yield
    client_module.close_rate_limiters()


def check_ids() -> list[str]:
    return [m.id for m in checks.run_checks(tags=["selzy"])]


# --------------------------------------------------------------------------- RATE_LIMITER


def test_rate_limiter_defaults_to_memory() -> None:
    assert selzy_settings().rate_limiter == "memory"


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "rediss://r:6380/1", "unix:///r.s"])
def test_rate_limiter_takes_a_redis_url(url: str) -> None:
    with override_settings(SELZY={**SELZY, "RATE_LIMITER": url}):
        assert selzy_settings().rate_limiter == url


@pytest.mark.parametrize("value", ["memcached", "http://127.0.0.1:6379/0", 42])
def test_a_bad_rate_limiter_is_explained(value: object) -> None:
    with override_settings(SELZY={**SELZY, "RATE_LIMITER": value}):
        with pytest.raises(ImproperlyConfigured, match=r'"memory" \(one bucket per process\)'):
            selzy_settings()
        assert check_ids() == ["selzy.E001"]


def test_celery_with_a_per_process_limiter_is_warned_about() -> None:
    with override_settings(SELZY={**SELZY, "TASK_RUNNER": "celery"}):
        assert "selzy.W002" in check_ids()
    with override_settings(SELZY={**SELZY, "TASK_RUNNER": "celery", "RATE_LIMITER": REDIS_URL}):
        assert "selzy.W002" not in check_ids()
    with override_settings(SELZY={**SELZY, "TASK_RUNNER": "thread"}):
        assert "selzy.W002" not in check_ids()


def test_nothing_running_the_periodic_scan_is_warned_about() -> None:
    """The thread runner cannot know whether a cron job runs the scan: it says what is needed.
    Celery: the beat schedule must run selzy.scan_changes."""
    with override_settings(SELZY={**SELZY, "TASK_RUNNER": "thread"}):
        (warning,) = [m for m in checks.run_checks(tags=["selzy"]) if m.id == "selzy.W003"]
        assert "nothing in the site runs the periodic scan" in warning.msg
        assert "manage.py selzy_sync --incremental` every few minutes" in (warning.hint or "")
        assert "`manage.py selzy_reconcile --if-due` beside it" in (warning.hint or "")
        assert "selzy.W004" not in check_ids()
        with override_settings(SILENCED_SYSTEM_CHECKS=["selzy.W003"]):
            assert warning.is_silenced()
    celery = {**SELZY, "TASK_RUNNER": "celery", "RATE_LIMITER": REDIS_URL}
    with override_settings(SELZY=celery):
        assert "selzy.W004" in check_ids()
        assert "selzy.W003" not in check_ids()
    beat = {"selzy-scan-changes": {"task": "selzy.scan_changes", "schedule": 300.0}}
    with override_settings(SELZY=celery, CELERY_BEAT_SCHEDULE=beat):
        assert "selzy.W004" not in check_ids()
    other = {"something-else": {"task": "crm.cleanup", "schedule": 60.0}}
    with override_settings(SELZY=celery, CELERY_BEAT_SCHEDULE=other):
        assert "selzy.W004" in check_ids()
    assert {"selzy.W003", "selzy.W004"}.isdisjoint(check_ids())  # the immediate runner


def test_a_redis_limiter_without_the_redis_package_is_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)  # what `import redis` sees when missing
    with override_settings(SELZY={**SELZY, "RATE_LIMITER": REDIS_URL}):
        assert "selzy.E007" in check_ids()
    assert "selzy.E007" not in check_ids()


def test_memory_limiter_is_one_per_process_shared_by_every_client() -> None:
    settings = {k: v for k, v in SELZY.items() if k != "CLIENT_FACTORY"}
    with override_settings(SELZY=settings):
        limiter = client_module.rate_limiter()
        assert isinstance(limiter, InMemoryRateLimiter)
        assert client_module.rate_limiter() is limiter
        with client_module.make_client("key-one") as one, client_module.make_client("k2") as two:
            # The clients keep no limiter of their own: both meter through the process's.
            assert one._options.rate_limiter is limiter
            assert two._options.rate_limiter is limiter


def _ping_redis() -> None:
    import redis

    with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1) as client:
        client.ping()


@pytest.mark.django_db
def test_redis_limiter_meters_the_module_calls_in_redis(
    connected: Connection, account: SeededAccount
) -> None:
    require_service(f"Redis at {REDIS_URL}", _ping_redis)
    import redis

    with redis.Redis.from_url(REDIS_URL) as server:
        for key in server.scan_iter(match="selzy:rl:*"):
            server.delete(key)
        with override_settings(SELZY={**SELZY, "RATE_LIMITER": REDIS_URL}):
            limiter = client_module.rate_limiter()
            assert isinstance(limiter, RedisRateLimiter)
            with client_module.connected_client() as client:  # through CLIENT_FACTORY
                assert [x.title for x in client.get_lists()] == ["Newsletter", "Customers"]
            with client_module.connected_client() as client:
                client.get_fields()
        try:
            # The account's bucket and getLists' own: one key each, shared by every process.
            keys = sorted(k.decode() for k in server.scan_iter(match="selzy:rl:*"))
            assert keys
            assert account.api_key not in "".join(keys)
            assert all(server.pttl(k) > 0 for k in keys)  # idle buckets expire
        finally:
            for key in server.scan_iter(match="selzy:rl:*"):
                server.delete(key)


# --------------------------------------------------------------------------- Celery tasks


def test_celery_tasks_are_acknowledged_late_and_given_back_on_worker_loss() -> None:
    from selzy.contrib.django import celery_tasks

    names = {
        "selzy.sync_worker",
        "selzy.dry_run",
        "selzy.scan_changes",
        "selzy.launch_campaign",
        "selzy.process_events",
        "selzy.fetch_activity",
        "selzy.reconcile",
        "selzy.send_signups",
    }
    assert set(celery_tasks.TASKS) == names
    for name, task in celery_tasks.TASKS.items():
        assert task.name == name
        assert task.acks_late is True
        assert task.reject_on_worker_lost is True


@pytest.mark.django_db(transaction=True)
def test_sync_worker_runs_the_run_and_a_second_delivery_changes_nothing(
    connected: Connection, account: SeededAccount, leads: list[Any]
) -> None:
    from selzy.contrib.django import celery_tasks

    map_leads()
    run = ImportRun.objects.create(source="leads", list_id=account.list_ids["Customers"])
    worker_task = celery_tasks.TASKS["selzy.sync_worker"]
    worker_task.apply(args=(run.pk,)).get()
    run.refresh_from_db()
    assert run.status == ImportRun.Status.COMPLETED
    totals = dict(run.totals)
    worker_task.apply(args=(run.pk,)).get()  # redelivered
    run.refresh_from_db()
    assert run.totals == totals


def test_every_job_is_declared_once_with_its_task_name() -> None:
    from selzy.contrib.django import (
        activity,
        celery_tasks,
        dryrun,
        events,
        jobs,
        reconcile,
        signup_queue,
        worker,
    )

    assert {
        "selzy.sync_worker": worker.work,
        "selzy.dry_run": dryrun.dry_run_job,
        "selzy.scan_changes": jobs.scan_changes,
        "selzy.launch_campaign": jobs.launch_campaign_job,
        "selzy.process_events": events.process_events,
        "selzy.fetch_activity": activity.fetch_activity,
        "selzy.reconcile": reconcile.reconcile,
        "selzy.send_signups": signup_queue.send_signups,
    } == tasks.JOBS
    for name, function in tasks.JOBS.items():
        assert tasks.job_name(function) == name
        assert celery_tasks.TASKS[name].__doc__ == function.__doc__
    with pytest.raises(LookupError, match="not declared"):
        tasks.job_name(map_leads)


@pytest.mark.django_db
def test_the_scan_task_runs_the_scan_job(connected: Connection, leads: list[Any]) -> None:
    from selzy.contrib.django import celery_tasks
    from selzy.contrib.django.models import SourceScan

    assert not SourceScan.objects.exists()
    celery_tasks.TASKS["selzy.scan_changes"].apply().get()
    assert SourceScan.objects.get(source="leads").scanned_at is not None
