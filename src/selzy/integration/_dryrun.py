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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import islice

from selzy.protocol import MAX_IMPORT_ROWS

from ._identity import PhoneOwner
from ._job import ImportJob
from ._records import Rejection
from ._send import Contact, NoStates, StateStore, classify_batch
from ._totals import ChangeCounts, RunTotals

#: Rejections kept per reason, to show what a reason means.
EXAMPLES_PER_REASON = 3


@dataclass(frozen=True, slots=True)
class DryRunReport:
    """The counts of a dry run, and a few rejected (or noted) records per reason."""

    totals: RunTotals
    examples: Mapping[str, tuple[Rejection, ...]] = field(default_factory=dict)


def dry_run(
    job: ImportJob,
    contacts: Iterable[Contact],
    *,
    store: StateStore | None = None,
    no_consent: int = 0,
    batch_size: int | None = None,
    on_batch: Callable[[], object] | None = None,
) -> DryRunReport:
    """Classify every contact as the run would, and count. Nothing is sent.

    ``contacts`` are read lazily, a batch at a time (memory stays flat); ``store`` is the host's
    (which phones its contacts hold); ``no_consent`` the host's own count of records its filter
    leaves out. ``batch_size``: a ledger host's batches of contacts (``IMPORT_BATCH_SIZE``), each
    sent in calls of its own: the calls are then counted batch by batch, as its workers make
    them; without it, as a stream cuts its rows (500 a call). ``on_batch`` is called after each
    batch (a host's heartbeat).
    """
    store = store if store is not None else NoStates()
    owners: dict[str, PhoneOwner] = {}  # kept across batches, as the ledger keeps them in a run
    kinds: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    notes: Counter[str] = Counter()
    examples: dict[str, list[Rejection]] = {}
    rows = taken_out = unsubscribed = calls = 0
    contacts = iter(contacts)
    while batch := list(islice(contacts, batch_size or MAX_IMPORT_ROWS)):
        classified = classify_batch(job, batch, store, owners)
        unsubscribed += classified.unsubscribed
        batch_rows = batch_taken_out = 0
        for change in classified.changes:
            kinds[change.kind] += 1
            batch_rows += change.rows
            if change.delete is not None and job.removal == "exclude" and change.kind != "move":
                batch_taken_out += 1  # a row of the exclusion call (see ImportCall)
            for reason in (change.rejection, *change.notes):
                if reason is None:
                    continue
                (notes if reason.is_note else skipped)[reason.code] += 1
                kept = examples.setdefault(reason.code, [])
                if len(kept) < EXAMPLES_PER_REASON:
                    kept.append(reason)
        rows, taken_out = rows + batch_rows, taken_out + batch_taken_out
        if batch_size is not None:
            calls += _calls(batch_rows, batch_taken_out)
        if on_batch is not None:
            on_batch()
    counts = ChangeCounts.of_kinds(kinds)
    totals = RunTotals(
        total=counts.total,
        sent=rows,
        skipped_locally=counts.invalid,
        batches=calls if batch_size is not None else _calls(rows, taken_out),
        changes=counts,
        skipped=dict(sorted(skipped.items())),
        notes=dict(sorted(notes.items())),
    )
    totals = totals.skipping("unsubscribed", unsubscribed).skipping("no_consent", no_consent)
    return DryRunReport(totals, {code: tuple(kept) for code, kept in examples.items()})


def _calls(rows: int, taken_out: int) -> int:
    """importContacts calls for ``rows``, ``taken_out`` of them in exclusion calls."""
    return -(-(rows - taken_out) // MAX_IMPORT_ROWS) + -(-taken_out // MAX_IMPORT_ROWS)
