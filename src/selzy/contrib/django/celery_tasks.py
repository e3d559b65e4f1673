"""The Celery side of the task seam (``SELZY["TASK_RUNNER"] = "celery"``).

One task per job declared with :func:`.tasks.job`, registered when this module is imported (a
site's Celery app lists it: ``Celery("site", include=["selzy.contrib.django.celery_tasks"])``):

- ``selzy.sync_worker(run_id)``: one worker of a sync run; queue several for one run and they
  share its batches;
- ``selzy.dry_run(run_id)``: count what a sync would do;
- ``selzy.scan_changes()``: the periodic scan for changed contacts, for Celery beat;
- ``selzy.launch_campaign(campaign_id, site_url)``: import the contacts, then createCampaign;
- ``selzy.process_events(*event_ids)``: apply stored webhook events (and the stale ones);
- ``selzy.fetch_activity(campaign_pk)``: a campaign's per-contact activity (delivery report).
- ``selzy.reconcile(reconciliation_id)``: read the list's statuses from an export, repair what
  a webhook missed, check (and re-arm) the webhook; the scan submits it. It waits for the
  export inline (getTaskResult every few seconds), so it holds a worker for that long.
- ``selzy.send_signups()``: send the sign-ups of the site's forms waiting for Selzy, in order;
  each sign-up submits it, and so does the scan while one waits (after a failure).

Delivery: jobs are idempotent and resume from the ledger, so every task is acknowledged late
(after it returned) and given back to the broker when its worker process dies (OOM, kill -9, a
deploy): another worker then runs it again and it continues where the ledger says. With Redis as
the broker a message whose whole worker vanished comes back after the transport's
``visibility_timeout`` (one hour by default); keep that longer than the longest job.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Task, shared_task

from . import jobs  # noqa: F401 - declares every job (it imports the worker and the dry run)
from .tasks import JOBS


def _task(name: str, function: Callable[..., Any]) -> Task[..., None]:
    def run(*args: Any) -> None:
        function(*args)  # jobs return model rows: nothing a result backend should store

    run.__doc__ = function.__doc__
    # acks_late: acknowledged once the job returned; reject_on_worker_lost: a worker process
    # that dies mid-job gives the message back instead of acknowledging it as failed.
    return shared_task(name=name, acks_late=True, reject_on_worker_lost=True)(run)


#: The Celery task of every job, by task name.
TASKS: dict[str, Task[..., None]] = {name: _task(name, function) for name, function in JOBS.items()}
