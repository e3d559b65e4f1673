"""Rows sharing an address: the later row wins, in one call and across calls, and the earlier
row is listed as replaced by it."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl

import httpx
import pytest

from selzy.integration import (
    FieldMapping,
    ImportJob,
    InMemoryCheckpointStore,
    SelzyField,
    SourceRecord,
    import_records,
    import_records_async,
)
from selzy.integration._duplicates import AddressTable, fingerprint

from ._fake import FakeSelzy

FIELDS = [{"id": 1, "name": "Name", "type": "string"}]
JOB = ImportJob.build(
    FieldMapping({"mail": "email", "name": "Name"}), [SelzyField("Name", "string")], list_id=3
)


def person(line: int, email: str, name: str) -> SourceRecord:
    return SourceRecord(line, {"mail": email, "name": name})


def test_in_one_call_the_later_row_wins_and_the_earlier_is_noted() -> None:
    server = FakeSelzy(fields=list(FIELDS))
    records = [
        person(2, "ann@example.com", "Ann (old)"),
        person(3, "bob@example.com", "Bob"),
        person(4, "Ann@Example.com", "Ann"),
    ]
    job = ImportJob.build(JOB.mapping, JOB.selzy_fields, list_id=3, id_name="line")
    outcome = import_records(server.client(), job, records)
    assert [row["Name"] for row in server.received] == ["Ann", "Bob"]
    [note] = outcome.rejections
    assert (note.source_id, note.position, note.code, note.stage, note.email) == (
        2,
        0,
        "duplicate",
        "local",
        "Ann@example.com",
    )
    assert note.reason == "replaced by line 4, which has the same email"
    assert note.is_note
    assert outcome.totals.notes == {"duplicate": 1}
    assert outcome.totals.skipped == {}
    assert (outcome.totals.total, outcome.totals.sent) == (3, 2)


def test_across_calls_the_later_row_is_sent_after_the_earlier_call_and_wins() -> None:
    """Three calls in flight at most, two rows a call: the call holding the later Ann waits
    for the first call's answer (and the calls after it wait with it, keeping the order)."""
    fake = FakeSelzy(fields=list(FIELDS))
    events: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/importContacts"):
            return fake.handler(request)
        first = dict(parse_qsl(request.content.decode()))["data[0][0]"]
        events.append(f"sent {first}")
        if first == "ann@example.com":
            await asyncio.sleep(0.05)  # the first call is slow to answer
        events.append(f"answered {first}")
        return fake.handler(request)

    records = [
        person(0, "ann@example.com", "Ann (old)"),
        person(1, "bob@example.com", "Bob"),
        person(2, "cid@example.com", "Cid"),
        person(3, "ann@example.com", "Ann"),
        person(4, "dan@example.com", "Dan"),
        person(5, "eve@example.com", "Eve"),
    ]
    store = InMemoryCheckpointStore()

    async def run() -> None:
        async with fake.async_client(handler=handler) as client:
            outcome = await import_records_async(
                client, JOB, records, store=store, concurrency=3, batch_size=2
            )
        assert outcome.totals.notes == {"duplicate": 1}

    asyncio.run(run())
    assert events.index("sent cid@example.com") > events.index("answered ann@example.com")
    assert fake.contacts["ann@example.com"]["Name"] == "Ann"
    [note] = store.rejections
    assert (note.source_id, note.position, note.code) == (0, 3, "duplicate")
    assert note.reason == "replaced by record 3, which has the same email"


def test_a_phone_only_import_holds_back_a_phone_it_already_sent() -> None:
    """Rows whose only address is a phone another row sent: Selzy would update the first
    row's contact with them, so they are held back, each naming the row that has the phone
    (claim_phones; rows with an email and a shared phone are sent without it)."""
    server = FakeSelzy()
    job = ImportJob.build(FieldMapping({"tel": "phone"}), [], list_id=3, phone_country="RU")
    records = [SourceRecord(i, {"tel": tel}) for i, tel in enumerate(["8 912 345-67-89"] * 3)]
    outcome = import_records(server.client(), job, records, batch_size=2)
    assert [(r.source_id, r.code) for r in outcome.rejections] == [
        (1, "phone_taken"),
        (2, "phone_taken"),
    ]
    assert outcome.rejections[0].reason.startswith("phone +79123456789 belongs to record 0")
    assert outcome.rejections[1].phone == "+79123456789"
    assert outcome.totals.sent == 1


def test_no_note_when_the_later_row_is_refused() -> None:
    server = FakeSelzy()
    job = ImportJob.build(FieldMapping({"mail": "email"}), [], list_id=3)
    records = [SourceRecord(i, {"mail": "info@example.com"}) for i in range(2)]
    outcome = import_records(server.client(), job, records)
    # One row for both (the later one's), refused: neither got in, so nothing was replaced.
    assert [(r.source_id, r.code) for r in outcome.rejections] == [
        (0, "role_address"),
        (1, "role_address"),
    ]
    assert outcome.totals.notes == {}


def test_the_table_keeps_the_last_id_of_each_address_and_grows() -> None:
    table = AddressTable()
    keys = [fingerprint(("email", f"user{i}@example.com")) for i in range(5000)]
    for i, key in enumerate(keys):
        assert table.swap(key, i) == (False, None)
    assert len(table) == 5000
    assert table.swap(keys[7], "lead-7") == (True, 7)
    assert table.swap(keys[7], 10**30) == (True, "lead-7")  # too big for the array: kept aside
    assert table.swap(keys[7], 8) == (True, 10**30)
    assert table.swap(keys[4999], True) == (True, 4999)
    assert table.swap(keys[4999], 1) == (True, True)
    assert len(table) == 5000
    assert fingerprint(("email", "a@example.com")) != 0


@pytest.mark.parametrize("concurrency", [1, 4])
def test_many_duplicates_across_many_calls(concurrency: int) -> None:
    server = FakeSelzy(fields=list(FIELDS))
    records = [person(i, f"user{i % 300}@example.com", f"Name {i}") for i in range(1000)]
    outcome = import_records(server.client(), JOB, records, concurrency=concurrency, batch_size=100)
    assert outcome.totals.notes == {"duplicate": 700}
    assert {r.source_id for r in outcome.rejections} == set(range(700))
    assert len(server.contacts) == 300
    assert all(
        server.contacts[f"user{i % 300}@example.com"]["Name"] == f"Name {i}"
        for i in range(700, 1000)
    )
