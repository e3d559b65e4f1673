"""Where a stream import stands: checkpoints, the stores that keep them, and its outcome.

A host adapts its storage to :class:`CheckpointStore` (a JSON file, a database row); the run
saves a checkpoint after every contiguous prefix of answered calls, so a run that dies at any
point loses at most the calls that were in flight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ._records import Rejection
from ._totals import RunTotals


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Where an import stands: the first ``position`` source records are fully done.

    ``finished`` marks a run that reached the end of its source; a store holding a finished
    checkpoint makes :func:`import_records` return at once without reading the source.
    """

    position: int
    totals: RunTotals = field(default_factory=RunTotals)
    finished: bool = False


class CheckpointStore(Protocol):
    """Where a run keeps its progress. One store belongs to one run of one import."""

    def load(self) -> Checkpoint | None:
        """The last saved checkpoint, or None when the run has not started."""

    def save(self, checkpoint: Checkpoint, rejections: Sequence[Rejection]) -> None:
        """Record ``checkpoint`` together with the rejections of the records it newly covers.

        Save both atomically and every rejected record is stored exactly once, however often
        the run is interrupted and resumed.
        """


class InMemoryCheckpointStore:
    """A :class:`CheckpointStore` in a Python object (tests, scripts, one-process runs)."""

    def __init__(self, checkpoint: Checkpoint | None = None) -> None:
        self.checkpoint = checkpoint
        self.rejections: list[Rejection] = []
        self.saves = 0

    def load(self) -> Checkpoint | None:
        """The last checkpoint saved."""
        return self.checkpoint

    def save(self, checkpoint: Checkpoint, rejections: Sequence[Rejection]) -> None:
        """Keep ``checkpoint`` and append ``rejections``."""
        self.checkpoint = checkpoint
        self.rejections.extend(rejections)
        self.saves += 1


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What an import did.

    ``totals`` cover the whole import, runs it resumed included; ``rejections`` are the records
    rejected in this run (locally or by Selzy), each with its source id, unless the run was told
    not to keep them (they are then only in the store).
    """

    totals: RunTotals
    rejections: tuple[Rejection, ...]
    resumed_from: int
    finished: bool
    warnings: tuple[str, ...] = ()
