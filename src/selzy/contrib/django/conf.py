"""The module's settings: one ``SELZY`` dict in the Django settings, read through one function.

::

    SELZY = {
        "PLATFORM": "MyCRM",                       # required: your system's name
        "BASE_URL": "https://api.selzy.com",       # the emulator's URL in demos and tests
        "LANG": "en",                              # language of Selzy's messages
        "ENCRYPTION_KEY": None,                    # Fernet key (or a list, newest first)
        "CONTACT_SOURCES": {...},                  # models holding contacts (auth.User default)
        "CLIENT_FACTORY": None,                    # dotted path of a callable making the client
        "TASK_RUNNER": "thread",                   # "thread", "immediate" or "celery"
        "RATE_LIMITER": "memory",                  # or a Redis URL shared by all workers
        "SITE_URL": None,                          # how Selzy reaches this site (segment files)
        "SEGMENT_URL_MAX_AGE": 604800,             # seconds a segment link stays valid
        "IMPORT_BATCH_SIZE": 500,                  # rows per importContacts call (at most 500)
        "IMPORT_CONCURRENCY": 1,                   # workers (calls in flight) per sync run
        "BATCH_LEASE": 120,                        # seconds before a silent worker's batch is
                                                   # taken over (keep above TIMEOUT x retries)
        "BATCH_ATTEMPTS": 5,                       # failed sends of a batch before the run fails
        "SYNC_DEBOUNCE": 10,                       # seconds an incremental sync waits for more
                                                   # changes after the first one
        "TIMEOUT": 60,                             # seconds per API call
        "MAX_RETRIES": 3,                          # retries of a failed call
    }

ENCRYPTION_KEY: a key from ``cryptography.fernet.Fernet.generate_key()``. The API key is stored
encrypted with it. Left out, a key is derived from SECRET_KEY (check selzy.W001 says so); a list
of keys allows rotation (the first encrypts, all decrypt).

RATE_LIMITER: where the module meters its calls against Selzy's limits (1,200 calls a minute per
API key, plus per-method limits). ``"memory"``: one bucket per API key in each process, shared by
its threads; right for the thread runner and a single web process. A Redis URL
(``"redis://127.0.0.1:6379/0"``, ``rediss://`` or ``unix://``): one bucket per API key kept in
Redis (:class:`selzy.client.RedisRateLimiter`) and shared by every process and machine that uses
that Redis, which is what several Celery workers on one key need (check selzy.W002 warns about
"celery" with "memory"). It needs the ``redis`` package (check selzy.E007).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from selzy.protocol import DEFAULT_BASE_URL, DEFAULT_LANG, MAX_IMPORT_ROWS, PLATFORM_PATTERN

TASK_RUNNERS = ("thread", "immediate", "celery")
MEMORY_RATE_LIMITER = "memory"
REDIS_URL_SCHEMES = ("redis://", "rediss://", "unix://")

DEFAULT_USER_SOURCE: dict[str, Any] = {
    "label": "Users",
    "model": None,  # settings.AUTH_USER_MODEL, read when used
    "fields": ["email", "first_name", "last_name", "date_joined"],
    "email_field": "email",
    "filter": {"is_active": True},
}


@dataclass(frozen=True)
class SelzySettings:
    """The validated ``SELZY`` settings."""

    platform: str
    base_url: str = DEFAULT_BASE_URL
    lang: str = DEFAULT_LANG
    encryption_keys: tuple[str, ...] = ()
    contact_sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    client_factory: str | None = None
    task_runner: str = "thread"
    rate_limiter: str = MEMORY_RATE_LIMITER
    site_url: str | None = None
    segment_url_max_age: int = 7 * 24 * 3600
    import_batch_size: int = MAX_IMPORT_ROWS
    import_concurrency: int = 1
    batch_lease: float = 120.0
    batch_attempts: int = 5
    sync_debounce: float = 10.0
    timeout: float = 60.0
    max_retries: int = 3


_KNOWN = {
    "PLATFORM",
    "BASE_URL",
    "LANG",
    "ENCRYPTION_KEY",
    "CONTACT_SOURCES",
    "CLIENT_FACTORY",
    "TASK_RUNNER",
    "RATE_LIMITER",
    "SITE_URL",
    "SEGMENT_URL_MAX_AGE",
    "IMPORT_BATCH_SIZE",
    "IMPORT_CONCURRENCY",
    "BATCH_LEASE",
    "BATCH_ATTEMPTS",
    "SYNC_DEBOUNCE",
    "TIMEOUT",
    "MAX_RETRIES",
}


def _raw() -> dict[str, Any]:
    raw = getattr(settings, "SELZY", None)
    if raw is None:
        raise ImproperlyConfigured(
            'Add a SELZY dict to your settings, at least SELZY = {"PLATFORM": "YourSystemName"}'
        )
    if not isinstance(raw, dict):
        raise ImproperlyConfigured(f"SELZY must be a dict, not {type(raw).__name__}")
    return raw


def selzy_settings() -> SelzySettings:
    """Read and validate ``settings.SELZY``; every problem is an ImproperlyConfigured that
    says what to write instead."""
    raw = _raw()
    unknown = sorted(set(raw) - _KNOWN)
    if unknown:
        raise ImproperlyConfigured(
            f"SELZY has unknown keys {unknown}; the known ones are {sorted(_KNOWN)}"
        )
    platform = raw.get("PLATFORM")
    if not platform:
        raise ImproperlyConfigured(
            'SELZY["PLATFORM"] is required: the name of your system, agreed with Selzy, '
            "sent with every API call"
        )
    if not isinstance(platform, str) or not PLATFORM_PATTERN.fullmatch(platform):
        raise ImproperlyConfigured(
            f'SELZY["PLATFORM"] = {platform!r}: use Latin letters and digits only, without '
            "spaces or special characters (the integration guidelines' rule)"
        )
    keys = raw.get("ENCRYPTION_KEY") or ()
    if isinstance(keys, str | bytes):
        keys = (keys,)
    runner = raw.get("TASK_RUNNER", "thread")
    if runner not in TASK_RUNNERS:
        raise ImproperlyConfigured(
            f'SELZY["TASK_RUNNER"] = {runner!r}: choose one of {", ".join(TASK_RUNNERS)}'
        )
    limiter = raw.get("RATE_LIMITER") or MEMORY_RATE_LIMITER
    if limiter != MEMORY_RATE_LIMITER and not (
        isinstance(limiter, str) and limiter.startswith(REDIS_URL_SCHEMES)
    ):
        raise ImproperlyConfigured(
            f'SELZY["RATE_LIMITER"] = {limiter!r}: use "memory" (one bucket per process) or a '
            'Redis URL shared by all workers, e.g. "redis://127.0.0.1:6379/0"'
        )
    batch = int(raw.get("IMPORT_BATCH_SIZE", MAX_IMPORT_ROWS))
    if not 1 <= batch <= MAX_IMPORT_ROWS:
        raise ImproperlyConfigured(
            f'SELZY["IMPORT_BATCH_SIZE"] = {batch}: Selzy takes 1 to {MAX_IMPORT_ROWS} rows a call'
        )
    sources = raw.get("CONTACT_SOURCES") or {"users": dict(DEFAULT_USER_SOURCE)}
    if not isinstance(sources, dict):
        raise ImproperlyConfigured(
            'SELZY["CONTACT_SOURCES"] must be a dict: {"name": {"model": "app.Model", ...}}'
        )
    site_url = raw.get("SITE_URL")
    return SelzySettings(
        platform=platform,
        base_url=str(raw.get("BASE_URL") or DEFAULT_BASE_URL).rstrip("/"),
        lang=str(raw.get("LANG") or DEFAULT_LANG),
        encryption_keys=tuple(k.decode() if isinstance(k, bytes) else str(k) for k in keys),
        contact_sources={str(k): dict(v) for k, v in sources.items()},
        client_factory=raw.get("CLIENT_FACTORY"),
        task_runner=runner,
        rate_limiter=limiter,
        site_url=str(site_url).rstrip("/") if site_url else None,
        segment_url_max_age=int(raw.get("SEGMENT_URL_MAX_AGE", 7 * 24 * 3600)),
        import_batch_size=batch,
        import_concurrency=max(1, int(raw.get("IMPORT_CONCURRENCY", 1))),
        batch_lease=max(1.0, float(raw.get("BATCH_LEASE", 120))),
        batch_attempts=max(1, int(raw.get("BATCH_ATTEMPTS", 5))),
        sync_debounce=max(0.0, float(raw.get("SYNC_DEBOUNCE", 10))),
        timeout=float(raw.get("TIMEOUT", 60.0)),
        max_retries=int(raw.get("MAX_RETRIES", 3)),
    )
