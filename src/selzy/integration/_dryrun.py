"""Dry run: what a sync would do, counted, without calling importContacts.

It runs the very :func:`classify` the sync runs, over the same (record, state) pairs, so its
counts are what the run then does. Skipped contacts are counted by reason: the local checks'
codes (``invalid_email``, ``invalid_phone``, ``invalid_value``, ``no_contact``) and two the
caller knows about, since they never reach the engine: ``no_consent`` (records the source's
filter leaves out) and ``unsubscribed`` (contacts the caller knows unsubscribed, which a sync
leaves alone).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from selzy.protocol import MAX_IMPORT_ROWS

from ._job import ImportJob
from ._records import SourceRecord
from ._sync import ContactState, SyncCounts, classify


@dataclass(frozen=True, slots=True)
class DryRunReport:
    """The counts of a dry run.

    ``counts``: changes by kind (``counts.invalid`` are the records skipped by a local check);
    ``skipped``: contacts not sent, by reason; ``rows``: importContacts rows the run needs at
    most; ``calls``: the calls that makes at 500 rows a call.
    """

    counts: SyncCounts
    skipped: Mapping[str, int] = field(default_factory=dict)
    rows: int = 0

    @property
    def calls(self) -> int:
        """importContacts calls the rows need (at most 500 rows a call)."""
        return -(-self.rows // MAX_IMPORT_ROWS)

    @property
    def total_skipped(self) -> int:
        """Every contact skipped, whatever the reason."""
        return sum(self.skipped.values())

    def as_dict(self) -> dict[str, object]:
        """The report as plain data, for JSON storage."""
        return {
            "counts": self.counts.as_dict(),
            "skipped": dict(self.skipped),
            "rows": self.rows,
            "calls": self.calls,
        }


def dry_run(
    job: ImportJob,
    pairs: Iterable[tuple[SourceRecord | None, ContactState | None]],
    *,
    no_consent: int = 0,
    unsubscribed: int = 0,
) -> DryRunReport:
    """Classify every ``(record, state)`` pair as the sync would, and count.

    ``pairs`` are read lazily (memory stays flat); a record None with its state is a contact
    the sync removes, a state None a contact never sent. ``no_consent`` and ``unsubscribed``
    are the caller's own counts of contacts it leaves out (see the module's docstring).
    """
    tally: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    rows = 0
    for position, (record, state) in enumerate(pairs):
        change = classify(job, record, state, position)
        tally[change.kind] += 1
        rows += change.rows
        if change.rejection is not None:
            skipped[change.rejection.code] += 1
    if no_consent:
        skipped["no_consent"] += no_consent
    if unsubscribed:
        skipped["unsubscribed"] += unsubscribed
    return DryRunReport(SyncCounts.from_kinds(tally), dict(sorted(skipped.items())), rows)
