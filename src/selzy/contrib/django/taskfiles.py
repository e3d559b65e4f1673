"""An async task's result file (an export, a delivery report), downloaded before it is read.

The file goes to a temporary file at the network's pace (``Selzy.stream_task_file``: a plain
GET, the API key not sent), and is read from there: the reading's queries and writes then hold
no connection open to Selzy's file server (which may close a slow reader), a download that
breaks leaves nothing half applied, and memory stays flat whatever the file's size.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from selzy import Selzy
from selzy.types import TaskResult


@contextmanager
def downloaded(client: Selzy, result: TaskResult) -> Iterator[tuple[BinaryIO, int]]:
    """The completed task's file, at its start, and its size in bytes; deleted on exit."""
    with tempfile.TemporaryFile(prefix="selzy-task-") as spool:
        size = 0
        with client.stream_task_file(result) as chunks:
            for chunk in chunks:
                size += spool.write(chunk)
        spool.seek(0)
        yield spool, size


def text_lines(spool: BinaryIO) -> io.TextIOWrapper:
    """The file as UTF-8 text (a byte-order mark dropped) in lines that keep their ends, as
    :mod:`csv` wants them (``newline=""``: a line break inside a quoted cell stays one).
    Closing it (use it in a ``with``) closes ``spool``."""
    return io.TextIOWrapper(spool, encoding="utf-8-sig", newline="")
