"""Tests that need a real service (Redis, PostgreSQL, a Celery worker) ask for it here.

Elsewhere such a test skips with the reason printed (``-ra``); under CI=true it fails instead,
because CI's machine runs those services and a silent skip there would hide a broken setup.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest


def require_service(name: str, check: Callable[[], object]) -> None:
    """Run ``check``; if it raises, skip the test (or fail it under CI=true) saying why.

    ``check`` should be quick and prove the service answers (a PING, a ``SELECT 1``).
    """
    try:
        check()
    except Exception as exc:  # any failure means "not usable here", whatever the driver raises
        reason = f"{name} is not reachable: {type(exc).__name__}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (required under CI=true)", pytrace=False)
        pytest.skip(reason)
