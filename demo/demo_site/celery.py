"""The demo's Celery app: what a site with ``SELZY["TASK_RUNNER"] = "celery"`` copies.

With ``DEMO_TASK_RUNNER=celery`` the demo queues its imports and campaign launches on Redis
instead of running them in a thread of the web process, and workers run them::

    DEMO_TASK_RUNNER=celery make demo                                   # the site and emulator
    cd demo && DEMO_TASK_RUNNER=celery ../.venv/bin/celery -A demo_site worker -l info  # workers
    cd demo && DEMO_TASK_RUNNER=celery ../.venv/bin/celery -A demo_site beat -l info    # the scan

The broker is ``CELERY_BROKER_URL`` (default redis://127.0.0.1:6379/1); the other ``CELERY_*``
settings are read from the Django settings (see demo_site/settings.py). ``demo_site/__init__``
imports this module, so that the web process sends its tasks through this app and its broker.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_site.settings")

# include: the Selzy module's tasks live in selzy.contrib.django.celery_tasks, which
# autodiscover_tasks() (it looks for each app's "tasks" module) would not find.
app = Celery("demo_site", include=["selzy.contrib.django.celery_tasks"])
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()  # the site's own apps' tasks.py modules, if any
