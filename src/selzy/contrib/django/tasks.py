"""Background execution behind one small seam: ``submit("module.function", *args)``.

``SELZY["TASK_RUNNER"]``:
- ``"thread"`` (default): a daemon thread in the web process. Needs no broker (the demo uses
  it); a run cut short by a restart resumes from its checkpoint when started again.
- ``"immediate"``: runs in the caller, for tests and management commands.
- ``"celery"``: a Celery task (scale-out; needs the ``[celery]`` extra and a broker).

Jobs take only ids, so every runner can carry them, and look everything else up themselves.

The sync ledger's two entry points are named here by dotted path, so the runners (the Celery
tasks ``selzy.sync_worker`` and ``selzy.scan_changes`` in :mod:`.celery_tasks`, a management
command, a thread) all call the same function: :data:`SYNC_WORKER_JOB` and
:data:`SCAN_CHANGES_JOB`.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.db import close_old_connections
from django.utils.module_loading import import_string

from .conf import selzy_settings

logger = logging.getLogger("selzy.django")

#: One worker of a run, ``job(run_id)``: works through the run's batches until none is left and
#: returns; idempotent, and several may run at once for one run (each batch is claimed under a
#: row lock). Celery runs it as ``selzy.sync_worker``.
SYNC_WORKER_JOB = "selzy.contrib.django.jobs.run_import_job"

#: The periodic scan, ``job()``: queues the source rows changed since the last scan (bulk
#: updates bypass the signals). Celery beat runs it as ``selzy.scan_changes``.
SCAN_CHANGES_JOB = "selzy.contrib.django.jobs.scan_changes"


def _run(path: str, args: tuple[Any, ...]) -> None:
    try:
        import_string(path)(*args)
    except Exception:  # a background job has no caller to raise to: log it
        logger.exception("Selzy background job %s%r failed", path, args)
    finally:
        close_old_connections()


def submit(path: str, *args: Any) -> None:
    """Run the job at dotted ``path`` with ``args`` on the configured runner."""
    runner = selzy_settings().task_runner
    if runner == "immediate":
        import_string(path)(*args)
    elif runner == "celery":
        from .celery_tasks import run_job

        run_job.delay(path, *args)
    else:
        thread = threading.Thread(
            target=_run, args=(path, args), name=f"selzy-{path.rsplit('.', 1)[-1]}", daemon=True
        )
        thread.start()
