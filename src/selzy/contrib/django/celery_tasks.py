"""The Celery side of the task seam (``SELZY["TASK_RUNNER"] = "celery"``).

Three tasks, registered when this module is imported (a site's Celery app lists it:
``Celery("site", include=["selzy.contrib.django.celery_tasks"])``):

- ``selzy.run_job(path, *args)``: what :func:`~selzy.contrib.django.tasks.submit` sends; runs
  any module job by its dotted path. The one generic task.
- ``selzy.sync_worker(run_id)``: one worker of a sync run (:data:`.tasks.SYNC_WORKER_JOB`);
  queue several for one run and they share its batches.
- ``selzy.scan_changes()``: the periodic scan for changed contacts
  (:data:`.tasks.SCAN_CHANGES_JOB`), for Celery beat.

Delivery: jobs are idempotent and resume from their checkpoint, so every task is acknowledged
late (after it returned) and given back to the broker when its worker process dies (OOM, kill -9,
a deploy): another worker then runs it again and it continues where the checkpoint says. With
Redis as the broker a message whose whole worker vanished comes back after the transport's
``visibility_timeout`` (one hour by default); keep that longer than the longest job.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils.module_loading import import_string

from . import tasks

# acks_late: acknowledged once the job returned; reject_on_worker_lost: a worker process that
# dies mid-job gives the message back instead of acknowledging it as failed.
_DELIVERY: dict[str, Any] = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="selzy.run_job", **_DELIVERY)
def run_job(path: str, *args: Any) -> None:
    """Run a module job by its dotted path; jobs are idempotent and resume from checkpoints."""
    import_string(path)(*args)


@shared_task(name="selzy.sync_worker", **_DELIVERY)
def sync_worker(run_id: int) -> None:
    """One worker of sync run ``run_id``: takes the run's batches until none is left."""
    import_string(tasks.SYNC_WORKER_JOB)(run_id)


@shared_task(name="selzy.scan_changes", **_DELIVERY)
def scan_changes() -> None:
    """Queue the contacts changed since the last scan (for Celery beat, every few minutes)."""
    import_string(tasks.SCAN_CHANGES_JOB)()
