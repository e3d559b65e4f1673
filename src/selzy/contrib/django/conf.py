"""The module's settings: one ``SELZY`` dict in the Django settings, read through one function.

Each key is declared once, as a field of :class:`SelzySettings` with its default and how it is
read; the known keys, the defaults and the validation all come from there. The example below
(the defaults, but for PLATFORM and CONTACT_SOURCES) and the README's table describe them, and
a test keeps both in step with the fields.

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
        "SITE_URL": None,                          # how Selzy reaches this site (webhook,
                                                   # segment files)
        "SEGMENT_URL_MAX_AGE": 604800,             # seconds a segment link stays valid
        "IMPORT_BATCH_SIZE": 500,                  # rows per importContacts call (at most 500)
        "IMPORT_CONCURRENCY": 1,                   # workers (calls in flight) per sync run
        "BATCH_LEASE": 120,                        # seconds before a silent worker's batch is
                                                   # taken over (keep above TIMEOUT x retries)
        "BATCH_ATTEMPTS": 5,                       # failed sends of a batch before the run fails
        "RUN_LEASE": 300,                          # seconds before a queued or running sync no
                                                   # worker reports on is interrupted (its
                                                   # process died); at least BATCH_LEASE
        "SYNC_DEBOUNCE": 10,                       # seconds an incremental sync waits for more
                                                   # changes after the first one
        "RECONCILE_EVERY": 86400,                  # seconds between reconciliations of the
                                                   # list's statuses with Selzy's (0: never)
        "REMOVAL": "exclude",                      # a contact leaving the source leaves the list
                                                   # ("delete": from the account, with its history)
        "TIMEOUT": 60,                             # seconds per API call
        "MAX_RETRIES": 3,                          # retries of a failed call
        "INVALID_VALUES": "drop",                  # a value that does not fit its field: sent
                                                   # empty, the contact kept ("reject": strict)
        "PHONE_COUNTRY": None,                     # country of national phone numbers ("RU")
        "DECIMAL_COMMA": False,                    # text numbers written 1 234,56
        "DATE_FORMAT": None,                       # order of text dates: "MM/DD/YYYY"...
        "SIGNUP_FORMS": {},                        # sign-up forms by key (.signup_config)
        "SIGNUP_IP": "hash",                       # a consent record's IP: "store", "hash"
                                                   # (HMAC with SECRET_KEY) or "none"
        "SIGNUP_LIMIT_PER_IP": (20, 3600),         # sign-up posts an IP may make, per seconds
        "SIGNUP_LIMIT_PER_EMAIL": (3, 3600),       # sign-ups of one address, per seconds
        "SIGNUP_CACHE": "default",                 # the Django cache the limits count in
        "SIGNUP_PROXIES": 0,                       # proxies in front of the site that add
                                                   # X-Forwarded-For (the visitor's IP)
        "NEWSLETTER_SENDER": None,                 # {"email": ..., "name": ...}: the confirmed
                                                   # sender of Wagtail newsletters
    }

ENCRYPTION_KEY: a key from ``cryptography.fernet.Fernet.generate_key()``. The API key is stored
encrypted with it. Left out, a key is derived from SECRET_KEY (check selzy.W001 says so); a list
of keys allows rotation (the first encrypts, all decrypt).

RUN_LEASE: a sync's workers write its ``heartbeat_at`` while they live (at least every few
seconds between batches). A queued or running sync none of them has written for this long (or
for BATCH_LEASE, whichever is longer: one batch may take that long) has no live worker, and the
next save, periodic scan, ``selzy_sync`` or worker marks it ``interrupted`` and hands the contacts
it held to the next sync (:mod:`.leases`). Keep it above the longest planning of a full sync and,
with Celery, above how long a queued task may wait for a free worker.

RATE_LIMITER: where the module meters its calls against Selzy's limits (1,200 calls a minute per
API key, plus per-method limits). ``"memory"``: one bucket per API key in each process, shared by
its threads; right for the thread runner and a single web process. A Redis URL
(``"redis://127.0.0.1:6379/0"``, ``rediss://`` or ``unix://``): one bucket per API key kept in
Redis (:class:`selzy.client.RedisRateLimiter`) and shared by every process and machine that uses
that Redis, which is what several Celery workers on one key need (check selzy.W002 warns about
"celery" with "memory"). It needs the ``redis`` package (check selzy.E007). While that Redis
cannot be reached no call goes out: the screens say so on their form, and a sync fails with that
reason like any failed Selzy call (Resume continues it once Redis is back).

REMOVAL: what a sync does with a contact whose record was deleted, left the source's filter or
lost a valid address. ``"exclude"`` takes it out of the list: the Selzy account keeps the
contact, its other lists and its unsubscriptions, so a person who unsubscribed and later comes
back in the CRM stays unsubscribed. ``"delete"`` deletes it from the whole account (importContacts'
``delete`` column), erasing that history: a returning person is then a new, active subscriber.
An email change always deletes the old address, so its phone moves to the new one.

RECONCILE_EVERY: the periodic scan (``selzy.scan_changes``) starts the reconciliation job
(:mod:`.reconcile`) once the last one started this long ago: the list's statuses are exported
from Selzy and every unsubscription, return, hard bounce or complaint a webhook did not bring is
applied to the ledger and the site's records; the webhook is checked and re-armed on the way.
``0`` leaves it to ``manage.py selzy_reconcile`` (cron, or by hand).

SIGNUP_FORMS: the site's sign-up forms (:mod:`.signup_config` describes an entry): the list,
the fields, the double opt-in mode, the consent text and its version, the tags, all on the
server. SIGNUP_IP: what a consent record keeps of the visitor's address: ``"store"`` (as it
came), ``"hash"`` (an HMAC keyed with SECRET_KEY: it proves a given address made the sign-up,
but does not reveal it) or ``"none"`` (neither the address nor the browser's user agent).

SIGNUP_LIMIT_PER_IP, SIGNUP_LIMIT_PER_EMAIL: ``(count, seconds)``; a visitor over either gets
HTTP 429 and a friendly page before anything is written (``(0, 0)``: no limit). The per-IP limit
counts every post, so a flood is refused after a cache lookup; the per-address one counts
sign-ups, so nobody can bury an address under confirmation letters. They count in the Django
cache SIGNUP_CACHE: with several web processes use a shared one (Redis, Memcached, the database
cache), as each process has its own local-memory cache. SIGNUP_PROXIES: how many proxies in
front of the site append to X-Forwarded-For (a load balancer: 1); 0 reads REMOTE_ADDR, which
behind a proxy is the proxy's address and would put every visitor under one limit.

INVALID_VALUES, PHONE_COUNTRY, DECIMAL_COMMA, DATE_FORMAT: how a sync reads the source's values
(the engine's ``ImportJob`` options of the same names, in lower case). A value that does not fit
its Selzy field (or a phone next to an email) is sent empty and the contact imported, listed on
the import page as ``value_dropped``; ``"reject"`` refuses the whole contact instead. The other
three matter for text fields: a phone ``8 (912) 345-67-89`` with ``"RU"``, a number
``1 234,56``, a date ``03/15/1990`` with ``"MM/DD/YYYY"`` (see ``selzy.integration.DateFormat``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import MISSING, Field, dataclass, field, fields
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from selzy.integration import PHONE_COUNTRIES, DateFormat
from selzy.protocol import DEFAULT_BASE_URL, DEFAULT_LANG, MAX_IMPORT_ROWS, PLATFORM_PATTERN

from .signup_config import SignUpFormConfig, read_signup_forms

TASK_RUNNERS = ("thread", "immediate", "celery")
SIGNUP_IP_MODES = ("store", "hash", "none")
MEMORY_RATE_LIMITER = "memory"
REDIS_URL_SCHEMES = ("redis://", "rediss://", "unix://")

DEFAULT_USER_SOURCE: dict[str, Any] = {
    "label": "Users",
    "model": None,  # settings.AUTH_USER_MODEL, read when used
    "fields": ["email", "first_name", "last_name", "date_joined"],
    "email_field": "email",
    "filter": {"is_active": True},
}

Reader = Callable[[Any], Any]


class _Invalid(ValueError):
    """A reader refusing a value; its text says what to write instead."""


# --- readers: a key's raw value (or its default) -> the validated value --------------------


def _as_is(value: Any) -> Any:
    return value


def _number(kind: type[int] | type[float], at_least: float | None = None) -> Reader:
    """``kind(value)``, raised to ``at_least``: a floor rather than an error, so 0 workers
    means one."""

    def read(value: Any) -> int | float:
        try:
            number = kind(value)
        except (TypeError, ValueError):
            raise _Invalid("use a whole number" if kind is int else "use a number") from None
        return number if at_least is None else max(kind(at_least), number)

    return read


def _platform(value: Any) -> str:
    if not isinstance(value, str) or not PLATFORM_PATTERN.fullmatch(value):
        raise _Invalid(
            "use Latin letters and digits only, without spaces or special characters "
            "(the integration guidelines' rule)"
        )
    return value


def _url(value: Any) -> str:
    return str(value).rstrip("/")


def _keys(value: Any) -> tuple[str, ...]:
    keys = (value,) if isinstance(value, str | bytes) else value
    return tuple(k.decode() if isinstance(k, bytes) else str(k) for k in keys)


def _sources(value: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict):
        raise _Invalid('use a dict: {"name": {"model": "app.Model", ...}}')
    return {str(k): dict(v) for k, v in value.items()}


def _task_runner(value: Any) -> str:
    if value not in TASK_RUNNERS:
        raise _Invalid(f"choose one of {', '.join(TASK_RUNNERS)}")
    return str(value)


def _rate_limiter(value: Any) -> str:
    if value != MEMORY_RATE_LIMITER and not (
        isinstance(value, str) and value.startswith(REDIS_URL_SCHEMES)
    ):
        raise _Invalid(
            'use "memory" (one bucket per process) or a Redis URL shared by all workers, '
            'e.g. "redis://127.0.0.1:6379/0"'
        )
    return str(value)


def _removal(value: Any) -> str:
    if value not in ("exclude", "delete"):
        raise _Invalid(
            '"exclude" (the contact leaves the list, the account keeps its history) or '
            '"delete" (deleted from the whole account, with its unsubscriptions)'
        )
    return str(value)


def _invalid_values(value: Any) -> str:
    if value not in ("drop", "reject"):
        raise _Invalid('use "drop" (the value is left out, the contact kept) or "reject"')
    return str(value)


def _phone_country(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value.strip().upper() not in PHONE_COUNTRIES:
        raise _Invalid(f"use None or one of {', '.join(PHONE_COUNTRIES)}")
    return value.strip().upper()


def _date_format(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return DateFormat.parse(str(value)).pattern
    except ValueError as why:
        raise _Invalid(str(why)) from None


def _newsletter_sender(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"email", "name"}:
        raise _Invalid('use {"email": "news@your-domain.example", "name": "Your newsletter"}')
    email = value.get("email")
    if not isinstance(email, str) or "@" not in email.strip(" @"):
        raise _Invalid("its email must be the address the newsletter is sent from")
    name = value.get("name") or ""
    if not isinstance(name, str):
        raise _Invalid("its name must be text")
    return {"email": email.strip(), "name": name.strip()}


def _signup_forms(value: Any) -> dict[str, SignUpFormConfig]:
    try:
        return read_signup_forms(value)
    except ValueError as why:
        raise _Invalid(str(why)) from None


def _signup_ip(value: Any) -> str:
    if value not in SIGNUP_IP_MODES:
        raise _Invalid(
            '"store" (the address as it came), "hash" (an HMAC of it keyed with SECRET_KEY) '
            'or "none"'
        )
    return str(value)


def _limit(value: Any) -> tuple[int, int]:
    try:
        count, seconds = value
        limit = (int(count), int(seconds))
    except (TypeError, ValueError):
        raise _Invalid("use (count, seconds): (20, 3600) is 20 an hour; (0, 0) no limit") from None
    if limit[0] < 0 or limit[1] < 0 or (limit[0] > 0) != (limit[1] > 0):
        raise _Invalid("use (count, seconds), both positive, or (0, 0) for no limit")
    return limit


def _batch_size(value: Any) -> int:
    size = int(_number(int)(value))
    if not 1 <= size <= MAX_IMPORT_ROWS:
        raise _Invalid(f"Selzy takes 1 to {MAX_IMPORT_ROWS} rows a call")
    return size


def _setting(
    key: str,
    default: Any = MISSING,
    read: Reader = _as_is,
    *,
    blank: bool = False,
    required: str = "",
) -> Any:
    """A :class:`SelzySettings` field read from ``SELZY[key]``: ``default`` when the key is
    left out (with ``blank``, also when it is empty or None), then ``read``. A field without a
    default is ``required``: that text says what it is for."""
    metadata = {"key": key, "read": read, "blank": blank, "required": required}
    if isinstance(default, dict | list):  # each instance gets its own copy
        return field(default_factory=lambda: copy.deepcopy(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class SelzySettings:
    """The validated ``SELZY`` settings. Each field is one key of the dict, with its default
    and how it is read: the only list of them (the module docstring describes them)."""

    platform: str = _setting(
        "PLATFORM",
        read=_platform,
        blank=True,
        required="the name of your system, agreed with Selzy, sent with every API call",
    )
    base_url: str = _setting("BASE_URL", DEFAULT_BASE_URL, _url, blank=True)
    lang: str = _setting("LANG", DEFAULT_LANG, str, blank=True)
    encryption_keys: tuple[str, ...] = _setting("ENCRYPTION_KEY", (), _keys, blank=True)
    # _setting returns a dataclasses.field, here with a default_factory: nothing is shared.
    contact_sources: dict[str, dict[str, Any]] = _setting(  # noqa: RUF009
        "CONTACT_SOURCES", {"users": DEFAULT_USER_SOURCE}, _sources, blank=True
    )
    client_factory: str | None = _setting("CLIENT_FACTORY", None)
    task_runner: str = _setting("TASK_RUNNER", "thread", _task_runner)
    rate_limiter: str = _setting("RATE_LIMITER", MEMORY_RATE_LIMITER, _rate_limiter, blank=True)
    site_url: str | None = _setting("SITE_URL", None, lambda v: _url(v) if v else None)
    segment_url_max_age: int = _setting("SEGMENT_URL_MAX_AGE", 7 * 24 * 3600, _number(int))
    import_batch_size: int = _setting("IMPORT_BATCH_SIZE", MAX_IMPORT_ROWS, _batch_size)
    import_concurrency: int = _setting("IMPORT_CONCURRENCY", 1, _number(int, 1))
    batch_lease: float = _setting("BATCH_LEASE", 120.0, _number(float, 1.0))
    batch_attempts: int = _setting("BATCH_ATTEMPTS", 5, _number(int, 1))
    run_lease: float = _setting("RUN_LEASE", 300.0, _number(float, 1.0))
    sync_debounce: float = _setting("SYNC_DEBOUNCE", 10.0, _number(float, 0.0))
    reconcile_every: int = _setting("RECONCILE_EVERY", 24 * 3600, _number(int, 0))
    removal: str = _setting("REMOVAL", "exclude", _removal)
    timeout: float = _setting("TIMEOUT", 60.0, _number(float))
    max_retries: int = _setting("MAX_RETRIES", 3, _number(int))
    invalid_values: str = _setting("INVALID_VALUES", "drop", _invalid_values)
    phone_country: str | None = _setting("PHONE_COUNTRY", None, _phone_country)
    decimal_comma: bool = _setting("DECIMAL_COMMA", False, bool)
    date_format: str | None = _setting("DATE_FORMAT", None, _date_format)
    signup_forms: dict[str, SignUpFormConfig] = _setting(  # noqa: RUF009
        "SIGNUP_FORMS", {}, _signup_forms, blank=True
    )
    signup_ip: str = _setting("SIGNUP_IP", "hash", _signup_ip)
    signup_limit_per_ip: tuple[int, int] = _setting("SIGNUP_LIMIT_PER_IP", (20, 3600), _limit)
    signup_limit_per_email: tuple[int, int] = _setting("SIGNUP_LIMIT_PER_EMAIL", (3, 3600), _limit)
    signup_cache: str = _setting("SIGNUP_CACHE", "default", str, blank=True)
    signup_proxies: int = _setting("SIGNUP_PROXIES", 0, _number(int, 0))
    # The default is None (nothing shared); the reader returns a fresh dict.
    newsletter_sender: dict[str, str] | None = _setting(  # noqa: RUF009
        "NEWSLETTER_SENDER", None, _newsletter_sender, blank=True
    )

    def job_options(self) -> dict[str, Any]:
        """The ``ImportJob`` options these settings set: how the source's values are read,
        and what a contact leaving the source does (REMOVAL)."""
        return {
            "removal": self.removal,
            "invalid_values": self.invalid_values,
            "phone_country": self.phone_country,
            "decimal_comma": self.decimal_comma,
            "date_format": self.date_format,
        }


#: Every key ``SELZY`` may hold.
KNOWN_KEYS = frozenset(f.metadata["key"] for f in fields(SelzySettings))


def _raw() -> dict[str, Any]:
    raw = getattr(settings, "SELZY", None)
    if raw is None:
        raise ImproperlyConfigured(
            'Add a SELZY dict to your settings, at least SELZY = {"PLATFORM": "YourSystemName"}'
        )
    if not isinstance(raw, dict):
        raise ImproperlyConfigured(f"SELZY must be a dict, not {type(raw).__name__}")
    return raw


def _default(spec: Field[Any]) -> Any:
    if spec.default_factory is not MISSING:
        return spec.default_factory()
    return spec.default


def _read(spec: Field[Any], raw: dict[str, Any]) -> Any:
    """One field's value from ``raw``, or an ImproperlyConfigured saying what to write."""
    key = spec.metadata["key"]
    value = raw.get(key, MISSING)
    if value is MISSING or (spec.metadata["blank"] and not value):
        value = _default(spec)
    if value is MISSING:
        raise ImproperlyConfigured(f'SELZY["{key}"] is required: {spec.metadata["required"]}')
    try:
        return spec.metadata["read"](value)
    except _Invalid as why:
        raise ImproperlyConfigured(f'SELZY["{key}"] = {value!r}: {why}') from None


def selzy_settings() -> SelzySettings:
    """Read and validate ``settings.SELZY``; every problem is an ImproperlyConfigured that
    says what to write instead."""
    raw = _raw()
    unknown = sorted(set(raw) - KNOWN_KEYS)
    if unknown:
        raise ImproperlyConfigured(
            f"SELZY has unknown keys {unknown}; the known ones are {sorted(KNOWN_KEYS)}"
        )
    return SelzySettings(**{spec.name: _read(spec, raw) for spec in fields(SelzySettings)})
