"""What a run did, real or dry: one dataclass, stored as JSON through one pair of functions.

Every host keeps the same :class:`RunTotals`: the Django ledger per batch and per run, the
``selzy import`` checkpoint file, a dry run's report. :meth:`RunTotals.from_dict` refuses a key
it does not know (a misspelt name must not read as a silent zero); a key that is missing reads
as 0, so totals stored by an older version still load.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from ._changes import Change

#: Change kind -> the :class:`ChangeCounts` field that counts it.
_KIND_FIELD = {
    "new": "new",
    "update": "updated",
    "unchanged": "unchanged",
    "move": "moved",
    "remove": "removed",
    "invalid": "invalid",
}


def _strict(cls: type[Any], data: Mapping[str, Any], where: str) -> None:
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"{where}: unknown keys {unknown}; known: {sorted(known)}")


@dataclass(frozen=True, slots=True)
class ChangeCounts:
    """How many contacts of each change kind a run (or a dry run) saw."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    moved: int = 0
    removed: int = 0
    invalid: int = 0

    def __add__(self, other: ChangeCounts) -> ChangeCounts:
        return ChangeCounts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    @classmethod
    def of(cls, changes: Iterable[Change]) -> ChangeCounts:
        """The counts of ``changes``."""
        return cls.of_kinds(Counter(change.kind for change in changes))

    @classmethod
    def of_kinds(cls, tally: Mapping[str, int]) -> ChangeCounts:
        """Counts from a tally by change kind (``"update"`` -> ``updated``, ...)."""
        return cls(**{_KIND_FIELD[kind]: count for kind, count in tally.items()})

    @property
    def total(self) -> int:
        """Every change counted."""
        return sum(getattr(self, f.name) for f in fields(self))

    def as_dict(self) -> dict[str, int]:
        """The counts as plain data."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChangeCounts:
        """The counts :meth:`as_dict` gave; an unknown key is a ValueError."""
        _strict(cls, data, "change counts")
        return cls(**{name: int(value) for name, value in data.items()})


@dataclass(frozen=True, slots=True)
class RunTotals:
    """Running totals of an import or sync (of a dry run: what it would do).

    - ``total``: source contacts processed; ``sent``: importContacts rows sent (a dry run: rows
      it would send); ``batches``: importContacts calls made (a dry run: calls it would make);
    - ``inserted``, ``updated``, ``deleted``, ``new_emails``, ``invalid``: Selzy's own counts;
    - ``skipped_locally``: contacts refused before sending (a local check);
    - ``rejected``: rows Selzy's log refused; ``unaccounted``: rows sent that Selzy's counts do
      not account for (neither inserted, updated, deleted nor invalid: never expected, always
      said);
    - ``changes``: contacts by change kind; ``skipped``: contacts not sent, by reason (the
      local checks' codes, ``unsubscribed``, ``no_consent``);
    - ``notes``: contacts that got in with a note, by code (``value_dropped``: without a value
      that did not fit; ``duplicate``: rows replaced by a later one with the same address).
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
    rejected: int = 0
    unaccounted: int = 0
    changes: ChangeCounts = field(default_factory=ChangeCounts)
    skipped: Mapping[str, int] = field(default_factory=dict)
    notes: Mapping[str, int] = field(default_factory=dict)

    def __add__(self, other: RunTotals) -> RunTotals:
        counts = {
            f.name: getattr(self, f.name) + getattr(other, f.name)
            for f in fields(self)
            if f.name not in _BY_REASON
        }
        return RunTotals(
            **counts,
            skipped=_merged(self.skipped, other.skipped),
            notes=_merged(self.notes, other.notes),
        )

    def skipping(self, reason: str, count: int) -> RunTotals:
        """These totals with ``count`` more contacts skipped for ``reason``."""
        if not count:
            return self
        return replace(self, skipped=_merged(self.skipped, {reason: count}))

    @property
    def total_skipped(self) -> int:
        """Every contact skipped, whatever the reason."""
        return sum(self.skipped.values())

    def as_dict(self) -> dict[str, Any]:
        """The totals as plain JSON-friendly data (:meth:`from_dict` reads it back)."""
        data: dict[str, Any] = {
            f.name: getattr(self, f.name) for f in fields(self) if f.name not in _NESTED
        }
        data["changes"] = self.changes.as_dict()
        for name in _BY_REASON:
            data[name] = dict(getattr(self, name))
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunTotals:
        """Totals stored with :meth:`as_dict`; an unknown key is a ValueError, a missing one 0."""
        _strict(cls, data, "run totals")
        values: dict[str, Any] = {
            name: int(value) for name, value in data.items() if name not in _NESTED
        }
        values["changes"] = ChangeCounts.from_dict(data.get("changes") or {})
        for name in _BY_REASON:
            values[name] = {str(k): int(v) for k, v in (data.get(name) or {}).items()}
        return cls(**values)

    @classmethod
    def sum(cls, items: Iterable[RunTotals]) -> RunTotals:
        """All of ``items`` added up."""
        out = cls()
        for item in items:
            out += item
        return out


_BY_REASON = ("skipped", "notes")
_NESTED = ("changes", *_BY_REASON)


def _merged(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    tally = Counter(a)
    tally.update(b)
    return dict(sorted(tally.items()))
