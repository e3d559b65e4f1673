"""The django CMS adapter's tests run in a pass of their own, with this site's settings; any
other pass leaves them out and says so in its summary, with the command that runs them. Without
django CMS and djangocms-form-builder installed they are left out with that reason, except under
CI=true, where both are part of the dev extra and a missing one fails the run."""

from __future__ import annotations

import pytest

from tests.contrib_django.own_pass import left_out

LEFT_OUT, EXIT = left_out(
    "tests.contrib_django.djangocms_site",
    "tests.contrib_django.djangocms_site.settings",
    "django CMS with djangocms-form-builder",
)
if LEFT_OUT:
    collect_ignore_glob = ["test_*.py", "urls.py"]


def pytest_sessionstart(session: pytest.Session) -> None:
    if EXIT is not None:
        pytest.exit(LEFT_OUT, returncode=EXIT)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if LEFT_OUT:
        terminalreporter.write_line(f"The django CMS adapter's tests were left out: {LEFT_OUT}")
