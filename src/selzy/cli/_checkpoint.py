"""The import engine's :class:`~selzy.integration.CheckpointStore` in a small JSON file.

The file is replaced whole on every save (written next to it, flushed to disk, then renamed with
``os.replace``), so after a crash or Ctrl-C it holds either the previous checkpoint or the new
one, never half of each. It also remembers which import it belongs to (``identity``: the input
file's fingerprint, the list, the mapping): resuming another import from it would skip rows that
were never sent.

One exception: a run that stopped at a line it could not read leaves a ``prefix`` (how many
rows it did, and a digest of them). That checkpoint also resumes a changed file or encoding, the
fixed file, once the command has checked that the file still starts with those very rows
(:attr:`JsonCheckpointStore.prefix`).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from selzy.integration import Checkpoint, Rejection, RunTotals

FORMAT = "selzy-import-checkpoint/1"
#: What may differ when a checkpoint with a ``prefix`` resumes: the fixed file, its encoding.
FIXABLE = frozenset({"file", "encoding"})


class CheckpointFileError(Exception):
    """The checkpoint file is unreadable or belongs to another import."""


class JsonCheckpointStore:
    """Checkpoints of one import in the JSON file ``path``.

    Rejections are counted here, not kept: :class:`~selzy.cli._rejects.RejectsStore` writes them
    to the rejects file first and records how far that file goes in :attr:`extra`, which is
    saved with each checkpoint and restored by :meth:`load`.
    """

    def __init__(self, path: Path, identity: Mapping[str, Any]) -> None:
        self.path = path
        self.identity = dict(identity)
        #: Saved with every checkpoint (JSON-friendly values only).
        self.extra: dict[str, Any] = {}
        self.rejections = 0
        #: ``(rows, digest)`` the file must start with when another file (or encoding) resumes
        #: the checkpoint a run left at an unreadable line; None otherwise.
        self.prefix: tuple[int, str] | None = None

    def load(self) -> Checkpoint | None:
        """The saved checkpoint, or None when the file does not exist yet."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CheckpointFileError(f"{self.path}: cannot be read ({exc.strerror})") from None
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT:
                raise ValueError("not a checkpoint of selzy import")
            checkpoint = Checkpoint(
                position=int(data["position"]),
                totals=RunTotals.from_dict(data["totals"]),
                finished=bool(data["finished"]),
            )
            identity = dict(data["identity"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CheckpointFileError(
                f"{self.path} is not a usable checkpoint ({exc}); delete it to start over"
            ) from None
        extra = dict(data.get("extra") or {})
        prefix = extra.pop("prefix", None)
        if identity != self.identity:
            keys = {*self.identity, *identity}
            changed = sorted(k for k in keys if identity.get(k) != self.identity.get(k))
            if set(changed) <= FIXABLE and _covers(prefix, checkpoint.position):
                self.prefix = (int(prefix["rows"]), str(prefix["digest"]))
            else:
                raise CheckpointFileError(
                    f"{self.path} belongs to another import (different {', '.join(changed)}); "
                    "use another --checkpoint, or delete it to start over"
                )
        self.extra = extra
        self.rejections = int(data.get("rejections", 0))
        return checkpoint

    def save(self, checkpoint: Checkpoint, rejections: Sequence[Rejection]) -> None:
        """Replace the file with ``checkpoint`` (atomically)."""
        self.rejections += len(rejections)
        data = {
            "format": FORMAT,
            "identity": self.identity,
            "position": checkpoint.position,
            "finished": checkpoint.finished,
            "totals": checkpoint.totals.as_dict(),
            "rejections": self.rejections,
            "extra": self.extra,
        }
        write_atomically(self.path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _covers(prefix: Any, position: int) -> bool:
    """Whether ``prefix`` (saved at an unreadable line) describes the rows the checkpoint did."""
    return isinstance(prefix, dict) and prefix.get("rows") == position and "digest" in prefix


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old content or the new, never a mix."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())  # the data is on disk before the name points to it
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
