"""The rejects file (every row that did not get into Selzy, and why, and the rows that got in
with a note: a value left out, a row replaced by a later one) and the store that feeds it.

The file is created at the first rejected row only, so a clean import leaves none behind. It is
written in step with the checkpoint: rejections first, then the checkpoint that records the
file's new length. A resumed run cuts the file back to that length before appending, so a row
rejected just before a crash is listed once, not twice.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from selzy.integration import Checkpoint, Rejection

from ._checkpoint import JsonCheckpointStore

HEADER = ("line", "email", "phone", "code", "reason")
# Excel reads a UTF-8 CSV as UTF-8 only when it starts with a byte-order mark.
_BOM = "\ufeff".encode()


class RejectsFile:
    """Rejected rows as CSV: source line, email, phone, code, reason.

    The file is handled in bytes so that :attr:`size` is exact: it is what a checkpoint
    records, and what a resumed run truncates the file to.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        #: Rejected rows in the file (those of resumed runs included).
        self.rows = 0
        #: Bytes in the file; 0 until the first row is written.
        self.size = 0
        self._handle: IO[bytes] | None = None

    def resume(self, state: dict[str, Any]) -> bool:
        """Continue the file a checkpoint described; False when it is not the same file."""
        if state.get("path") != str(self.path.resolve()) or not self.path.exists():
            return False
        self.rows = int(state.get("rows", 0))
        self.size = int(state.get("size", 0))
        return True

    def state(self) -> dict[str, Any]:
        """What a checkpoint records about this file."""
        return {"path": str(self.path.resolve()), "rows": self.rows, "size": self.size}

    def write(self, rejections: Sequence[Rejection]) -> None:
        """Append ``rejections`` and flush them to the file."""
        if not rejections:
            return
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for rejection in rejections:
            line = rejection.source_id if rejection.source_id is not None else ""
            writer.writerow(
                (line, rejection.email, rejection.phone, rejection.code, rejection.reason)
            )
        handle = self._open()
        handle.write(buffer.getvalue().encode("utf-8"))
        handle.flush()
        self.rows += len(rejections)
        self.size = handle.tell()

    def _open(self) -> IO[bytes]:
        if self._handle is not None:
            return self._handle
        handle: IO[bytes]
        if self.size:
            handle = self.path.open("r+b")
            handle.truncate(self.size)  # rows written after the last checkpoint come again
            handle.seek(self.size)
        else:
            handle = self.path.open("wb")
            header = io.StringIO()
            csv.writer(header).writerow(HEADER)
            handle.write(_BOM + header.getvalue().encode("utf-8"))
        self._handle = handle
        return handle

    def close(self) -> None:
        """Close the file (if a row was written)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class RejectsStore:
    """The command's :class:`~selzy.integration.CheckpointStore`: rejections go to the rejects
    file, then the checkpoint (if the run has a ``--checkpoint`` file) to JSON."""

    def __init__(self, rejects: RejectsFile, checkpoints: JsonCheckpointStore | None) -> None:
        self.rejects = rejects
        self.checkpoints = checkpoints

    def load(self) -> Checkpoint | None:
        """The checkpoint to resume from (None without a checkpoint file)."""
        return self.checkpoints.load() if self.checkpoints is not None else None

    def save(self, checkpoint: Checkpoint, rejections: Sequence[Rejection]) -> None:
        """Write ``rejections``, then save ``checkpoint`` with the rejects file's new length."""
        self.rejects.write(rejections)
        if self.checkpoints is not None:
            self.checkpoints.extra["rejects"] = self.rejects.state()
            self.checkpoints.save(checkpoint, rejections)
