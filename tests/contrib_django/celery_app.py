"""The Celery app of test_celery.py, for the test process (producer) and its workers alike.

``celery -A tests.contrib_django.celery_app worker`` with DJANGO_SETTINGS_MODULE set to
``tests.contrib_django.celery_settings``; the broker and the queue come from the environment
(SELZY_TEST_CELERY_BROKER, SELZY_TEST_CELERY_QUEUE) so that a test run has a queue of its own.
"""

from __future__ import annotations

import os

from celery import Celery

BROKER_URL = os.environ.get("SELZY_TEST_CELERY_BROKER", "redis://127.0.0.1:6379/15")
QUEUE = os.environ.get("SELZY_TEST_CELERY_QUEUE", "selzy-tests")

app = Celery("selzy_tests", include=["selzy.contrib.django.celery_tasks"])
app.conf.update(
    broker_url=BROKER_URL,
    broker_connection_retry_on_startup=True,
    task_default_queue=QUEUE,
    task_ignore_result=True,
    # One message at a time per worker process: a second worker gets the next one.
    worker_prefetch_multiplier=1,
    worker_hijack_root_logger=False,
)
