"""The data an import runs on and leaves behind: records, rejections, totals, checkpoints.

A framework adapts its storage to :class:`CheckpointStore` (a Django model, a file, Redis); the
runner calls it after every batch Selzy answered, so a run that dies at any point loses at most
the batches that were in flight.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal, Protocol


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One contact of the source: its id in the CMS/CRM and its values by source field name."""

    id: Hashable
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Rejection:
    """A source record that did not get into Selzy, or that Selzy reported on.

    ``stage`` is ``"local"`` for rows refused before sending (``code`` ``invalid_email``,
    ``invalid_phone``, ``invalid_value``, ``no_contact``) and ``"selzy"`` for importContacts log
    entries (Selzy's own code and message). ``position`` is the record's place in the source.
    """

    source_id: Hashable
    position: int
    code: str
    reason: str
    stage: Literal["local", "selzy"]
    email: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class ImportTotals:
    """Running totals of an import (all of it, including runs it resumed).

    ``total`` counts source records processed, ``sent`` the rows sent to importContacts,
    ``skipped_locally`` the records refused before sending; ``inserted``, ``updated``,
    ``deleted``, ``new_emails`` and ``invalid`` are Selzy's own counts added up.
    """

    total: int = 0
    sent: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    new_emails: int = 0
    invalid: int = 0
    skipped_locally: int = 0
    batches: int = 0

    def __add__(self, other: ImportTotals) -> ImportTotals:
        return ImportTotals(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    def as_dict(self) -> dict[str, int]:
        """The totals as a plain dict, for JSON storage."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Where an import stands: the first ``position`` source records are fully done.

    ``finished`` marks a run that reached the end of its source; a store holding a finished
    checkpoint makes :func:`run_import` return at once without reading the source.
    """

    position: int
    totals: ImportTotals = field(default_factory=ImportTotals)
    finished: bool = False


class CheckpointStore(Protocol):
    """Where a run keeps its progress. One store belongs to one run of one import."""

    def load(self) -> Checkpoint | None:
        """The last saved checkpoint, or None when the run has not started."""

    def save(self, checkpoint: Checkpoint, rejections: Sequence[Rejection]) -> None:
        """Record ``checkpoint`` together with the rejections of the records it newly covers.

        Save both atomically (one database transaction) and every rejected record is stored
        exactly once, however often the run is interrupted and resumed.
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
