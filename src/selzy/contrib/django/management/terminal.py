"""What the ``selzy_*`` commands draw: a progress bar on a terminal, and plain tables.

The bar is drawn only when its stream is a terminal (redrawn in place with ``\\r``); in a log or
a pipe it draws nothing and the command's summary says what happened.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Self

from django.core.management.base import OutputWrapper

from selzy.integration import format_duration


class ProgressBar:
    """``with ProgressBar(self.stderr, total, label="Refreshing") as bar: bar.update(done)``.

    Arguments:
        stream: a command's ``self.stderr`` (or any text stream); the summary on standard output
            stays clean.
        total: how many steps make 100%.
        label: what is being done, before the bar.
        unit: what a step is, after the counts ("campaigns", "contacts").
        enabled: draw or not; by default, when ``stream`` is a terminal.
    """

    def __init__(
        self,
        stream: Any,
        total: int,
        *,
        label: str,
        unit: str = "",
        width: int = 24,
        enabled: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.total = max(0, total)
        self.label = label
        self.unit = unit
        self.width = width
        isatty = getattr(stream, "isatty", None)
        self.enabled = bool(isatty and isatty()) if enabled is None else enabled
        self.clock = clock
        self.started = clock()
        self.done = 0
        self._shown = 0  # characters of the line drawn last, to blank what a shorter one leaves

    def __enter__(self) -> Self:
        self.update(0)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def line(self, text: str = "") -> str:
        """The bar as it reads after ``self.done`` steps."""
        total = self.total
        share = min(1.0, self.done / total) if total else 1.0
        filled = int(share * self.width)
        counts = f"{self.done:,}/{total:,}" + (f" {self.unit}" if self.unit else "")
        parts = [f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}]", counts]
        parts.append(f"{share:4.0%}")
        elapsed = self.clock() - self.started
        if 0 < self.done < total and elapsed > 0:
            parts.append(f"ETA {format_duration(elapsed / self.done * (total - self.done))}")
        if text:
            parts.append(text)
        return " ".join(parts)

    def update(self, done: int, text: str = "") -> None:
        """Show ``done`` steps of ``total`` finished, with ``text`` after the figures."""
        self.done = done
        if not self.enabled:
            return
        line = self.line(text)
        self._write("\r" + line + " " * max(0, self._shown - len(line)))
        self._shown = len(line)

    def close(self) -> None:
        """End the bar's line, so the next output starts on its own line."""
        if self.enabled and self._shown:
            self._write("\n")
            self._shown = 0

    def _write(self, text: str) -> None:
        if isinstance(self.stream, OutputWrapper):
            self.stream.write(text, ending="")
        else:
            self.stream.write(text)
        self.stream.flush()


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table: text columns left-aligned, numbers right-aligned with separators."""

    def cell(value: object) -> str:
        if isinstance(value, bool) or value is None:
            return "" if value is None else str(value)
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)

    cells = [[cell(v) for v in row] for row in rows]
    numeric = [
        bool(rows) and all(isinstance(row[i], int) or row[i] is None for row in rows)
        for i in range(len(headers))
    ]
    widths = [max([len(h), *(len(row[i]) for row in cells)]) for i, h in enumerate(headers)]

    def fmt(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if right else v.ljust(w)
            for v, w, right in zip(values, widths, numeric, strict=True)
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(list(headers)), rule, *(fmt(row) for row in cells)])
