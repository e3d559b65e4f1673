"""Clocks the emulator reads time from; tests inject a frozen one and move it by hand."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

#: Where a frozen clock starts unless told otherwise: a fixed instant keeps ids, times and the
#: seeded delivery model identical from run to run.
DEFAULT_EPOCH = datetime(2025, 1, 6, 9, 0, 0, tzinfo=UTC)


class Clock(Protocol):
    """What the emulator needs from a clock: the current UTC time, and a way to jump ahead."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def advance(self, seconds: float) -> datetime:
        """Move time forward by `seconds` and return the new current time."""
        ...


class FrozenClock:
    """Time stands still until `advance` moves it: the default for in-process tests."""

    def __init__(self, start: datetime = DEFAULT_EPOCH) -> None:
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The frozen instant."""
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        """Jump forward; negative jumps are refused because the timelines only move forward."""
        if seconds < 0:
            raise ValueError("the emulator clock only moves forward")
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now


class SystemClock:
    """Wall-clock time plus an offset that `advance` grows: what `serve` uses."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Real UTC time shifted by everything `advance` added so far."""
        with self._lock:
            offset = self._offset
        return datetime.fromtimestamp(time.time() + offset, UTC)

    def advance(self, seconds: float) -> datetime:
        """Shift the clock forward; real time keeps running on top of it."""
        if seconds < 0:
            raise ValueError("the emulator clock only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()
