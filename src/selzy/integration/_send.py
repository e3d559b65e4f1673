"""Sending: one call of changes (:func:`send_changes`), and a host's step for one batch.

A host that keeps per-contact state (the Django ledger) reads a batch of its contacts as
:class:`Contact` tuples and calls :func:`sync_batch`; the engine classifies each one
(:func:`classify`), asks the host's :class:`StateStore` which addresses other contacts still
hold, cuts the changes into calls (:func:`plan_calls`), sends them (:func:`send_changes`) and
returns one :class:`BatchOutcome` for the host to store in one transaction of its own.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import replace
from typing import NamedTuple, Protocol

from selzy.client import AsyncSelzy, Selzy

from ._calls import ImportCall, plan_calls
from ._changes import Change, SentState, classify
from ._identity import PhoneOwner, claim_phones
from ._job import ImportJob
from ._outcome import BatchOutcome
from ._records import SourceRecord
from ._totals import RunTotals


class Contact(NamedTuple):
    """One contact of a batch as the host read it: its place in the run, record and state.

    ``record`` None: the contact is gone from the source or no longer eligible; ``state`` None:
    nothing was ever sent for it.
    """

    position: int
    record: SourceRecord | None
    state: SentState | None


class StateStore(Protocol):
    """What the engine asks of the host's per-contact storage while it sends a batch."""

    def addresses_held(
        self, addresses: Collection[str], *, excluding: Collection[Hashable]
    ) -> Collection[str]:
        """Which of ``addresses`` (emails) other contacts, not in ``excluding``, hold in Selzy."""
        ...

    def phones_held(self, phones: Collection[str]) -> Mapping[str, PhoneOwner]:
        """The records whose contacts hold ``phones`` in Selzy, as far as the host knows."""
        ...


class NoStates:
    """The :class:`StateStore` of a one-off import: nothing was sent before, nothing is held."""

    def addresses_held(
        self, addresses: Collection[str], *, excluding: Collection[Hashable]
    ) -> Collection[str]:
        """None: a one-off import keeps no states."""
        return ()

    def phones_held(self, phones: Collection[str]) -> Mapping[str, PhoneOwner]:
        """None: a one-off import keeps no states."""
        return {}


def send_changes(
    client: Selzy,
    job: ImportJob,
    changes: Sequence[Change],
    *,
    keep_addresses: Collection[str] = (),
) -> BatchOutcome:
    """Send ``changes`` in ONE importContacts call (none when nothing needs sending), preceded by
    the exclusion call when contacts leave the list (:class:`ImportCall`).

    ``keep_addresses``: addresses other contacts of the source still hold; a change that would
    take one of them out leaves it in Selzy (its own state is still forgotten). Raises ValueError
    when the changes need more than 500 rows (:func:`plan_calls` keeps them within), and the
    client's errors when the call fails after its retries (nothing is then known to be synced;
    importContacts is an upsert, so sending the same changes again is safe).
    """
    call = ImportCall(job, changes, keep_addresses)
    excluded = result = None
    if call.exclusion.addresses:  # first: a returning contact is then re-added, not excluded
        excluded = client.import_contacts(
            field_names=call.exclusion.field_names, data=call.exclusion.rows
        )
    if call.rows:
        result = client.import_contacts(
            field_names=call.field_names, data=call.rows, overwrite_tags=job.overwrite_tags
        )
    return call.finish(result, excluded)


async def send_changes_async(
    client: AsyncSelzy,
    job: ImportJob,
    changes: Sequence[Change],
    *,
    keep_addresses: Collection[str] = (),
) -> BatchOutcome:
    """:func:`send_changes` for :class:`AsyncSelzy`."""
    call = ImportCall(job, changes, keep_addresses)
    excluded = result = None
    if call.exclusion.addresses:  # first: a returning contact is then re-added, not excluded
        excluded = await client.import_contacts(
            field_names=call.exclusion.field_names, data=call.exclusion.rows
        )
    if call.rows:
        result = await client.import_contacts(
            field_names=call.field_names, data=call.rows, overwrite_tags=job.overwrite_tags
        )
    return call.finish(result, excluded)


class Classified(NamedTuple):
    """A batch classified: its changes, the addresses to keep, the contacts left alone."""

    changes: list[Change]
    kept: Collection[str]
    unsubscribed: int


def classify_batch(
    job: ImportJob,
    contacts: Iterable[Contact],
    store: StateStore,
    owners: MutableMapping[str, PhoneOwner] | None = None,
) -> Classified:
    """The batch's changes (each phone sent by its owner only: :func:`claim_phones`), the
    addresses they must leave in Selzy, and how many contacts are left alone (unsubscribed).

    ``owners``: the phones' owners known so far in the run (a dry run keeps them across its
    batches); the store is asked about the phones of this batch it does not hold.
    """
    changes: list[Change] = []
    unsubscribed = 0
    for position, record, state in contacts:
        if state is not None and state.unsubscribed:
            unsubscribed += 1  # never sent, never removed: the person said no
        elif record is not None or state is not None:
            changes.append(classify(job, record, state, position))
    owners = {} if owners is None else owners
    phones = {c.state.phone for c in changes if c.state is not None and c.state.phone}
    if phones - owners.keys():
        owners.update(store.phones_held(phones - owners.keys()))
    changes = claim_phones(job, changes, owners)
    deleting = {c.delete[1] for c in changes if c.delete is not None and c.delete[0] == "email"}
    kept: Collection[str] = ()
    if deleting:
        leaving = [c.source_id for c in changes if c.delete is not None]
        kept = store.addresses_held(deleting, excluding=leaving)
    return Classified(changes, kept, unsubscribed)


def _merged(outcomes: Iterable[BatchOutcome], unsubscribed: int) -> BatchOutcome:
    outcome = sum(outcomes, BatchOutcome(RunTotals()))
    return replace(outcome, totals=outcome.totals.skipping("unsubscribed", unsubscribed))


def sync_batch(
    client: Selzy, job: ImportJob, contacts: Iterable[Contact], store: StateStore
) -> BatchOutcome:
    """A host's step for one batch of its contacts: classify them, send, map the answers back.

    One importContacts call for a batch of up to 500 contacts (two when moves push its rows past
    500), and one more when contacts leave the list. A phone another record's contact holds is
    never sent (:func:`claim_phones`). Unsubscribed contacts are counted as skipped and left
    alone. The host stores the outcome (states synced and removed, rejections, totals) in one
    transaction of its own.
    """
    batch = classify_batch(job, contacts, store)
    outcomes = [
        send_changes(client, job, group, keep_addresses=batch.kept)
        for group in plan_calls(batch.changes)
    ]
    return _merged(outcomes, batch.unsubscribed)


async def sync_batch_async(
    client: AsyncSelzy, job: ImportJob, contacts: Iterable[Contact], store: StateStore
) -> BatchOutcome:
    """:func:`sync_batch` for :class:`AsyncSelzy`."""
    batch = classify_batch(job, contacts, store)
    outcomes = [
        await send_changes_async(client, job, group, keep_addresses=batch.kept)
        for group in plan_calls(batch.changes)
    ]
    return _merged(outcomes, batch.unsubscribed)
