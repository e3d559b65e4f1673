"""Dry run: what a run would do, counted, without calling importContacts.

It runs the very :func:`classify` the run runs, over the same contacts, so its counts are what
the run then does: its :class:`RunTotals` have the same fields as a real run's, with ``sent``
the rows it would send and ``batches`` the calls they take at 500 rows a call. Contacts are
skipped by reason: the local checks' codes (``invalid_email``, ``invalid_phone``,
``invalid_value``, ``no_contact``), ``unsubscribed`` (left alone, as every run leaves them) and
``no_consent``, which only the host knows (records its source's filter leaves out). Contacts
that would get in without a value that does not fit are counted in ``notes``
(``value_dropped``), with examples like the skipped ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from selzy.protocol import MAX_IMPORT_ROWS

from ._changes import classify
from ._job import ImportJob
from ._records import Rejection
from ._send import Contact
from ._totals import ChangeCounts, RunTotals

#: Rejections kept per reason, to show what a reason means.
EXAMPLES_PER_REASON = 3


@dataclass(frozen=True, slots=True)
class DryRunReport:
    """The counts of a dry run, and a few rejected (or noted) records per reason."""

    totals: RunTotals
    examples: Mapping[str, tuple[Rejection, ...]] = field(default_factory=dict)


def dry_run(job: ImportJob, contacts: Iterable[Contact], *, no_consent: int = 0) -> DryRunReport:
    """Classify every contact as the run would, and count. Nothing is sent.

    ``contacts`` are read lazily (memory stays flat); ``no_consent`` is the host's own count of
    records its filter leaves out.
    """
    kinds: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    notes: Counter[str] = Counter()
    examples: dict[str, list[Rejection]] = {}
    rows = unsubscribed = 0
    for position, record, state in contacts:
        if state is not None and state.unsubscribed:
            unsubscribed += 1
            continue
        if record is None and state is None:
            continue
        change = classify(job, record, state, position)
        kinds[change.kind] += 1
        rows += change.rows
        if change.rejection is not None:
            skipped[change.rejection.code] += 1
        for rejection in (change.rejection, *change.notes):
            if rejection is None:
                continue
            notes[rejection.code] += rejection.is_note
            kept = examples.setdefault(rejection.code, [])
            if len(kept) < EXAMPLES_PER_REASON:
                kept.append(rejection)
    counts = ChangeCounts.of_kinds(kinds)
    totals = RunTotals(
        total=counts.total,
        sent=rows,
        skipped_locally=counts.invalid,
        batches=-(-rows // MAX_IMPORT_ROWS),
        changes=counts,
        skipped=dict(sorted(skipped.items())),
        notes={code: count for code, count in sorted(notes.items()) if count},
    )
    totals = totals.skipping("unsubscribed", unsubscribed).skipping("no_consent", no_consent)
    return DryRunReport(totals, {code: tuple(kept) for code, kept in examples.items()})
