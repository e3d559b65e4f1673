"""Durations read the same on every screen: the admin, the Django commands, the CLI."""

from __future__ import annotations

import pytest

from selzy.integration import format_duration


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0:00"),
        (4.6, "0:05"),
        (59.5, "1:00"),
        (760, "12:40"),
        (3599.4, "59:59"),
        (3600, "1:00:00"),
        (3900, "1:05:00"),
        (100 * 3600 + 61, "100:01:01"),
        (-3, "0:00"),
    ],
)
def test_minutes_and_seconds_then_hours(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
