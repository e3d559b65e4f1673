"""The demo CRM's Django project. With DEMO_TASK_RUNNER=celery the Celery app is loaded with
Django, so that the web process queues the Selzy module's tasks on the demo's broker."""

from __future__ import annotations

import os

if os.environ.get("DEMO_TASK_RUNNER") == "celery":
    from .celery import app as celery_app

    __all__ = ["celery_app"]
