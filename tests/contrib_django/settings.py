"""Settings for the Django module's tests: SQLite, or PostgreSQL with SELZY_TEST_DB=postgres."""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

SECRET_KEY = "tests-only-secret-key-not-for-production-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "tests.contrib_django.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "selzy.contrib.django",
    "tests.contrib_django.crm",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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
STATIC_URL = "/static/"

# Annotated: the django-stubs mypy plugin type-checks these settings, and the SQLite branch's
# nested values differ from the PostgreSQL branch's.
DATABASES: dict[str, dict[str, Any]]
if os.environ.get("SELZY_TEST_DB") == "postgres":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("PGDATABASE", "test"),
            "USER": os.environ.get("PGUSER", "postgres"),
            "HOST": os.environ.get("PGHOST", "127.0.0.1"),
            "PORT": os.environ.get("PGPORT", "5432"),
        }
    }
else:
    # A file, not ":memory:": the sync's worker threads each open their own connection, and
    # SQLite's shared in-memory cache refuses concurrent writers instead of waiting.
    # SELZY_TEST_DB_PATH: the database of a `manage.py` subprocess (the SIGKILL test).
    _path = os.environ.get("SELZY_TEST_DB_PATH")
    _test_path = os.path.join(tempfile.gettempdir(), f"selzy-tests-{os.getpid()}.sqlite3")
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": _path or _test_path,
            "TEST": {"NAME": _test_path},
            "OPTIONS": {
                # Wait for the write lock (seconds) instead of failing, take it up front, and
                # let readers run beside the writer; durability does not matter in tests.
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;",
            },
        }
    }

SELZY = {
    "PLATFORM": "DjangoTests",
    "BASE_URL": "https://api.selzy.com",
    "ENCRYPTION_KEY": "Gk0dS3pQF1oGk9wTnIY8p0hU5r0B3a2JmYtq0c6dXlQ=",
    "CLIENT_FACTORY": "tests.contrib_django.emulated.client_factory",
    "TASK_RUNNER": "immediate",
    "SITE_URL": "http://testserver",
    "CONTACT_SOURCES": {
        "leads": {
            "model": "crm.Lead",
            "label": "Leads",
            "fields": ["email", "name", "phone", "company", "birthday", "score", "notes"],
            "email_field": "email",
            "phone_field": "phone",
            "filter": {"consent": True},
            "segments": {"vip": {"label": "VIP leads", "filter": {"score__gte": 80}}},
            "updated_field": "updated_at",
            "write_back": {
                "unsubscribed": {"consent": False, "consent_withdrawn_at": "@event_time"},
                "hard_bounce": {"email_undeliverable": True},
                "complaint": {"email_undeliverable": True, "consent": False},
            },
        }
    },
    # Incremental syncs run at once (the immediate runner would otherwise wait 10 s).
    "SYNC_DEBOUNCE": 0,
    "SIGNUP_FORMS": {
        # Name from the mapping (the leads' name), the others typed here.
        "newsletter": {
            "fields": [
                "Name",
                {"name": "Birthday", "type": "date", "label": "Birthday"},
                {"name": "Score", "type": "number"},
                {"name": "Vip", "type": "bool", "label": "VIP?"},
            ],
            "consent_text": "I agree to receive the newsletter. I can unsubscribe at any time.",
            "consent_version": "2026-01",
            "tags": ["site-form"],
        },
        # A members' area whose accounts are verified: no letter, straight into a list.
        "members": {
            "fields": [{"name": "Name", "type": "string", "required": True}, "phone"],
            "double_optin": "confirmed_by_site",
            "consent_text": "Send me the members' news.",
            "consent_version": "m-1",
        },
    },
}
# SELZY_TEST_SELZY: JSON merged into SELZY for a `manage.py` subprocess; the SIGKILL test points
# it at an emulator over real HTTP: {"BASE_URL": "http://127.0.0.1:...", "CLIENT_FACTORY": null}.
SELZY.update(json.loads(os.environ.get("SELZY_TEST_SELZY") or "{}"))
