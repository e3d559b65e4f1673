"""The per-contact states of the sync ledger: read for a batch, written back after it.

Only storage lives here: the engine (:func:`selzy.integration.sync_batch`) decides what each
contact needs; this module reads what it needs and records what it returns.

A batch is read states first, then records (through the source's eligible queryset), so a change
made between the two bumps a state ``version`` the worker saw; it is written back in ONE
transaction, while the worker still holds the batch's claim: the batch done with its totals,
the states now in Selzy upserted, the removed ones forgotten, the dirty marks cleared (unless a
newer change came in meanwhile) and the rejections stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass

from django.db import connections, router, transaction
from django.utils import timezone

from selzy.integration import BatchOutcome, Contact, PhoneOwner, Rejection, SentState

from .models import ContactState, ImportBatch, ImportRejection, ImportRun
from .sources import ContactSource


@dataclass(frozen=True)
class LoadedBatch:
    """One batch's contacts as read, and the state versions seen (to detect later changes)."""

    contacts: list[Contact]
    versions: dict[str, int]


def read_batch(source: ContactSource, ids: Sequence[str], offset: int = 0) -> LoadedBatch:
    """The contacts ``ids`` (``str(pk)``): states first, then the eligible records."""
    states: dict[str, SentState] = {}
    versions: dict[str, int] = {}
    rows = ContactState.objects.filter(source=source.key, source_id__in=ids).values_list(
        "source_id", "email", "phone", "row_hash", "version", "unsubscribed"
    )
    for source_id, email, phone, digest, version, unsubscribed in rows:
        versions[source_id] = version
        states[source_id] = SentState(source_id, email, phone, digest, unsubscribed)
    records = source.records_for(ids)
    contacts = [
        Contact(offset + index, records.get(source_id), states.get(source_id))
        for index, source_id in enumerate(ids)
    ]
    return LoadedBatch(contacts, versions)


@dataclass(frozen=True)
class LedgerStates:
    """The engine's :class:`~selzy.integration.StateStore` over the ledger of one source."""

    source_key: str

    def addresses_held(
        self, addresses: Collection[str], *, excluding: Collection[Hashable]
    ) -> Collection[str]:
        """The ``addresses`` other contacts of the source hold in Selzy."""
        holders = ContactState.objects.filter(source=self.source_key, email__in=list(addresses))
        holders = holders.exclude(source_id__in=[str(i) for i in excluding]).exclude(row_hash="")
        return set(holders.values_list("email", flat=True))

    def phones_held(self, phones: Collection[str]) -> Mapping[str, PhoneOwner]:
        """The records of the source whose contacts were sent with ``phones``."""
        holders = ContactState.objects.filter(source=self.source_key, phone__in=list(phones))
        rows = holders.exclude(row_hash="").order_by("pk")
        owners: dict[str, PhoneOwner] = {}
        for phone, source_id, email in rows.values_list("phone", "source_id", "email"):
            owners.setdefault(phone, PhoneOwner(source_id, email))  # the first one sent
        return owners


def commit_batch(
    run: ImportRun, batch: ImportBatch, worker: str, loaded: LoadedBatch, outcome: BatchOutcome
) -> bool:
    """Record a sent batch in one transaction; False when the worker lost its claim meanwhile."""
    key, now = run.source, timezone.now()
    ids = [str(contact_id) for contact_id in (*batch.source_ids, *batch.remove_ids)]
    states = ContactState.objects.filter(source=key)
    with transaction.atomic():
        # The claim first: a write, so SQLite's lock is taken before anything is read.
        won = ImportBatch.objects.filter(
            pk=batch.pk, status=ImportBatch.Status.CLAIMED, claimed_by=worker
        ).update(
            status=ImportBatch.Status.DONE, totals=outcome.totals.as_dict(), done_at=now, error=""
        )
        if not won:
            return False  # our lease ran out and another worker redoes the batch
        held = states.select_for_update().filter(source_id__in=ids)
        current = {i: (v, e) for i, v, e in held.values_list("source_id", "version", "email")}
        changed = {i for i, (v, _) in current.items() if loaded.versions.get(i) != v}
        synced = {str(s.source_id) for s in outcome.synced}
        upsert_states(key, outcome.synced, now, changed)
        # What Selzy told about an address (a hard bounce, a complaint, soft bounces) is not
        # about the new one a record moved to: the new address starts with a clean slate.
        moved = {
            str(s.source_id)
            for s in outcome.synced
            if str(s.source_id) in current
            and current[str(s.source_id)][1]
            and current[str(s.source_id)][1].lower() != s.email.lower()
        }
        if moved:
            states.filter(source_id__in=moved).update(
                undeliverable_at=None, complained_at=None, soft_bounces=0, last_soft_bounce_at=None
            )
        removed = {str(i) for i in outcome.removed}
        states.filter(source_id__in=removed - changed).delete()
        # A record changed since we read it: its contact is gone from Selzy, yet it stays
        # queued, as never sent, for the next sync.
        states.filter(source_id__in=removed & changed).update(
            email="", phone="", row_hash="", synced_at=None, taken_by=None
        )
        rest = set(ids) - removed - synced
        states.filter(source_id__in=rest - changed).update(dirty=False, taken_by=None)
        states.filter(source_id__in=rest & changed).update(taken_by=None)
        # Records refused (locally or by Selzy) get a state too, never sent: the scan then
        # knows them and does not queue them again until they change.
        seen = {str(c.record.id) for c in loaded.contacts if c.record is not None}
        ContactState.objects.bulk_create(
            [ContactState(source=key, source_id=i) for i in (seen & rest) - set(current)],
            ignore_conflicts=True,
        )
        ImportRejection.objects.bulk_create(
            _rejection_rows(run, outcome.rejections), ignore_conflicts=True
        )
    return True


def _rejection_rows(run: ImportRun, rejections: Sequence[Rejection]) -> list[ImportRejection]:
    """One row per record and stage, as the table's constraint wants: a record noted twice (a
    value left out, then replaced by a later record) gets its codes and reasons joined."""
    rows: dict[tuple[str, str], ImportRejection] = {}
    for rejection in rejections:
        source_id = "" if rejection.source_id is None else str(rejection.source_id)
        row = rows.get((source_id, rejection.stage))
        if row is not None:
            row.code = f"{row.code},{rejection.code}"[:64]
            row.reason = f"{row.reason}; {rejection.reason}"
            continue
        rows[source_id, rejection.stage] = ImportRejection(
            run=run,
            source_id=source_id,
            position=rejection.position,
            stage=rejection.stage,
            code=rejection.code[:64],
            reason=rejection.reason,
            email=rejection.email[:320],
            phone=rejection.phone[:32],
        )
    return list(rows.values())


#: The columns a sync writes; every other column of a new row gets its field's default.
_UPSERT_COLUMNS = ("source", "source_id", "email", "phone", "row_hash", "synced_at", "dirty")
_UPSERT_SET = ("email", "phone", "row_hash", "synced_at", "dirty", "taken_by")


def upsert_states(
    key: str, synced: Sequence[SentState], now: dt.datetime, changed: set[str]
) -> None:
    """Record the states now in Selzy (their dirty mark kept when a newer change came in).

    The hottest write of a sync: on SQLite and PostgreSQL one ``INSERT ... ON CONFLICT DO
    UPDATE`` run with ``executemany``, several times cheaper than ``bulk_create`` building
    the same statement row by row; elsewhere ``bulk_create(update_conflicts=True)``.
    """
    if not synced:
        return
    db = connections[router.db_for_write(ContactState)]
    if db.vendor not in ("sqlite", "postgresql"):
        ContactState.objects.bulk_create(
            [
                ContactState(
                    source=key,
                    source_id=str(s.source_id),
                    email=s.email,
                    phone=s.phone,
                    row_hash=s.row_hash,
                    synced_at=now,
                    dirty=str(s.source_id) in changed,
                )
                for s in synced
            ],
            update_conflicts=True,
            unique_fields=["source", "source_id"],
            update_fields=list(_UPSERT_SET),
        )
        return
    meta = ContactState._meta
    quote = db.ops.quote_name
    # concrete_fields, not get_field(): only a concrete field is sure to have a column.
    columns = {field.name: field.column for field in meta.concrete_fields}
    column = {name: quote(columns[name]) for name in _UPSERT_COLUMNS}
    # The rest (the status cache, the dirty version...) as a new row starts: the defaults.
    others = [f for f in meta.concrete_fields if f.name not in column and not f.primary_key]
    column.update({f.name: quote(f.column) for f in others})
    defaults = tuple(f.get_db_prep_save(f.get_default(), db) for f in others)
    # Only quoted identifiers from the model's own metadata go into the text; values are
    # parameters.
    table = quote(meta.db_table)
    names = ", ".join(column.values())
    marks = ", ".join(["%s"] * len(column))
    key_columns = f"{column['source']}, {column['source_id']}"
    updates = ", ".join(f"{column[n]} = EXCLUDED.{column[n]}" for n in _UPSERT_SET)
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks}) "  # noqa: S608
    sql += f"ON CONFLICT ({key_columns}) DO UPDATE SET {updates}"
    at = db.ops.adapt_datetimefield_value(now)
    rows = [
        (key, str(s.source_id), s.email, s.phone, s.row_hash, at, str(s.source_id) in changed)
        for s in synced
    ]
    with db.cursor() as cursor:
        cursor.executemany(sql, [(*row, *defaults) for row in rows])
