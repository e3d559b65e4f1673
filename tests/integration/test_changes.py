"""Incremental sync engine: classify, send_changes, plan_batches and dry_run, through the real
client against the in-process emulator (and a capturing MockTransport for the wire)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from selzy import Selzy
from selzy.client import NoRateLimiter
from selzy.emulator import Emulator
from selzy.integration import (
    Change,
    ContactState,
    DryRunReport,
    FieldMapping,
    ImportJob,
    SelzyField,
    SourceRecord,
    SyncCounts,
    classify,
    dry_run,
    plan_batches,
    send_changes,
    send_changes_async,
)
from selzy.testing import TEST_API_KEY, async_client_for, client_for, make_emulator

MAPPING = FieldMapping({"email": "email", "name": "Name", "phone": "phone"})
FIELDS = [SelzyField("Name", "string")]


def job_for(list_id: int = 7, **options: Any) -> ImportJob:
    return ImportJob.build(MAPPING, FIELDS, list_id=list_id, **options)


def rec(source_id: int, email: str, name: str = "", phone: str = "") -> SourceRecord:
    return SourceRecord(source_id, {"email": email, "name": name, "phone": phone})


def sent(job: ImportJob, record: SourceRecord) -> ContactState:
    """The state left by sending ``record`` (as a ledger would hold it)."""
    change = classify(job, record, None)
    assert change.state is not None
    return change.state


# --------------------------------------------------------------------------- classify


def test_classify_gives_every_kind() -> None:
    job = job_for()
    ann = rec(1, "ann@example.com", "Ann")
    state = sent(job, ann)
    assert state.sent
    assert state.email == "ann@example.com"
    cases = [
        (ann, None, "new", 1),
        (ann, ContactState(1), "new", 1),  # remembered but never sent
        (ann, state, "unchanged", 0),
        (rec(1, "ann@example.com", "Ann B"), state, "update", 1),
        (rec(1, "ANN@example.com", "Ann"), state, "update", 1),  # case only: not a move
        (rec(1, "ann@other.example", "Ann"), state, "move", 2),
        (None, state, "remove", 1),
        (None, ContactState(1), "remove", 0),  # never sent: nothing to delete
        (rec(1, "ann@@example"), None, "invalid", 0),
        (rec(1, "ann@@example"), state, "invalid", 1),  # the old address is taken out
        (rec(1, ""), state, "invalid", 1),  # no contact left
    ]
    for record, old, kind, rows in cases:
        change = classify(job, record, old, position=3)
        assert (change.kind, change.rows) == (kind, rows), (record, old)
        assert change.source_id == 1
    move = classify(job, rec(1, "ann@other.example", "Ann"), state)
    assert move.delete == ("email", "ann@example.com")
    assert move.state is not None
    assert move.state.email == "ann@other.example"
    invalid = classify(job, rec(1, "ann@@example"), state, position=3)
    assert invalid.rejection is not None
    assert (invalid.rejection.code, invalid.rejection.position) == ("invalid_email", 3)
    with pytest.raises(ValueError, match="record or a state"):
        classify(job, None, None)


def test_the_row_hash_follows_the_list_and_the_mapping() -> None:
    record = rec(1, "ann@example.com", "Ann")
    state = sent(job_for(7), record)
    assert classify(job_for(7), record, state).kind == "unchanged"
    assert classify(job_for(8), record, state).kind == "update"
    narrower = ImportJob.build(FieldMapping({"email": "email"}), FIELDS, list_id=7)
    assert classify(narrower, record, state).kind == "update"


def test_a_phone_only_source_moves_on_a_phone_change() -> None:
    job = ImportJob.build(FieldMapping({"phone": "phone"}), FIELDS, list_id=7)
    old = sent(job, SourceRecord(1, {"phone": "+4930111"}))
    change = classify(job, SourceRecord(1, {"phone": "+4930222"}), old)
    assert (change.kind, change.delete) == ("move", ("phone", "+4930111"))


# --------------------------------------------------------------------------- against the emulator


@pytest.fixture
def emulator() -> Emulator:
    return make_emulator()


@pytest.fixture
def client(emulator: Emulator) -> Iterator[Selzy]:
    with client_for(emulator) as client:
        yield client


def contacts(emulator: Emulator) -> dict[str, dict[str, Any]]:
    (account,) = emulator.state_dump()["accounts"]
    return {c["email"]: c for c in account["contacts"]}


def import_calls(emulator: Emulator) -> int:
    return sum(1 for r in emulator.state_dump()["requests"] if r["method"] == "importContacts")


def pairs(records: dict[int, SourceRecord | None], ledger: Ledger, sid: int) -> bool:
    """Whether there is anything to classify: a record, or a state to remove."""
    return records.get(sid) is not None or sid in ledger.states


class Ledger:
    """The smallest ledger: states by source id, kept from each outcome."""

    def __init__(self) -> None:
        self.states: dict[Any, ContactState] = {}

    def sync(
        self, client: Selzy, job: ImportJob, records: dict[int, SourceRecord | None]
    ) -> list[Any]:
        ids = sorted(sid for sid in set(records) | set(self.states) if pairs(records, self, sid))
        changes = [
            classify(job, records.get(sid), self.states.get(sid), i) for i, sid in enumerate(ids)
        ]
        outcomes = [send_changes(client, job, group) for group in plan_batches(changes)]
        for outcome in outcomes:
            self.states.update({s.source_id: s for s in outcome.synced})
            for sid in outcome.removed:
                self.states.pop(sid, None)
        return outcomes


def test_new_update_move_remove_and_invalid_reach_selzy(client: Selzy, emulator: Emulator) -> None:
    list_id = client.get_lists()[0].id
    job = job_for(list_id)
    ledger = Ledger()
    records: dict[int, SourceRecord | None] = {
        1: rec(1, "ann@example.com", "Ann"),
        2: rec(2, "bob@example.com", "Bob", "+4930123456"),
        3: rec(3, "cy@example.com", "Cy"),
        4: rec(4, "dee@example.com", "Dee"),
    }
    (outcome,) = ledger.sync(client, job, records)
    assert outcome.counts == SyncCounts(new=4)
    assert outcome.totals.inserted == 4
    assert set(contacts(emulator)) == {
        "ann@example.com",
        "bob@example.com",
        "cy@example.com",
        "dee@example.com",
    }

    records[1] = rec(1, "ann@example.com", "Ann B")  # update
    records[2] = rec(2, "robert@example.com", "Bob", "+4930123456")  # email change
    records[3] = None  # deleted in the source
    records[4] = rec(4, "dee@@example.com", "Dee")  # turned malformed
    (outcome,) = ledger.sync(client, job, records)
    assert outcome.counts == SyncCounts(updated=1, moved=1, removed=1, invalid=1)
    assert sorted(outcome.removed) == [3, 4]
    assert [(r.source_id, r.stage, r.code) for r in outcome.rejections] == [
        (4, "local", "invalid_email")
    ]
    now = contacts(emulator)
    assert set(now) == {"ann@example.com", "robert@example.com"}  # no duplicate of Bob
    assert now["ann@example.com"]["fields"]["Name"] == "Ann B"
    assert now["robert@example.com"]["phone"] == "+4930123456"
    assert now["robert@example.com"]["email_lists"] == {str(list_id): "active"}
    assert set(ledger.states) == {1, 2}

    calls = import_calls(emulator)
    (outcome,) = ledger.sync(client, job, records)  # nothing changed: nothing sent
    assert outcome.counts == SyncCounts(unchanged=2, invalid=1)
    assert import_calls(emulator) == calls


def test_an_address_selzy_refuses_is_a_rejection_and_not_synced(client: Selzy) -> None:
    job = job_for(client.get_lists()[0].id)
    changes = [
        classify(job, rec(1, "info@example.com", "Desk"), None, 0),
        classify(job, rec(2, "eve@example.com", "Eve"), None, 1),
    ]
    outcome = send_changes(client, job, changes)
    assert [s.source_id for s in outcome.synced] == [2]
    ((source_id, position, stage, code),) = [
        (r.source_id, r.position, r.stage, r.code) for r in outcome.rejections
    ]
    assert (source_id, position, stage, code) == (1, 0, "selzy", "role_address")


def test_a_resync_keeps_an_unsubscribed_contact_unsubscribed_without_opt_in(
    client: Selzy, emulator: Emulator
) -> None:
    list_id = client.get_lists()[0].id
    job = job_for(list_id)
    ledger = Ledger()
    ledger.sync(client, job, {1: rec(1, "ann@example.com", "Ann")})
    client.unsubscribe(contact_type="email", contact="ann@example.com")
    (outcome,) = ledger.sync(client, job, {1: rec(1, "ann@example.com", "Ann B")})
    assert outcome.counts == SyncCounts(updated=1)
    contact = contacts(emulator)["ann@example.com"]
    assert contact["email_status"] == "unsubscribed"
    assert contact["email_lists"] == {str(list_id): "unsubscribed"}
    assert contact["fields"]["Name"] == "Ann B"
    assert [letter for letter in emulator.outbox() if letter.kind == "optin"] == []


def test_shared_addresses_make_one_row_and_deletions_make_way(
    client: Selzy, emulator: Emulator
) -> None:
    job = job_for(client.get_lists()[0].id)
    ledger = Ledger()
    (outcome,) = ledger.sync(
        client, job, {1: rec(1, "pat@example.com", "Pat"), 2: rec(2, "pat@example.com", "Pat B")}
    )
    assert outcome.totals.sent == 1  # Selzy would refuse the second as a duplicate
    assert {s.source_id for s in outcome.synced} == {1, 2}
    assert contacts(emulator)["pat@example.com"]["fields"]["Name"] == "Pat B"
    # One record leaves, the other moves to the freed address's twin: nothing is refused.
    (outcome,) = ledger.sync(
        client, job, {1: None, 2: rec(2, "pat@example.com", "Pat C"), 3: rec(3, "q@example.com")}
    )
    assert outcome.rejections == ()
    assert set(contacts(emulator)) == {"pat@example.com", "q@example.com"}
    # keep_addresses: another contact still holds the address, so it stays in Selzy.
    remove = classify(job, None, ledger.states[2])
    outcome = send_changes(client, job, [remove], keep_addresses={"PAT@example.com"})
    assert outcome.removed == (2,)
    assert outcome.totals.sent == 0
    assert "pat@example.com" in contacts(emulator)


def capture() -> tuple[Selzy, list[dict[str, str]]]:
    bodies: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(dict(parse_qsl(request.content.decode(), keep_blank_values=True)))
        result = {"total": 1, "inserted": 1, "updated": 0, "deleted": 0, "new_emails": 1}
        return httpx.Response(200, json={"result": {**result, "invalid": 0, "log": []}})

    client = Selzy(
        TEST_API_KEY,
        platform="Tests",
        transport=httpx.MockTransport(handler),
        rate_limiter=NoRateLimiter(),
    )
    return client, bodies


def test_the_wire_never_carries_status_opt_in_or_list_overwrites() -> None:
    client, bodies = capture()
    job = job_for(overwrite_lists=True, overwrite_tags=True)
    old = sent(job, rec(1, "a@example.com"))
    with client:
        send_changes(client, job, [classify(job, rec(2, "b@example.com"), None)])
        send_changes(client, job, [classify(job, rec(1, "c@example.com"), old)])
    first, second = bodies
    names = [v for k, v in sorted(first.items()) if k.startswith("field_names")]
    assert "delete" not in names  # only when some row deletes
    for body in bodies:
        assert not any(k.startswith(("email_status", "double_optin")) for k in body)
        assert "overwrite_lists" not in body
        assert body["overwrite_tags"] == "1"
    names = [second[f"field_names[{i}]"] for i in range(5)]
    assert names == ["email", "phone", "Name", "email_list_ids", "delete"]
    assert [second[f"data[0][{i}]"] for i in range(5)] == ["a@example.com", "", "", "", "1"]
    assert second["data[1][0]"] == "c@example.com"
    assert second["data[1][4]"] == "0"


def test_more_than_one_call_of_rows_is_refused_before_sending() -> None:
    client, bodies = capture()
    job = job_for()
    changes = [classify(job, rec(i, f"c{i}@example.com"), None) for i in range(501)]
    with client, pytest.raises(ValueError, match="at most 500"):
        send_changes(client, job, changes)
    assert bodies == []


def test_plan_batches_counts_rows_and_reads_lazily() -> None:
    job = job_for()
    old = sent(job, rec(0, "old@example.com"))
    moves = [classify(job, rec(0, f"m{i}@example.com"), old) for i in range(300)]
    groups = list(plan_batches(iter(moves)))
    assert [sum(c.rows for c in g) for g in groups] == [500, 100]
    unchanged = classify(job, rec(0, "old@example.com"), old)
    groups = list(plan_batches([unchanged] * 12, max_rows=4, max_changes=5))
    assert [len(g) for g in groups] == [5, 5, 2]
    pulled = []

    def stream() -> Iterator[Change]:
        for i in range(10_000):
            pulled.append(i)
            yield classify(job, rec(i, f"s{i}@example.com"), None)

    first = next(plan_batches(stream()))
    assert len(first) == 500
    assert len(pulled) == 501  # one group ahead at most
    with pytest.raises(ValueError, match="max_rows"):
        next(plan_batches([], max_rows=501))


def test_dry_run_counts_what_the_run_then_does(client: Selzy, emulator: Emulator) -> None:
    job = job_for(client.get_lists()[0].id)
    ledger = Ledger()
    ledger.sync(client, job, {i: rec(i, f"p{i}@example.com", f"P{i}") for i in range(40)})
    records: dict[int, SourceRecord | None] = {}
    for i in range(60):
        if i % 10 == 1:
            records[i] = None
        elif i % 10 == 2:
            records[i] = rec(i, f"moved{i}@example.com", f"P{i}")
        elif i % 10 == 3:
            records[i] = rec(i, f"p{i}@example.com", "renamed")
        elif i % 10 == 4:
            records[i] = rec(i, "broken@@example.com")
        elif i % 10 == 5:
            records[i] = rec(i, "", phone="")
        else:
            records[i] = rec(i, f"p{i}@example.com", f"P{i}")
    ids = sorted(i for i in set(records) | set(ledger.states) if pairs(records, ledger, i))
    report = dry_run(
        job, ((records.get(i), ledger.states.get(i)) for i in ids), no_consent=3, unsubscribed=1
    )
    calls = import_calls(emulator)
    assert import_calls(emulator) == calls  # the dry run called nothing
    outcomes = ledger.sync(client, job, records)
    done = sum((o.counts for o in outcomes), SyncCounts())
    assert report.counts == done
    assert done == SyncCounts(new=14, updated=4, unchanged=20, moved=4, removed=4, invalid=12)
    assert report.skipped == {
        "invalid_email": 6,
        "no_consent": 3,
        "no_contact": 6,
        "unsubscribed": 1,
    }
    assert report.total_skipped == 16
    assert report.rows == sum(o.totals.sent for o in outcomes)
    assert report.calls == 1
    assert isinstance(report, DryRunReport)
    assert report.as_dict()["counts"] == done.as_dict()


def test_the_async_twin_sends_the_same_call(emulator: Emulator) -> None:
    async def main() -> Any:
        async with async_client_for(emulator) as client:
            list_id = (await client.get_lists())[0].id
            job = job_for(list_id)
            return await send_changes_async(
                client, job, [classify(job, rec(1, "ann@example.com"), None)]
            )

    outcome = asyncio.run(main())
    assert outcome.counts == SyncCounts(new=1)
    assert "ann@example.com" in contacts(emulator)
    empty = asyncio.run(_send_nothing(emulator))
    assert empty.totals.batches == 0


async def _send_nothing(emulator: Emulator) -> Any:
    async with async_client_for(emulator) as client:
        job = job_for()
        state = sent(job, rec(1, "x@example.com"))
        return await send_changes_async(
            client, job, [classify(job, rec(1, "x@example.com"), state)]
        )
