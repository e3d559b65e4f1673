"""Background execution behind one small seam: ``submit(job, *args)``.

A job is a module function declared once with :func:`job` and the name its Celery task has;
every runner calls that very function:

- ``SELZY["TASK_RUNNER"] = "thread"`` (default): a daemon thread in the web process. Needs no
  broker (the demo uses it). The thread dies with its process (a restart, a shell or cron
  command that saved a record and exited): the run is then interrupted once its lease runs out
  (:mod:`.leases`) and its contacts go to the next sync; a periodic ``selzy_sync
  --incremental`` (cron) makes sure one comes (check ``selzy.W003``).
- ``"immediate"``: runs in the caller, for tests and management commands.
- ``"celery"``: the job's Celery task (scale-out; needs the ``[celery]`` extra and a broker;
  :mod:`.celery_tasks` registers one task per job).

Jobs take only ids, so every runner can carry them, and look everything else up themselves.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import close_old_connections

from .conf import selzy_settings

logger = logging.getLogger("selzy.django")

Job = TypeVar("Job", bound=Callable[..., Any])

#: Every declared job by its Celery task name.
JOBS: dict[str, Callable[..., Any]] = {}


def job(name: str) -> Callable[[Job], Job]:
    """Declare the decorated function a background job, run by Celery as task ``name``."""

    def declare(function: Job) -> Job:
        JOBS[name] = function
        return function

    return declare


def job_name(function: Callable[..., Any]) -> str:
    """The task name ``function`` was declared with."""
    for name, declared in JOBS.items():
        if declared is function:
            return name
    raise LookupError(f"{function.__qualname__} is not declared with @job")


def _run(function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        function(*args)
    except Exception:  # a background job has no caller to raise to: log it
        logger.exception("Selzy background job %s%r failed", job_name(function), args)
    finally:
        close_old_connections()


def submit(function: Callable[..., Any], *args: Any) -> None:
    """Run the job ``function`` with ``args`` on the configured runner."""
    name = job_name(function)
    runner = selzy_settings().task_runner
    if runner == "immediate":
        function(*args)
    elif runner == "celery":
        from .celery_tasks import TASKS  # Celery is an optional extra

        TASKS[name].delay(*args)
    else:
        thread = threading.Thread(
            target=_run, args=(function, args), name=f"selzy-{name}", daemon=True
        )
        thread.start()
