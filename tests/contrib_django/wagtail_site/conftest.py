"""The Wagtail adapter's tests run in a pass of their own, with this site's settings; any other
pass leaves them out and says so in its summary, with the command that runs them. Without
Wagtail installed they are left out with that reason, except under CI=true, where Wagtail is part
of the dev extra and a missing one fails the run."""

from __future__ import annotations

import pytest

from tests.contrib_django.own_pass import left_out

LEFT_OUT, EXIT = left_out(
    "tests.contrib_django.wagtail_site", "tests.contrib_django.wagtail_site.settings", "Wagtail"
)
if LEFT_OUT:
    collect_ignore_glob = ["test_*.py", "models.py", "urls.py"]


def pytest_sessionstart(session: pytest.Session) -> None:
    if EXIT is not None:
        pytest.exit(LEFT_OUT, returncode=EXIT)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if LEFT_OUT:
        terminalreporter.write_line(f"The Wagtail adapter's tests were left out: {LEFT_OUT}")
