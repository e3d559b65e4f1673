"""Settings of the demo CRM: SQLite, DEBUG on, the Selzy module pointed at the local emulator.

Environment (all optional):

- ``SELZY_BASE_URL``: the Selzy API host. Default: the local emulator, http://127.0.0.1:8025;
  https://api.selzy.com when ``SELZY_API_KEY`` is set (real-service mode).
- ``SELZY_API_KEY``: only switches the default host above. The key itself is never read here:
  the owner pastes it on the Connect screen, as on any site.
- ``SELZY_ENCRYPTION_KEY``: Fernet key the stored API key is encrypted with (a fixed demo key
  otherwise; never reuse that one).
- ``DEMO_SITE_URL``: how Selzy reaches this site to download segment files
  (default http://127.0.0.1:8000, which only the local emulator can reach).
- ``DEMO_DB_PATH``: the SQLite file (default demo/db.sqlite3).
- ``DEMO_TASK_RUNNER``: ``thread`` (default: imports run in the web process, no broker) or
  ``celery`` (imports are queued for Celery workers: see demo_site/celery.py).
- ``CELERY_BROKER_URL``: the broker with ``DEMO_TASK_RUNNER=celery``
  (default redis://127.0.0.1:6379/1).
- ``SELZY_RATE_LIMITER``: ``memory``, or the Redis URL of the rate-limit bucket every worker
  shares (default with ``DEMO_TASK_RUNNER=celery``: redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

# A demo secret: this site runs on 127.0.0.1 with DEBUG on and must never be deployed.
SECRET_KEY = os.environ.get("DEMO_SECRET_KEY", "demo-only-secret-key-not-for-production-4f0c2b7e9a")
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "selzy.contrib.django",
    "crm",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The newsletter page in the visitor's language (English or Russian).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "demo_site.urls"
WSGI_APPLICATION = "demo_site.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "demo_site" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DEMO_DB_PATH") or BASE_DIR / "db.sqlite3",
        "OPTIONS": {
            # The import writes from a background thread while pages read and write: wait for
            # the lock (seconds) instead of failing, take write locks up front, and let readers
            # run beside the writer.
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;",
        },
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "demo_site" / "locale"]  # the newsletter page's own texts
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"selzy": {"handlers": ["console"], "level": "INFO"}},
}

_REAL_SERVICE = bool(os.environ.get("SELZY_API_KEY"))
TASK_RUNNER = os.environ.get("DEMO_TASK_RUNNER", "thread")
_CELERY = TASK_RUNNER == "celery"

# Celery (DEMO_TASK_RUNNER=celery): read by demo_site/celery.py, the CELERY_ prefix stripped.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/1")
CELERY_TASK_IGNORE_RESULT = True
# One message at a time per worker process, so a second worker takes the next one.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A message whose worker vanished comes back after this long (seconds): longer than any job.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 3600}
# `celery -A demo_site beat`: the periodic scan for contacts changed behind the signals' back.
CELERY_BEAT_SCHEDULE = {
    "selzy-scan-changes": {"task": "selzy.scan_changes", "schedule": 300.0},
}

# The local emulator reaches http://127.0.0.1:8000; the real Selzy does not, and check
# selzy.W007 says so in real-service mode until DEMO_SITE_URL is a public address.
# demo/run.py runs the periodic scan every minute (as the README's cron line would), so the
# thread runner's warning that nothing runs it (selzy.W003) does not apply to `make demo`.
SILENCED_SYSTEM_CHECKS = ["selzy.W003"] + ([] if _REAL_SERVICE else ["selzy.W007"])

# Every setting of the module: see selzy.contrib.django.conf (and the README's table).
SELZY = {
    "PLATFORM": "SelzyDemoCRM",
    "BASE_URL": os.environ.get("SELZY_BASE_URL")
    or ("https://api.selzy.com" if _REAL_SERVICE else "http://127.0.0.1:8025"),
    "ENCRYPTION_KEY": os.environ.get(
        "SELZY_ENCRYPTION_KEY", "lelcZqPY5INpmrFf1xBur0MzN9iNnTQM0GodGaULRe4="
    ),
    "TASK_RUNNER": TASK_RUNNER,
    # One bucket per API key for every worker when several run (Redis), else per process.
    "RATE_LIMITER": os.environ.get(
        "SELZY_RATE_LIMITER", "redis://127.0.0.1:6379/0" if _CELERY else "memory"
    ),
    "SITE_URL": os.environ.get("DEMO_SITE_URL", "http://127.0.0.1:8000"),
    "CONTACT_SOURCES": {
        "leads": {
            "model": "crm.Lead",
            "label": "Leads",
            "fields": ["email", "name", "phone", "company", "birthday", "consent"],
            "email_field": "email",
            "phone_field": "phone",
            # Only leads who agreed to receive email are ever sent to Selzy.
            "filter": {"consent": True},
            "segments": {
                "b2b": {"label": "Leads with a company", "filter": {"company__gt": ""}},
                "summer_birthdays": {
                    "label": "Birthdays in June to August",
                    "filter": {"birthday__month__in": [6, 7, 8]},
                },
            },
            # What Selzy learns comes back to the lead (webhooks and the reconciliation):
            # an unsubscription clears the consent, a hard bounce or a complaint marks the
            # address undeliverable. A soft bounce only counts (on the lead's Selzy panel).
            "write_back": {
                "unsubscribed": {"consent": False, "consent_withdrawn_at": "@event_time"},
                "hard_bounce": {"email_undeliverable": True},
                "complaint": {"email_undeliverable": True, "consent": False},
            },
        }
    },
    # The public page /newsletter/ ({% selzy_signup_form "newsletter" %}): into the list chosen
    # on the List screen, with Selzy's confirmation letter (set on Selzy → Sign-up forms).
    "SIGNUP_FORMS": {
        "newsletter": {
            # Selzy's own Name field (every account has it), so the page works before mapping.
            "fields": [{"name": "Name", "type": "string", "label": _("Your name")}],
            "consent_text": _(
                "I agree to receive the Demo CRM newsletter by email. I can unsubscribe at any "
                "time with the link in every letter."
            ),
            "consent_version": "2026-01",
            "tags": ["website"],
            "title": _("The Demo CRM newsletter"),
        }
    },
}
