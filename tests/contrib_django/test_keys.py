"""Sources keyed by UUIDs and by text codes, as real CRMs key their contacts, on SQLite and on
PostgreSQL (the second pass of ``make test``): the ledger's anti-joins compare the keys right, so
counts are right, removals happen and a scan finds nothing when nothing changed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core import checks
from django.db import models
from django.test import override_settings

from selzy.contrib.django import jobs
from selzy.contrib.django.models import Connection, ImportRun, MappedField
from selzy.contrib.django.sources import get_source
from selzy.emulator import Emulator, SeededAccount
from tests.contrib_django.crm.models import Customer, Person

from .settings import SELZY

pytestmark = pytest.mark.django_db(transaction=True)

SOURCES = {
    "people": {
        "model": "crm.Person",
        "fields": ["email", "name", "phone"],
        "filter": {"consent": True},
    },
    "customers": {
        "model": "crm.Customer",
        "fields": ["email", "name"],
        "filter": {"consent": True},
    },
}
N = 30


def _people(n: int) -> list[models.Model]:
    return [
        Person(email=f"person{i}@crm.example", name=f"Персона {i} 🙂", consent=i % 10 != 0)
        for i in range(n)
    ]


def _customers(n: int) -> list[models.Model]:
    return [
        Customer(code=f"C-{i:05d}/ÄÖ", email=f"customer{i}@crm.example", consent=i % 10 != 0)
        for i in range(n)
    ]


MAKERS: dict[str, tuple[type[models.Model], Callable[[int], list[models.Model]]]] = {
    "people": (Person, _people),
    "customers": (Customer, _customers),
}


@pytest.fixture(autouse=True)
def keyed_sources() -> Iterator[None]:
    with override_settings(
        SELZY={**SELZY, "CONTACT_SOURCES": {**SELZY["CONTACT_SOURCES"], **SOURCES}}
    ):
        yield


def _ready(connected: Connection, account: SeededAccount, source: str) -> int:
    for field, target in (("email", "email"), ("name", "Name")):
        MappedField.objects.create(
            source=source, source_field=field, selzy_field=target, selzy_type="string"
        )
    connected.list_id = account.list_ids["Customers"]
    connected.source = source
    connected.save()
    return int(connected.list_id)


def _in_list(emulator: Emulator, list_id: int) -> set[str]:
    (state,) = emulator.state_dump()["accounts"]
    return {c["email"] for c in state["contacts"] if c["email_lists"].get(str(list_id)) == "active"}


def _sync(source: str, list_id: int, **options: Any) -> ImportRun:
    run = jobs.start_import(source, list_id, **options)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.COMPLETED, run.error
    return run


@pytest.mark.parametrize("source", sorted(MAKERS))
def test_a_source_keyed_by_uuid_or_text_syncs_with_right_counts(
    source: str, connected: Connection, account: SeededAccount, emulator: Emulator
) -> None:
    model, make = MAKERS[source]
    list_id = _ready(connected, account, source)
    model.objects.bulk_create(make(N))
    consenting = model.objects.filter(consent=True)
    expected = {row.email for row in consenting}  # type: ignore[attr-defined]

    first = _sync(source, list_id)
    assert first.summary.total == len(expected) == 27
    assert first.summary.changes.new == 27
    assert _in_list(emulator, list_id) == expected

    again = _sync(source, list_id, kind="full")  # every record looked at again: nothing to do
    assert again.summary.total == 27
    assert again.summary.changes.unchanged == 27
    assert again.summary.changes.removed == 0
    assert again.summary.batches == 0

    # Consent withdrawn behind the signals' back; the scan finds exactly those three.
    leaving = list(consenting.order_by("pk").values_list("pk", flat=True)[:3])
    model.objects.filter(pk__in=leaving).update(consent=False)
    counts = jobs.scan_changes()
    assert counts["gone"] == 3
    assert counts["missing"] == 0  # the states of the others match their keys
    # The scan queued an incremental sync (run at once here: the immediate runner).
    incremental = ImportRun.objects.filter(source=source).latest("pk")
    assert (incremental.kind, incremental.status) == ("incremental", "completed")
    assert incremental.summary.changes.removed == 3
    assert len(_in_list(emulator, list_id)) == 24
    assert jobs.scan_changes() == {"modified": 0, "missing": 0, "gone": 0, "forgotten": 0}


def test_a_uuid_source_with_repeating_phones_keeps_one_contact_per_person(
    connected: Connection, account: SeededAccount, emulator: Emulator
) -> None:
    """Seeded CRM data repeats phones: a row with a new email and a phone another contact has
    would update that contact in Selzy. Every person must stay their own contact, under their
    own name, and every record sent without its phone is listed with the reason."""
    list_id = _ready(connected, account, "people")
    MappedField.objects.create(
        source="people", source_field="phone", selzy_field="phone", selzy_type="string"
    )
    phones = [f"+7912000{i % 7:04d}" for i in range(40)]  # 40 people, 7 phones
    Person.objects.bulk_create(
        Person(email=f"p{i}@crm.example", name=f"Имя {i}", phone=phones[i]) for i in range(40)
    )
    with override_settings(SELZY={**SELZY, "CONTACT_SOURCES": SOURCES, "IMPORT_BATCH_SIZE": 15}):
        run = _sync("people", list_id)
    (state,) = emulator.state_dump()["accounts"]
    people = {c["email"]: c for c in state["contacts"]}
    assert len(people) == 40  # one contact per person
    assert all(people[f"p{i}@crm.example"]["fields"]["Name"] == f"Имя {i}" for i in range(40))
    assert sorted(c["phone"] for c in people.values() if c["phone"]) == sorted(set(phones))
    assert run.summary.notes == {"phone_shared": 33}
    notes = run.rejections.filter(code="phone_shared")
    assert notes.count() == 33
    assert all("belongs to record" in note.reason for note in notes)
    again = _sync("people", list_id, kind="full")  # stable: nothing is sent again
    assert (again.summary.changes.unchanged, again.summary.batches) == (40, 0)


def test_a_source_keyed_by_another_type_is_a_check_error() -> None:
    visits = {"visits": {"model": "crm.Visit", "fields": ["email"]}}
    with override_settings(SELZY={**SELZY, "CONTACT_SOURCES": visits}):
        errors = [m for m in checks.run_checks() if m.id == "selzy.E003"]
        assert len(errors) == 1
        assert "crm.Visit has a DateField primary key" in errors[0].msg
        with pytest.raises(Exception, match="integer, text or UUID primary key"):
            get_source("visits")
