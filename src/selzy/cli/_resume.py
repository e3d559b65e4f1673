"""Where ``selzy import`` resumes: its checkpoint, checked before anything changes in Selzy, and
the checkpoint it leaves when the file turns unreadable halfway.

A checkpoint belongs to one import (the file's fingerprint, the list, the mapping, the delimiter,
the encoding). When the file cannot be read past some line (bytes of another encoding, a broken
quote), the rows before it are sent all the same, and the checkpoint says how many, with a
digest of them: the fixed file, or the same file with the right ``--encoding``, then resumes
from there, once its first rows prove to be those very rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selzy.integration import Checkpoint, ImportInterruptedError

from ._checkpoint import CheckpointFileError, JsonCheckpointStore
from ._csv_mapping import ResolvedMapping
from ._csv_source import CsvSource
from ._rejects import RejectsFile


def identity_of(source: CsvSource, resolved: ResolvedMapping, list_id: int) -> dict[str, Any]:
    """What a checkpoint must belong to: this file, list, mapping, delimiter and encoding."""
    return {
        "file": source.fingerprint(),
        "list": list_id,
        "mapping": resolved.mapping.to_dict(),
        "delimiter": source.delimiter,
        "encoding": source.encoding,
    }


def open_checkpoints(
    path: Path | None, identity: dict[str, Any], source: CsvSource
) -> JsonCheckpointStore | None:
    """The ``--checkpoint`` store, checked against this import (CheckpointFileError if it is
    another's). A checkpoint left at an unreadable line also takes the fixed file, once its
    first rows prove to be the ones that were sent (they are read here, then skipped)."""
    if path is None:
        return None
    store = JsonCheckpointStore(path, identity)
    store.load()
    if store.prefix is not None:
        rows, digest = store.prefix
        if source.skip(rows) != digest:
            raise CheckpointFileError(
                f"{path} was left where {rows:,} rows had been read, but the first {rows:,} "
                f"rows of {source.path} are not those rows; use another --checkpoint, or "
                "delete it to start over"
            )
    return store


def save_at_unreadable(
    exc: ImportInterruptedError, source: CsvSource, store: JsonCheckpointStore, rejects: RejectsFile
) -> bool:
    """Save in ``store`` the checkpoint of a run stopped at a line it could not read, with the
    rows done and a digest of them, so that the fixed file (or another ``--encoding``) resumes
    it. False when no row was done: there is nothing to resume."""
    rows = exc.resume_position
    if not rows:
        return False
    with CsvSource(source.path, delimiter=source.delimiter, encoding=source.encoding) as again:
        digest = again.skip(rows)  # rows that were read once read again
    store.extra = {"rejects": rejects.state(), "prefix": {"rows": rows, "digest": digest}}
    store.rejections = max(store.rejections, rejects.rows)
    store.save(Checkpoint(rows, exc.outcome.totals), [])
    return True


def unreadable(exc: ImportInterruptedError, saved: Path | None, *, given: bool) -> str:
    """What to do once the file turned unreadable: the rows done, and how to go on."""
    if saved is None:
        return f"{exc.cause}. Nothing was imported."
    then = "run the same command" if given else f"run the same command with --checkpoint {saved}"
    return (
        f"{exc.cause}. The {exc.resume_position:,} rows before it are done (imported, or in the "
        f"rejects file); progress is saved in {saved}: fix the file or its --encoding, then "
        f"{then} to continue."
    )
