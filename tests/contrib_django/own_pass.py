"""Test suites that run in a pass of their own, with settings of their own (the Wagtail and
django CMS adapters' sites): what their conftest.py leaves out, and why."""

from __future__ import annotations

import os

from django.conf import settings


def left_out(app: str, settings_module: str, needs: str) -> tuple[str, int | None]:
    """Why the tests of ``app`` are not collected in this pass ("" when they are), and the exit
    code that ends the pass at once (None: go on with the other tests).

    In another pass's settings the reason gives the command that runs them. In their own pass
    without ``needs`` installed there is nothing to run: the pass ends with 0, or under CI=true,
    where the dev extra installs it, with 1.
    """
    if app in settings.INSTALLED_APPS:
        return "", None
    if os.environ.get("DJANGO_SETTINGS_MODULE") == settings_module:
        reason = f"{needs} is not installed (pip install -e '.[dev,django]' installs it)"
        if os.environ.get("CI") == "true":
            return f"{reason}; it is required under CI=true", 1
        return f"this pass is skipped: {reason}", 0
    return (
        f"they run in a pass of their own: pytest {app.replace('.', '/')} --ds={settings_module}",
        None,
    )
