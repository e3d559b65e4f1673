"""How progress reads to a person, the same on every screen: the admin's import page, the
``selzy_*`` commands' bars and lines, and the ``selzy import`` command line."""

from __future__ import annotations


def format_duration(seconds: float) -> str:
    """A duration as ``m:ss``, or ``h:mm:ss`` from an hour up (``0:05``, ``12:40``, ``1:05:00``).

    Rounded to the second; hours are not folded into days, since a time left that long is
    better read whole. A negative estimate (a clock that went back) reads as ``0:00``.
    """
    minutes, secs = divmod(max(0, round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
