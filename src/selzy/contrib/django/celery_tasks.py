"""The Celery side of the task seam (``SELZY["TASK_RUNNER"] = "celery"``)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils.module_loading import import_string


@shared_task(name="selzy.run_job", acks_late=True)
def run_job(path: str, *args: Any) -> None:
    """Run a module job by its dotted path; jobs are idempotent and resume from checkpoints."""
    import_string(path)(*args)
