"""System checks: every misconfiguration explained at ``manage.py check`` time."""

from __future__ import annotations

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
