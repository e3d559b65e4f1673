"""Progress of an import: a bar on a terminal, a plain line now and then anywhere else.

The total number of rows is not known without reading the whole file first, which the command
never does. It is estimated from the file's size and the bytes per row read so far, and shown
with a ``~``; the bar itself moves by bytes, which are known exactly, and so does the time left
(``ETA m:ss``, as the Django commands and the admin write it, rather than click's own format).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self, TextIO

import click

from selzy.integration import format_duration

from ._csv_source import CsvSource


class Progress:
    """The engine's ``on_progress(done, total, rate)`` callback, drawing progress on ``stream``.

    Arguments:
        source: the file being read (its size and how far the reader is).
        stream: where to draw (standard error, so the summary on standard output stays clean).
        bar: a click progress bar (for a terminal) instead of lines.
        every: seconds between two plain lines.
    """

    def __init__(
        self,
        source: CsvSource,
        stream: TextIO,
        *,
        bar: bool,
        every: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.stream = stream
        self.every = every
        self.clock = clock
        self._use_bar = bar and source.size is not None
        self._bar: Any = None
        self._shown_bytes = 0
        self._started = self._last_line = clock()

    def __enter__(self) -> Self:
        if self._use_bar:
            self._bar = click.progressbar(
                length=self.source.size,
                label="Importing",
                file=self.stream,
                width=20,  # with the label and the row counts, within 80 columns
                show_percent=True,
                show_eta=False,  # bar_text says it, in the package's one format
                item_show_func=lambda text: text,
            )
            self._bar.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.__exit__(exc_type, exc, tb)
            self._bar = None

    def estimate(self) -> int | None:
        """The file's rows, estimated from its size and the bytes per row so far."""
        size, read, rows = self.source.size, self.source.bytes_read, self.source.rows_read
        if not size or not read or not rows:
            return None
        return max(rows, round(rows * size / read))

    def bar_text(self, done: int, total: int | None, position: int) -> str:
        """What follows the bar: ``done`` rows of ``total`` (an estimate), and the time left,
        reckoned by bytes: ``position`` of the file's are done."""
        text = f"{done:,}/~{total:,} rows" if total else f"{done:,} rows"
        size, elapsed = self.source.size or 0, self.clock() - self._started
        if 0 < position < size and elapsed > 0:
            text += f" ETA {format_duration(elapsed / position * (size - position))}"
        return text

    def __call__(self, done: int, total: int | None, rate: float) -> None:
        """Called by the engine after each checkpoint: ``done`` rows are finished."""
        total = total or self.estimate()
        of = f" of ~{total:,}" if total else ""
        if self._bar is not None:
            # The bytes of the rows done: the reader is ahead of them by the batches in flight.
            rows = max(1, self.source.rows_read)
            position = min(self.source.bytes_read, round(self.source.bytes_read * done / rows))
            self._bar.update(
                max(0, position - self._shown_bytes), self.bar_text(done, total, position)
            )
            self._shown_bytes = max(self._shown_bytes, position)
            return
        now = self.clock()
        if now - self._last_line >= self.every:
            self._last_line = now
            percent = f" ({100 * done / total:.0f}%)" if total else ""
            click.echo(f"selzy import: {done:,}{of} rows{percent}, {rate:,.0f} rows/s", self.stream)
