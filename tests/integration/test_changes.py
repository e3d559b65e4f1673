"""Change-based sync: classify, plan_calls, send_changes, sync_batch and dry_run, through the
real client against the in-process emulator (and a capturing MockTransport for the wire)."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Hashable, Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from selzy import Selzy
from selzy.client import NoRateLimiter
from selzy.emulator import Emulator
from selzy.integration import (
    BatchOutcome,
    Change,
    ChangeCounts,
    Contact,
    DryRunReport,
    FieldMapping,
    ImportJob,
    NoStates,
    PhoneOwner,
    RunTotals,
    SelzyField,
    SentState,
    SourceRecord,
    StateStore,
    classify,
    dry_run,
    plan_calls,
    send_changes,
    send_changes_async,
    sync_batch,
    sync_batch_async,
)
from selzy.testing import TEST_API_KEY, async_client_for, client_for, make_emulator

MAPPING = FieldMapping({"email": "email", "name": "Name", "phone": "phone"})
FIELDS = [SelzyField("Name", "string")]


def job_for(list_id: int = 7, **options: Any) -> ImportJob:
    return ImportJob.build(MAPPING, FIELDS, list_id=list_id, **options)


def rec(source_id: int, email: str, name: str = "", phone: str = "") -> SourceRecord:
    return SourceRecord(source_id, {"email": email, "name": name, "phone": phone})


def sent(job: ImportJob, record: SourceRecord) -> SentState:
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
    assert state.unsubscribed is False
    cases = [
        (ann, None, "new", 1),
        (ann, SentState(1), "new", 1),  # remembered but never sent
        (ann, state, "unchanged", 0),
        (rec(1, "ann@example.com", "Ann B"), state, "update", 1),
        (rec(1, "ANN@example.com", "Ann"), state, "update", 1),  # case only: not a move
        (rec(1, "ann@other.example", "Ann"), state, "move", 2),
        (None, state, "remove", 1),
        (None, SentState(1), "remove", 0),  # never sent: nothing to delete
        (rec(1, "ann@@example"), None, "invalid", 0),
        (rec(1, "ann@@example"), state, "invalid", 1),  # the old address is taken out
        (rec(1, ""), state, "invalid", 1),  # no contact left
    ]
    for record, old, kind, rows in cases:
        change = classify(job, record, old, position=3)
        assert (change.kind, change.rows) == (kind, rows), (record, old)
        assert change.source_id == 1
        assert change.position == 3
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


class Ledger:
    """The smallest ledger: states by source id, kept from each outcome; its own StateStore."""

    def __init__(self) -> None:
        self.states: dict[Any, SentState] = {}
        self.asked: list[tuple[set[str], set[Hashable]]] = []

    def addresses_held(
        self, addresses: Collection[str], *, excluding: Collection[Hashable]
    ) -> Collection[str]:
        self.asked.append((set(addresses), set(excluding)))
        wanted = {a.lower() for a in addresses}
        return {
            s.email
            for sid, s in self.states.items()
            if sid not in excluding and s.sent and s.email.lower() in wanted
        }

    def phones_held(self, phones: Collection[str]) -> dict[str, PhoneOwner]:
        owners: dict[str, PhoneOwner] = {}
        for sid, s in sorted(self.states.items()):
            if s.sent and s.phone in phones:
                owners.setdefault(s.phone, PhoneOwner(sid, s.email))
        return owners

    def contacts(self, records: dict[int, SourceRecord | None]) -> list[Contact]:
        """Every source id the source or the ledger knows, as a host reads a batch."""
        ids = sorted(set(records) | set(self.states))
        return [Contact(i, records.get(sid), self.states.get(sid)) for i, sid in enumerate(ids)]

    def record(self, outcome: BatchOutcome) -> BatchOutcome:
        self.states.update({s.source_id: s for s in outcome.synced})
        for sid in outcome.removed:
            self.states.pop(sid, None)
        return outcome

    def sync(
        self, client: Selzy, job: ImportJob, records: dict[int, SourceRecord | None]
    ) -> BatchOutcome:
        return self.record(sync_batch(client, job, self.contacts(records), self))


def test_the_ledger_is_a_state_store() -> None:
    store: StateStore = Ledger()
    assert store.addresses_held(["a@example.com"], excluding=[]) == set()
    assert NoStates().addresses_held(["a@example.com"], excluding=[1]) == ()
    assert store.phones_held(["+4930123456"]) == NoStates().phones_held(["+4930123456"]) == {}


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
    outcome = ledger.sync(client, job, records)
    assert outcome.totals.changes == ChangeCounts(new=4)
    assert outcome.totals.inserted == 4
    assert outcome.totals.batches == 1
    assert ledger.asked == []  # nothing deleted: the store was not asked
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
    outcome = ledger.sync(client, job, records)
    assert outcome.totals.changes == ChangeCounts(updated=1, moved=1, removed=1, invalid=1)
    assert outcome.totals.skipped == {"invalid_email": 1}
    assert outcome.totals.skipped_locally == 1
    # Cy and Dee leave the list in the exclusion call; Bob's old address goes with the upserts.
    assert outcome.totals.batches == 2
    assert sorted(outcome.removed) == [3, 4]
    assert [(r.source_id, r.stage, r.code) for r in outcome.rejections] == [
        (4, "local", "invalid_email")
    ]
    # The store was asked once whether someone else holds the addresses taken out.
    assert ledger.asked == [({"bob@example.com", "cy@example.com", "dee@example.com"}, {2, 3, 4})]
    now = contacts(emulator)
    # No duplicate of Bob; Cy and Dee stay in the account (with their history), out of the list.
    assert set(now) == {
        "ann@example.com",
        "robert@example.com",
        "cy@example.com",
        "dee@example.com",
    }
    assert now["cy@example.com"]["email_lists"] == now["dee@example.com"]["email_lists"] == {}
    assert now["ann@example.com"]["fields"]["Name"] == "Ann B"
    assert now["cy@example.com"]["fields"]["Name"] == "Cy"  # nothing else of theirs was touched
    assert now["robert@example.com"]["phone"] == "+4930123456"
    assert now["robert@example.com"]["email_lists"] == {str(list_id): "active"}
    assert set(ledger.states) == {1, 2}

    calls = import_calls(emulator)
    outcome = ledger.sync(client, job, records)  # nothing changed: nothing sent
    assert outcome.totals.changes == ChangeCounts(unchanged=2, invalid=1)
    assert (outcome.totals.sent, outcome.totals.batches) == (0, 0)
    assert import_calls(emulator) == calls


def test_removal_delete_takes_leaving_contacts_out_of_the_account(
    client: Selzy, emulator: Emulator
) -> None:
    job = job_for(client.get_lists()[0].id, removal="delete")
    ledger = Ledger()
    records: dict[int, SourceRecord | None] = {1: rec(1, "ann@example.com"), 2: rec(2, "cy@x.org")}
    ledger.sync(client, job, records)
    records[2] = None
    outcome = ledger.sync(client, job, records)
    assert (outcome.totals.deleted, outcome.totals.batches) == (1, 1)  # in the one call
    assert set(contacts(emulator)) == {"ann@example.com"}


def test_unsubscribed_leaves_the_filter_and_comes_back_still_unsubscribed(
    client: Selzy, emulator: Emulator
) -> None:
    """No webhook arrives here: the ledger never learns of the unsubscription, and the person
    who comes back must still not be re-subscribed (the account kept their record)."""
    list_id = client.get_lists()[0].id
    job = job_for(list_id)
    ledger = Ledger()
    records: dict[int, SourceRecord | None] = {1: rec(1, "ann@example.com", "Ann")}
    ledger.sync(client, job, records)
    client.unsubscribe(contact_type="email", contact="ann@example.com", list_ids=[list_id])
    assert contacts(emulator)["ann@example.com"]["email_lists"] == {str(list_id): "unsubscribed"}
    records[1] = None  # left the filter (consent withdrawn in the CRM)
    assert ledger.sync(client, job, records).totals.changes.removed == 1
    records[1] = rec(1, "ann@example.com", "Ann")  # and comes back
    assert ledger.sync(client, job, records).totals.changes.new == 1
    assert contacts(emulator)["ann@example.com"]["email_lists"] == {str(list_id): "unsubscribed"}


def test_rows_selzy_does_not_account_for_are_said_and_counted() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        result = {"total": 2, "inserted": 1, "updated": 0, "deleted": 0, "new_emails": 1,
                  "invalid": 0, "log": []}  # fmt: skip
        return httpx.Response(200, json={"result": result})

    client = Selzy("k" * 40, platform="Test", transport=httpx.MockTransport(handler))
    job = job_for()
    changes = [classify(job, rec(i, f"p{i}@example.com"), None, i) for i in range(2)]
    outcome = send_changes(client, job, changes)
    assert outcome.totals.unaccounted == 1
    assert outcome.warnings == (
        "Selzy accounted for 1 of the 2 rows of one importContacts call "
        "(inserted 1, updated 0, deleted 0, invalid 0)",
    )


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
    assert outcome.totals.rejected == 1
    assert outcome.totals.skipped == {}  # Selzy's refusals are not local skips


def test_a_resync_keeps_an_unsubscribed_contact_unsubscribed_without_opt_in(
    client: Selzy, emulator: Emulator
) -> None:
    list_id = client.get_lists()[0].id
    job = job_for(list_id)
    ledger = Ledger()
    ledger.sync(client, job, {1: rec(1, "ann@example.com", "Ann")})
    client.unsubscribe(contact_type="email", contact="ann@example.com")
    outcome = ledger.sync(client, job, {1: rec(1, "ann@example.com", "Ann B")})
    assert outcome.totals.changes == ChangeCounts(updated=1)
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
    outcome = ledger.sync(
        client, job, {1: rec(1, "pat@example.com", "Pat"), 2: rec(2, "pat@example.com", "Pat B")}
    )
    assert outcome.totals.sent == 1  # Selzy would refuse the second as a duplicate
    assert {s.source_id for s in outcome.synced} == {1, 2}
    assert contacts(emulator)["pat@example.com"]["fields"]["Name"] == "Pat B"
    # One record leaves, the other moves to the freed address's twin: nothing is refused.
    outcome = ledger.sync(
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


def rows_of(body: dict[str, str]) -> list[dict[str, str]]:
    """A captured importContacts body's rows, by column name."""
    names = []
    while f"field_names[{len(names)}]" in body:
        names.append(body[f"field_names[{len(names)}]"])
    rows = []
    while f"data[{len(rows)}][0]" in body:
        rows.append({n: body[f"data[{len(rows)}][{i}]"] for i, n in enumerate(names)})
    return rows


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


def test_plan_calls_counts_rows_and_reads_lazily() -> None:
    job = job_for()
    old = sent(job, rec(0, "old@example.com"))
    moves = [classify(job, rec(0, f"m{i}@example.com"), old) for i in range(300)]
    groups = list(plan_calls(iter(moves)))
    assert [sum(c.rows for c in g) for g in groups] == [500, 100]
    unchanged = classify(job, rec(0, "old@example.com"), old)
    groups = list(plan_calls([unchanged] * 12, max_rows=4, max_changes=5))
    assert [len(g) for g in groups] == [5, 5, 2]
    pulled = []

    def stream() -> Iterator[Change]:
        for i in range(10_000):
            pulled.append(i)
            yield classify(job, rec(i, f"s{i}@example.com"), None)

    first = next(plan_calls(stream()))
    assert len(first) == 500
    assert len(pulled) == 501  # one group ahead at most
    with pytest.raises(ValueError, match="max_rows"):
        next(plan_calls([], max_rows=501))
    with pytest.raises(ValueError, match="max_rows"):
        next(plan_calls([], max_rows=0))
    # A lone move always fits, even in calls of one row.
    assert [len(g) for g in plan_calls(moves[:3], max_rows=1)] == [1, 1, 1]


# --------------------------------------------------------------------------- sync_batch


def test_sync_batch_leaves_an_unsubscribed_contact_alone() -> None:
    client, bodies = capture()
    job = job_for()
    ann = replace(sent(job, rec(1, "ann@example.com", "Ann")), unsubscribed=True)
    bob = replace(sent(job, rec(2, "bob@example.com", "Bob")), unsubscribed=True)
    store = Ledger()
    batch = [
        Contact(0, rec(1, "ann@example.com", "Ann B"), ann),  # changed: still not sent
        Contact(1, None, bob),  # gone from the source: still not deleted
        Contact(2, None, None),  # neither a record nor a state: nothing to do
        Contact(3, rec(3, "cy@example.com", "Cy"), None),
    ]
    outcome = sync_batch(client, job, batch, store)
    assert outcome.totals.skipped == {"unsubscribed": 2}
    assert outcome.totals.total_skipped == 2
    assert outcome.totals.changes == ChangeCounts(new=1)
    assert (outcome.totals.total, outcome.totals.sent, outcome.totals.batches) == (1, 1, 1)
    assert [s.source_id for s in outcome.synced] == [3]
    assert outcome.removed == ()
    assert outcome.rejections == ()
    (body,) = bodies
    assert rows_of(body) == [
        {"email": "cy@example.com", "phone": "", "Name": "Cy", "email_list_ids": "7"}
    ]
    assert store.asked == []  # nothing to delete: bob's address was not even looked up

    with client:
        outcome = sync_batch(client, job, batch[:2], store)
    assert len(bodies) == 1  # only unsubscribed contacts: no call at all
    assert outcome.totals == RunTotals(skipped={"unsubscribed": 2})


def test_sync_batch_keeps_an_address_the_store_says_another_contact_holds() -> None:
    client, bodies = capture()
    job = job_for()
    pat = sent(job, rec(1, "pat@example.com", "Pat"))
    old = sent(job, rec(2, "old@example.com", "Old"))
    batch = [
        Contact(0, None, pat),  # pat@ leaves the source, but contact 9 holds it too
        Contact(1, rec(2, "new@example.com", "Old"), old),  # a move: old@ is nobody else's
    ]
    store = Ledger()
    store.states[9] = sent(job, rec(9, "PAT@example.com", "Pat too"))
    outcome = sync_batch(client, job, batch, store)
    assert store.asked == [({"pat@example.com", "old@example.com"}, {1, 2})]
    (body,) = bodies
    assert [(r["email"], r["delete"]) for r in rows_of(body)] == [
        ("old@example.com", "1"),
        ("new@example.com", "0"),
    ]
    assert outcome.removed == (1,)  # its own state is forgotten all the same
    assert [s.email for s in outcome.synced] == ["new@example.com"]
    assert outcome.totals.changes == ChangeCounts(moved=1, removed=1)

    # A store that holds nothing (a one-off import's): the address leaves the list, in the
    # exclusion call before the main one (the moved contact's old address is still deleted).
    bodies.clear()
    with client:
        outcome = sync_batch(client, job, batch, NoStates())
    (excluded, body) = bodies
    assert rows_of(excluded) == [{"email": "pat@example.com", "email_excluded_list_ids": "7"}]
    assert [(r["email"], r["delete"]) for r in rows_of(body)] == [
        ("old@example.com", "1"),
        ("new@example.com", "0"),
    ]
    assert outcome.removed == (1,)


def test_sync_batch_makes_a_second_call_when_moves_take_it_past_500_rows() -> None:
    client, bodies = capture()
    job = job_for()
    batch = [
        Contact(i, rec(i, f"new{i}@example.com"), sent(job, rec(i, f"old{i}@example.com")))
        for i in range(300)
    ]
    with client:
        outcome = sync_batch(client, job, batch, NoStates())
    assert [len(rows_of(body)) for body in bodies] == [500, 100]
    assert outcome.totals.batches == 2
    assert outcome.totals.sent == 600
    assert outcome.totals.changes == ChangeCounts(moved=300)
    assert [s.source_id for s in outcome.synced] == list(range(300))


def test_dry_run_counts_what_the_run_then_does(client: Selzy, emulator: Emulator) -> None:
    job = job_for(client.get_lists()[0].id)
    ledger = Ledger()
    ledger.sync(client, job, {i: rec(i, f"p{i}@example.com", f"P{i}") for i in range(40)})
    # Contact 3 unsubscribed (the webhook said so): its rename is neither sent nor counted.
    ledger.states[3] = replace(ledger.states[3], unsubscribed=True)
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
    calls = import_calls(emulator)
    report = dry_run(job, iter(ledger.contacts(records)), no_consent=3)
    assert import_calls(emulator) == calls  # the dry run called nothing
    outcome = ledger.sync(client, job, records)
    assert isinstance(report, DryRunReport)
    done = outcome.totals.changes
    assert report.totals.changes == done
    assert done == ChangeCounts(new=14, updated=3, unchanged=20, moved=4, removed=4, invalid=12)
    assert report.totals.skipped == {
        "invalid_email": 6,
        "no_consent": 3,
        "no_contact": 6,
        "unsubscribed": 1,
    }
    assert report.totals.total_skipped == 16
    # The run skipped the same contacts, the host's own no_consent aside.
    assert outcome.totals.skipped == {"invalid_email": 6, "no_contact": 6, "unsubscribed": 1}
    assert report.totals.sent == outcome.totals.sent == 14 + 3 + 2 * 4 + 4 + 8
    # The contacts removed leave in an exclusion call of their own.
    assert report.totals.batches == outcome.totals.batches == 2
    assert report.totals.total == outcome.totals.total == done.total
    assert report.totals.skipped_locally == outcome.totals.skipped_locally == 12
    assert report.totals.as_dict()["changes"] == done.as_dict()
    assert [r.source_id for r in report.examples["invalid_email"]] == [4, 14, 24]
    assert [r.source_id for r in report.examples["no_contact"]] == [5, 15, 25]
    assert set(report.examples) == {"invalid_email", "no_contact"}
    # The unsubscribed contact kept its old data and its state.
    assert contacts(emulator)["p3@example.com"]["fields"]["Name"] == "P3"
    assert ledger.states[3].unsubscribed


def test_a_dry_run_of_many_calls_counts_them() -> None:
    job = job_for()
    batch = [
        Contact(i, rec(i, f"new{i}@example.com"), sent(job, rec(i, f"old{i}@example.com")))
        for i in range(300)
    ]
    report = dry_run(job, batch)
    assert (report.totals.sent, report.totals.batches) == (600, 2)
    assert report.totals.changes == ChangeCounts(moved=300)
    assert report.totals.skipped == {}
    assert dry_run(job, []).totals == RunTotals()


def test_the_async_twin_sends_the_same_call(emulator: Emulator) -> None:
    async def main() -> Any:
        async with async_client_for(emulator) as client:
            list_id = (await client.get_lists())[0].id
            job = job_for(list_id)
            return await send_changes_async(
                client, job, [classify(job, rec(1, "ann@example.com"), None)]
            )

    outcome = asyncio.run(main())
    assert outcome.totals.changes == ChangeCounts(new=1)
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


@pytest.mark.asyncio
async def test_the_async_sync_batch_does_what_the_sync_one_does(emulator: Emulator) -> None:
    ledger = Ledger()
    async with async_client_for(emulator) as client:
        job = job_for((await client.get_lists())[0].id)
        first = {1: rec(1, "ann@example.com", "Ann"), 2: rec(2, "bob@example.com", "Bob")}
        ledger.record(await sync_batch_async(client, job, ledger.contacts(first), ledger))
        ledger.states[2] = replace(ledger.states[2], unsubscribed=True)
        second: dict[int, SourceRecord | None] = {1: None, 2: rec(2, "bob@example.com", "B")}
        outcome = ledger.record(
            await sync_batch_async(client, job, ledger.contacts(second), ledger)
        )
    assert outcome.totals.changes == ChangeCounts(removed=1)
    assert outcome.totals.skipped == {"unsubscribed": 1}
    assert outcome.removed == (1,)
    assert ledger.asked == [({"ann@example.com"}, {1})]
    assert contacts(emulator)["ann@example.com"]["email_lists"] == {}  # out of the list only
    assert contacts(emulator)["bob@example.com"]["fields"]["Name"] == "Bob"


# ------------------------------------------------------------------------ one person, one contact


def test_a_phone_two_records_share_is_sent_once_and_people_stay_apart(
    client: Selzy, emulator: Emulator
) -> None:
    """Selzy identifies a contact by email OR phone: the second record's row, sent with the
    first one's phone, would update the first person's contact (two people become one)."""
    job = job_for(client.get_lists()[0].id)
    ledger = Ledger()
    records: dict[int, SourceRecord | None] = {
        1: rec(1, "ann@example.com", "Ann", "+4930123456"),
        2: rec(2, "bob@example.com", "Bob", "+4930123456"),  # shares Ann's phone
        3: rec(3, "cy@example.com", "Cy", "+4930999999"),
    }
    outcome = ledger.sync(client, job, records)
    now = contacts(emulator)
    assert set(now) == {"ann@example.com", "bob@example.com", "cy@example.com"}
    assert (now["ann@example.com"]["fields"]["Name"], now["ann@example.com"]["phone"]) == (
        "Ann",
        "+4930123456",
    )
    assert (now["bob@example.com"]["fields"]["Name"], now["bob@example.com"]["phone"]) == (
        "Bob",
        None,
    )
    (note,) = outcome.rejections
    assert (note.source_id, note.code, note.is_note) == (2, "phone_shared", True)
    assert "record 1 (ann@example.com)" in note.reason
    assert outcome.totals.notes == {"phone_shared": 1}
    assert outcome.totals.skipped == {}
    assert outcome.totals.changes.new == 3

    # A later batch: the ledger says Ann holds the phone; a new record with it is told so, and
    # Bob, unchanged, is not sent again.
    records[4] = rec(4, "dan@example.com", "Dan", "+4930123456")
    again = ledger.sync(client, job, records)
    assert again.totals.changes == ChangeCounts(new=1, unchanged=3)
    assert [(r.source_id, r.code) for r in again.rejections] == [(4, "phone_shared")]
    assert contacts(emulator)["ann@example.com"]["fields"]["Name"] == "Ann"


def test_a_record_whose_only_address_is_someone_elses_phone_is_held_back(
    client: Selzy, emulator: Emulator
) -> None:
    mapping = FieldMapping({"phone": "phone", "name": "Name"})
    job = ImportJob.build(mapping, FIELDS, list_id=client.get_lists()[0].id)
    ledger = Ledger()
    records: dict[int, SourceRecord | None] = {
        1: rec(1, "", "Ann", "+4930123456"),
        2: rec(2, "", "Bob", "+4930123456"),
    }
    outcome = ledger.sync(client, job, records)
    (held,) = outcome.rejections
    assert (held.source_id, held.code, held.is_note) == (2, "phone_taken", False)
    assert "held back" in held.reason
    assert outcome.totals.skipped == {"phone_taken": 1}
    assert outcome.totals.changes == ChangeCounts(new=1, invalid=1)
    (only,) = emulator.state_dump()["accounts"][0]["contacts"]
    assert only["fields"]["Name"] == "Ann"


def test_the_dry_run_counts_shared_phones_as_the_run_does(client: Selzy) -> None:
    job = job_for(client.get_lists()[0].id)
    records: dict[int, SourceRecord | None] = {
        i: rec(i, f"p{i}@example.com", f"P{i}", f"+49301234{i % 3:02d}") for i in range(9)
    }
    ledger = Ledger()
    report = dry_run(job, iter(ledger.contacts(records)), store=ledger)
    outcome = ledger.sync(client, job, records)
    assert report.totals.notes == outcome.totals.notes == {"phone_shared": 6}
    assert [r.source_id for r in report.examples["phone_shared"]] == [3, 4, 5]
