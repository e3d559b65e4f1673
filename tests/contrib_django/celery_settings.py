"""Django settings of test_celery.py's workers: the test settings, on the PostgreSQL database the
test created (SELZY_CELERY_TEST_DB), calling the emulator server over HTTP (SELZY_CELERY_TEST_API)
and metering through a Redis bucket shared by both workers (SELZY_TEST_CELERY_BROKER's Redis)."""

from __future__ import annotations

import os

from .settings import *  # noqa: F403 - the test settings, with the changes below
from .settings import SELZY

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["SELZY_CELERY_TEST_DB"],
        "USER": os.environ.get("PGUSER", "postgres"),
        "HOST": os.environ.get("PGHOST", "127.0.0.1"),
        "PORT": os.environ.get("PGPORT", "5432"),
    }
}

SELZY = {
    **{key: value for key, value in SELZY.items() if key != "CLIENT_FACTORY"},
    "BASE_URL": os.environ["SELZY_CELERY_TEST_API"],
    "TASK_RUNNER": "celery",
    "RATE_LIMITER": os.environ.get("SELZY_TEST_CELERY_BROKER", "redis://127.0.0.1:6379/15"),
    "IMPORT_BATCH_SIZE": int(os.environ.get("SELZY_CELERY_TEST_BATCH", "100")),
    "TIMEOUT": 20,
}
