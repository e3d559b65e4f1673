"""System checks: every misconfiguration explained at ``manage.py check`` time."""

from __future__ import annotations

import contextlib
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register("selzy")
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from .conf import selzy_settings

    try:
        conf = selzy_settings()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="selzy.E001", hint="See selzy.contrib.django.conf")]
    problems: list[checks.CheckMessage] = []
    if conf.encryption_keys:
        from .crypto import fernet

        try:
            fernet()
        except ImproperlyConfigured as exc:
            problems.append(checks.Error(str(exc), id="selzy.E002"))
    else:
        problems.append(
            checks.Warning(
                'SELZY["ENCRYPTION_KEY"] is not set: the API key is encrypted with a key derived '
                "from SECRET_KEY, and becomes unreadable if SECRET_KEY changes.",
                hint="Set it to the output of cryptography.fernet.Fernet.generate_key()",
                id="selzy.W001",
            )
        )
    from .sources import contact_sources

    try:
        contact_sources()
    except ImproperlyConfigured as exc:
        problems.append(checks.Error(str(exc), id="selzy.E003"))
    if conf.client_factory:
        from django.utils.module_loading import import_string

        try:
            import_string(conf.client_factory)
        except ImportError as exc:
            problems.append(
                checks.Error(
                    f'SELZY["CLIENT_FACTORY"] = {conf.client_factory!r} cannot be imported: {exc}',
                    id="selzy.E004",
                )
            )
    if conf.task_runner == "celery":
        try:
            import celery  # noqa: F401
        except ImportError:
            problems.append(
                checks.Error(
                    'SELZY["TASK_RUNNER"] is "celery" but Celery is not installed',
                    hint="pip install 'selzy-connect[celery]'",
                    id="selzy.E005",
                )
            )
    problems += _rate_limiter_problems(conf.rate_limiter, conf.task_runner)
    problems += _scan_problems(conf.task_runner)
    if "django.contrib.admin" not in settings.INSTALLED_APPS:
        problems.append(
            checks.Error(
                "The Selzy screens live in the Django admin: add django.contrib.admin",
                id="selzy.E006",
            )
        )
    return problems


def _rate_limiter_problems(limiter: str, runner: str) -> list[checks.CheckMessage]:
    from .conf import MEMORY_RATE_LIMITER

    if limiter == MEMORY_RATE_LIMITER:
        if runner != "celery":
            return []
        return [
            checks.Warning(
                'SELZY["TASK_RUNNER"] is "celery" but SELZY["RATE_LIMITER"] is "memory": each '
                "worker process meters its calls alone, so several workers on one API key can "
                "exceed Selzy's limit and be refused.",
                hint='Set SELZY["RATE_LIMITER"] to a Redis URL all workers reach, '
                'e.g. "redis://127.0.0.1:6379/0"',
                id="selzy.W002",
            )
        ]
    try:
        import redis  # noqa: F401
    except ImportError:
        return [
            checks.Error(
                'SELZY["RATE_LIMITER"] is a Redis URL but the redis package is not installed',
                hint="pip install 'selzy-connect[celery]'",
                id="selzy.E007",
            )
        ]
    return []


@checks.register("selzy", checks.Tags.urls)
def check_public_urls(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Whether Selzy's servers can reach what they call: the webhook and the segment files."""
    from .conf import selzy_settings
    from .public import INCLUDE_LINE, unreachable_host, urlconf_included

    try:
        conf = selzy_settings()
    except ImproperlyConfigured:
        return []  # selzy.E001 says why
    site_url = conf.site_url
    problems: list[checks.CheckMessage] = []
    if not urlconf_included() and conf.signup_forms:
        problems.append(
            checks.Error(
                'SELZY["SIGNUP_FORMS"] has forms, but the module\'s public URLs are not '
                "included: every sign-up form posts to /selzy/signup/<key>/, and a page with "
                "{% selzy_signup_form %} cannot be rendered without it.",
                hint=f"Add {INCLUDE_LINE} to the site's urlpatterns.",
                id="selzy.E008",
            )
        )
    elif not urlconf_included():
        problems.append(
            checks.Warning(
                "The module's public URLs are not included: Selzy's webhook and the segment "
                "files it downloads are served under the admin, which Selzy cannot reach when "
                "the admin sits behind a VPN or an IP allow-list.",
                hint=f"Add {INCLUDE_LINE} to the site's urlpatterns.",
                id="selzy.W005",
            )
        )
    if not site_url:
        problems.append(
            checks.Warning(
                'SELZY["SITE_URL"] is not set: the webhook URL registered with Selzy and the '
                "segment files' URLs are guessed from the admin request that makes them, whose "
                "host may be an internal name, or http behind a proxy.",
                hint='Set SELZY["SITE_URL"] to the address Selzy reaches this site at, '
                'e.g. "https://crm.example.com".',
                id="selzy.W006",
            )
        )
    elif (host := unreachable_host(site_url)) is not None:
        problems.append(
            checks.Warning(
                f'SELZY["SITE_URL"] is {site_url!r}: {host} is a loopback or private address '
                "Selzy's servers cannot reach, so webhooks and segment campaigns will fail.",
                hint="Use the site's public address (a tunnel gives one to a local site); "
                "against the emulator, where this does not matter, "
                'SILENCED_SYSTEM_CHECKS = ["selzy.W007"].',
                id="selzy.W007",
            )
        )
    return problems


SCAN_TASK = "selzy.scan_changes"
CRON_LINE = "*/5 * * * * cd /path/to/site && python manage.py selzy_sync --incremental"


def _scan_problems(runner: str) -> list[checks.CheckMessage]:
    """Nothing may run the periodic scan: bulk updates are never sent, and a sync whose process
    died is taken over only by the next save."""
    if runner == "thread":
        # Whether a cron entry exists cannot be known from here: say what is needed, once.
        return [
            checks.Warning(
                'SELZY["TASK_RUNNER"] is "thread": nothing in the site runs the periodic scan. '
                "Changes the signals cannot see (QuerySet.update(), raw SQL, other programs) "
                "are not sent, a sync whose process died (a short-lived command, a "
                "restart) waits for the next save to be taken over, and no reconciliation "
                "repairs what a webhook missed.",
                hint=f"Run `manage.py selzy_sync --incremental` every few minutes, e.g. the cron "
                f"line `{CRON_LINE}`, and `manage.py selzy_reconcile --if-due` beside it; then "
                'silence this warning with SILENCED_SYSTEM_CHECKS = ["selzy.W003"].',
                id="selzy.W003",
            )
        ]
    if runner == "celery" and not _beat_runs(SCAN_TASK):
        return [
            checks.Warning(
                f'SELZY["TASK_RUNNER"] is "celery" but no CELERY_BEAT_SCHEDULE entry runs '
                f'"{SCAN_TASK}": changes the signals cannot see are not sent, and a sync whose '
                "worker died is taken over only by the next save.",
                hint='CELERY_BEAT_SCHEDULE = {"selzy-scan-changes": {"task": '
                f'"{SCAN_TASK}", "schedule": 300.0}}}}, and run one `celery beat`; a schedule kept '
                'elsewhere (django-celery-beat): SILENCED_SYSTEM_CHECKS = ["selzy.W004"].',
                id="selzy.W004",
            )
        ]
    return []


def _beat_runs(task: str) -> bool:
    """Whether the settings' CELERY_BEAT_SCHEDULE (or the current Celery app's) runs ``task``."""
    schedules = [getattr(settings, "CELERY_BEAT_SCHEDULE", None)]
    with contextlib.suppress(ImportError):  # no Celery: selzy.E005 says so
        from celery import current_app

        schedules.append(current_app.conf.beat_schedule)
    for schedule in schedules:
        entries = schedule.values() if isinstance(schedule, dict) else ()
        if any(isinstance(entry, dict) and entry.get("task") == task for entry in entries):
            return True
    return False
