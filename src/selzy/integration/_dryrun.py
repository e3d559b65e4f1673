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
from collections.abc import Iterable, Mapping, MutableMapping
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
    owners: MutableMapping[str, PhoneOwner] | None = None,
    no_consent: int = 0,
) -> DryRunReport:
    """Classify every contact as the run would, and count. Nothing is sent.

    ``contacts`` are read lazily, a batch at a time (memory stays flat); ``store`` is the host's
    (which phones its contacts hold); ``owners`` the phones claimed so far, for a host that dry
    runs batch by batch (the real run's ledger remembers them between batches);
    ``no_consent`` the host's own count of records its filter leaves out.
    """
    store = store if store is not None else NoStates()
    owners = {} if owners is None else owners
    kinds: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    notes: Counter[str] = Counter()
    examples: dict[str, list[Rejection]] = {}
    rows = taken_out = unsubscribed = 0
    contacts = iter(contacts)
    while batch := list(islice(contacts, MAX_IMPORT_ROWS)):
        classified = classify_batch(job, batch, store, owners)
        unsubscribed += classified.unsubscribed
        for change in classified.changes:
            kinds[change.kind] += 1
            rows += change.rows
            if change.delete is not None and job.removal == "exclude" and change.kind != "move":
                taken_out += 1  # a row of the exclusion call (see ImportCall)
            for reason in (change.rejection, *change.notes):
                if reason is None:
                    continue
                (notes if reason.is_note else skipped)[reason.code] += 1
                kept = examples.setdefault(reason.code, [])
                if len(kept) < EXAMPLES_PER_REASON:
                    kept.append(reason)
    counts = ChangeCounts.of_kinds(kinds)
    totals = RunTotals(
        total=counts.total,
        sent=rows,
        skipped_locally=counts.invalid,
        batches=-(-(rows - taken_out) // MAX_IMPORT_ROWS) + -(-taken_out // MAX_IMPORT_ROWS),
        changes=counts,
        skipped=dict(sorted(skipped.items())),
        notes=dict(sorted(notes.items())),
    )
    totals = totals.skipping("unsubscribed", unsubscribed).skipping("no_consent", no_consent)
    return DryRunReport(totals, {code: tuple(kept) for code, kept in examples.items()})
