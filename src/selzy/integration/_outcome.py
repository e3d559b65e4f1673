"""What Selzy answered, folded into a :class:`BatchOutcome`: per-row failures, counts, and the
rows Selzy did not account for."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from selzy.types import ImportResult

from ._changes import Change, SentState
from ._records import Rejection
from ._totals import ChangeCounts, RunTotals


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """What a batch did, for the host to store.

    ``synced`` are the states now in Selzy (record them); ``removed`` the source ids whose
    contact is now gone from Selzy (forget their states); ``rejections`` every record refused,
    locally or by Selzy's log, in the order of the changes (their contacts are not in
    ``synced``); ``totals`` the batch's :class:`RunTotals`.
    """

    totals: RunTotals
    rejections: tuple[Rejection, ...] = ()
    synced: tuple[SentState, ...] = ()
    removed: tuple[Hashable, ...] = ()
    warnings: tuple[str, ...] = ()

    def __add__(self, other: BatchOutcome) -> BatchOutcome:
        return BatchOutcome(
            self.totals + other.totals,
            self.rejections + other.rejections,
            self.synced + other.synced,
            self.removed + other.removed,
            self.warnings + other.warnings,
        )


def failures(
    result: ImportResult | None, rows: int, unplaced: list[Rejection]
) -> dict[int, tuple[str, str]]:
    """A call's log by row; an entry naming no row of the call goes to ``unplaced`` (it is
    Selzy's word all the same: kept, with no record)."""
    failed: dict[int, tuple[str, str]] = {}
    for entry in result.log if result is not None else ():
        code = entry.code or "unspecified"
        if 0 <= entry.index < rows:
            failed.setdefault(entry.index, (code, entry.message))
        else:
            unplaced.append(Rejection(None, -1, code, entry.message, "selzy"))
    return failed


def shortfalls(answers: Sequence[tuple[ImportResult | None, int]]) -> list[tuple[int, str]]:
    """Selzy accounts for every row it was sent (inserted, updated, deleted or invalid); rows it
    does not account for are counted and said, never swallowed."""
    out = []
    for answer, rows in answers:
        if answer is None:
            continue
        accounted = answer.inserted + answer.updated + answer.deleted + answer.invalid
        if accounted < rows:
            text = (
                f"Selzy accounted for {accounted} of the {rows} rows of one importContacts call "
                f"(inserted {answer.inserted}, updated {answer.updated}, deleted "
                f"{answer.deleted}, invalid {answer.invalid})"
            )
            out.append((rows - accounted, text))
    return out


def totals_of(
    changes: Sequence[Change],
    rejections: Sequence[Rejection],
    rows: int,
    results: Sequence[ImportResult],
    unaccounted: int,
) -> RunTotals:
    counts = ChangeCounts.of(changes)
    skipped = Counter(r.code for r in rejections if r.stage == "local" and not r.is_note)
    notes = Counter(r.code for r in rejections if r.is_note)
    totals = RunTotals(
        total=len(changes),
        sent=rows,
        skipped_locally=counts.invalid,
        rejected=sum(1 for r in rejections if r.stage == "selzy"),
        changes=counts,
        skipped=dict(sorted(skipped.items())),
        notes=dict(sorted(notes.items())),
        unaccounted=unaccounted,
    )
    for result in results:
        totals += RunTotals(
            inserted=result.inserted,
            updated=result.updated,
            deleted=result.deleted,
            new_emails=result.new_emails,
            invalid=result.invalid,
            batches=1,
        )
    return totals


def refused(change: Change, state: SentState | None, failure: tuple[str, str]) -> Rejection:
    code, reason = failure
    email = state.email if state is not None else ""
    phone = state.phone if state is not None else ""
    return Rejection(change.source_id, change.position, code, reason, "selzy", email, phone)
