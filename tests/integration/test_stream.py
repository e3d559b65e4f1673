"""import_records end to end: a stream through the real client and a fake importContacts."""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from selzy import AsyncSelzy, Selzy
from selzy.integration import (
    ChangeCounts,
    Checkpoint,
    FieldMapping,
    ImportInterruptedError,
    ImportJob,
    InMemoryCheckpointStore,
    MappingError,
    Rejection,
    RunTotals,
    SelzyField,
    SourceRecord,
    import_records,
    import_records_async,
)

from ._fake import FakeSelzy

FIELDS = [
    {"id": 1, "name": "Name", "type": "string"},
    {"id": 2, "name": "Birthday", "type": "date"},
]
SELZY_FIELDS = [SelzyField("Name", "string"), SelzyField("Birthday", "date")]
MAPPING = FieldMapping({"mail": "email", "first_name": "Name", "born": "Birthday"})
N = 1203


def job_for(
    client: Selzy, mapping: FieldMapping = MAPPING, *, list_id: int = 7, **options: Any
) -> ImportJob:
    """What a host does before a run: read the account's fields (getFields), build the job."""
    fields = [SelzyField.from_api(f) for f in client.get_fields()]
    return ImportJob.build(mapping, fields, list_id=list_id, **options)


async def job_for_async(client: AsyncSelzy, mapping: FieldMapping = MAPPING) -> ImportJob:
    fields = [SelzyField.from_api(f) for f in await client.get_fields()]
    return ImportJob.build(mapping, fields, list_id=7)


def lead(i: int) -> SourceRecord:
    """Lead i: every 50th has a malformed email, every 97th is a role address (Selzy refuses
    it), every 201st has an impossible birthday (imported without it, with a note), every 300th
    no email at all."""
    email: str | None = f"Lead{i}@Example.com"
    if i % 50 == 7:
        email = f"lead{i}-at-example.com"
    elif i % 97 == 5:
        email = f"info@shop{i}.example.com"
    elif i % 300 == 299:
        email = None
    born = "31.02.1990" if i % 201 == 100 else "15.06.1990"
    return SourceRecord(f"lead-{i}", {"mail": email, "first_name": f"Lead\n{i}", "born": born})


def leads(n: int = N) -> Iterator[SourceRecord]:
    return (lead(i) for i in range(n))


def expected_rejections(n: int = N) -> list[tuple[str, str, str]]:
    out = []
    for i in range(n):
        if i % 50 == 7:
            out.append((f"lead-{i}", "invalid_email", "local"))
        elif i % 97 == 5:
            out.append((f"lead-{i}", "role_address", "selzy"))
        elif i % 300 == 299:
            out.append((f"lead-{i}", "no_contact", "local"))
        elif i % 201 == 100:
            out.append((f"lead-{i}", "value_dropped", "local"))
    return out


def refused_locally(n: int = N) -> list[tuple[str, str, str]]:
    """The rejections of records never sent (the notes' contacts are sent)."""
    return [r for r in expected_rejections(n) if r[2] == "local" and r[1] != "value_dropped"]


def summary(rejections: Sequence[Rejection]) -> list[tuple[str, str, str]]:
    ordered = sorted(rejections, key=lambda r: r.position)
    return [(str(r.source_id), r.code, r.stage) for r in ordered]


def call_ends(n: int = N, batch: int = 500) -> list[int]:
    """Where each call's records end: a call takes ``batch`` sendable records and the local
    rejects up to the next sendable one."""
    local = {int(sid[5:]) for sid, _, _ in refused_locally(n)}
    sendable = [i for i in range(n) if i not in local]
    return [sendable[k] for k in range(batch, len(sendable), batch)] + [n]


def clean_totals(n: int = N, batch: int = 500) -> RunTotals:
    expected = expected_rejections(n)
    local = Counter(code for _, code, _ in refused_locally(n))
    notes = Counter(code for _, code, _ in expected if code == "value_dropped")
    remote = len(expected) - local.total() - notes.total()
    sent = n - local.total()
    return RunTotals(
        total=n,
        sent=sent,
        inserted=sent - remote,
        new_emails=sent - remote,
        invalid=remote,
        skipped_locally=local.total(),
        batches=-(-sent // batch),
        rejected=remote,
        changes=ChangeCounts(new=sent, invalid=local.total()),
        skipped=dict(sorted(local.items())),
        notes=dict(notes),
    )


class RecordingStore(InMemoryCheckpointStore):
    """Keeps every checkpoint saved with its rejections, to check their order."""

    def __init__(self, checkpoint: Checkpoint | None = None) -> None:
        super().__init__(checkpoint)
        self.saved: list[tuple[Checkpoint, list[Rejection]]] = []

    def save(self, checkpoint: Checkpoint, rejections: Sequence[Rejection]) -> None:
        super().save(checkpoint, rejections)
        self.saved.append((checkpoint, list(rejections)))

    @property
    def history(self) -> list[tuple[int, int, bool]]:
        return [(c.position, len(r), c.finished) for c, r in self.saved]

    def assert_contiguous(self, start: int = 0) -> None:
        """Each checkpoint covers a growing prefix and comes with exactly the rejections of the
        records it newly covers, in source order."""
        done = start
        for checkpoint, rejections in self.saved:
            assert checkpoint.position >= done
            positions = [r.position for r in rejections]
            assert positions == sorted(positions)
            assert all(done <= p < checkpoint.position for p in positions), (done, checkpoint)
            done = checkpoint.position


def test_the_fixture_has_every_kind_of_reject_in_every_call() -> None:
    ends = call_ends()
    assert len(ends) == 3
    assert ends[0] > 500
    for start, end in itertools.pairwise([0, *ends]):
        inside = [code for sid, code, _ in expected_rejections() if start <= int(sid[5:]) < end]
        assert {"invalid_email", "role_address"} <= set(inside)


def test_end_to_end_rejections_carry_source_ids_across_batches() -> None:
    server = FakeSelzy(fields=list(FIELDS))
    store = RecordingStore()
    client = server.client()
    outcome = import_records(client, job_for(client), leads(), store=store)

    assert outcome.totals == clean_totals()
    assert outcome.finished
    assert outcome.resumed_from == 0
    assert summary(outcome.rejections) == expected_rejections()
    # Selzy's log indexes (per call) came back as source ids in the 2nd and 3rd calls too.
    remote = [r for r in outcome.rejections if r.stage == "selzy"]
    assert max(r.position for r in remote) > 1000
    first = next(r for r in remote if r.source_id == "lead-1072")
    assert (first.email, first.code, first.reason, first.position) == (
        "info@shop1072.example.com",
        "role_address",
        "Role address",
        1072,
    )
    bad = next(r for r in outcome.rejections if r.code == "invalid_email")
    assert (bad.source_id, bad.email, bad.position) == ("lead-7", "lead7-at-example.com", 7)
    assert bad.reason == "invalid email: 'lead7-at-example.com' has no @"
    dated = next(r for r in outcome.rejections if r.code == "value_dropped")
    assert dated.reason == (
        "born -> Birthday: '31.02.1990' is not a real date "
        "(sent empty; the rest of the row was imported)"
    )
    assert dated.email == "Lead100@example.com"
    assert {"email": "Lead100@example.com", "Name": "Lead 100", "Birthday": ""} in [
        {k: row[k] for k in ("email", "Name", "Birthday")} for row in server.received
    ]

    assert server.calls == ["getFields"] + ["importContacts"] * 3
    assert set(server.field_names_seen) == {("email", "Name", "Birthday", "email_list_ids")}
    assert server.options_seen == [{}, {}, {}]  # no overwrite_* unless asked
    row = server.received[0]
    assert row == {
        "email": "Lead0@example.com",
        "Name": "Lead 0",
        "Birthday": "1990-06-15",
        "email_list_ids": "7",
    }
    # Checkpoints: one per call and a final one; each rejection stored exactly once.
    ends = call_ends()
    assert [position for position, *_ in store.history] == [*ends, N]
    assert [finished for *_, finished in store.history] == [False, False, False, True]
    store.assert_contiguous()
    assert summary(store.rejections) == expected_rejections()
    assert store.checkpoint == Checkpoint(N, clean_totals(), finished=True)
    # Each checkpoint's totals add up to the records it covers.
    assert [c.totals.total for c, _ in store.saved] == [*ends, N]


def test_statuses_are_never_sent_so_unsubscribed_contacts_stay_unsubscribed() -> None:
    server = FakeSelzy()
    client = server.client()
    import_records(client, job_for(client, FieldMapping({"mail": "email"}), list_id=1), leads(10))
    assert server.field_names_seen
    for names in server.field_names_seen:
        assert not {"email_status", "phone_status", "delete"} & set(names)


def test_phone_only_import_subscribes_phones() -> None:
    server = FakeSelzy()
    records = [
        SourceRecord(1, {"tel": "+7 926 123-23-23"}),
        SourceRecord(2, {"tel": "8 926 123"}),
        SourceRecord(3, {"tel": None}),
    ]
    client = server.client()
    job = job_for(client, FieldMapping({"tel": "phone"}), list_id=5)
    outcome = import_records(client, job, records)
    assert server.field_names_seen == [("phone", "phone_list_ids")]
    assert server.received == [{"phone": "+79261232323", "phone_list_ids": "5"}]
    assert [(r.source_id, r.code) for r in outcome.rejections] == [
        (2, "invalid_phone"),
        (3, "no_contact"),
    ]
    assert outcome.rejections[1].reason == "no phone"
    assert outcome.totals.skipped == {"invalid_phone": 1, "no_contact": 1}


def test_email_and_phone_and_tags() -> None:
    server = FakeSelzy()
    mapping = FieldMapping({"mail": "email", "tel": "phone", "groups": "tags"})
    records = [
        SourceRecord(1, {"mail": "a@example.com", "tel": "+4915112345678", "groups": ["vip"]}),
        SourceRecord(2, {"mail": "", "tel": "+4915112345679", "groups": "b, c"}),
        SourceRecord(3, {"mail": "c@example.com", "tel": "0151", "groups": None}),
    ]
    job = ImportJob.build(mapping, [], list_id=9, overwrite_tags=True, invalid_values="reject")
    outcome = import_records(server.client(), job, records)
    assert server.calls == ["importContacts"]  # the engine reads nothing by itself
    assert server.field_names_seen == [("email", "phone", "tags", "email_list_ids")]
    assert server.received == [
        {"email": "a@example.com", "phone": "+4915112345678", "tags": "vip", "email_list_ids": "9"},
        # Without an email the row joins no list by email; phones are not subscribed by default.
        {"email": "", "phone": "+4915112345679", "tags": "b,c", "email_list_ids": ""},
    ]
    assert server.options_seen == [{"overwrite_tags": "1"}]
    assert [r.code for r in outcome.rejections] == ["invalid_phone"]
    assert outcome.rejections[0].email == "c@example.com"
    assert outcome.rejections[0].phone == "0151"

    server = FakeSelzy()
    job = ImportJob.build(mapping, [], list_id=9, subscribe_phones=True)
    import_records(server.client(), job, records[:1])
    assert server.field_names_seen == [
        ("email", "phone", "tags", "email_list_ids", "phone_list_ids")
    ]


def test_bad_values_are_dropped_with_a_note_but_never_a_bad_email() -> None:
    server = FakeSelzy(fields=list(FIELDS))
    mapping = FieldMapping({"mail": "email", "tel": "phone", "born": "Birthday"})
    records = [
        SourceRecord(1, {"mail": "a@example.com", "tel": "12", "born": "someday"}),
        SourceRecord(2, {"mail": "broken", "tel": "+4915112345678", "born": "01.01.2000"}),
        SourceRecord(3, {"mail": "", "tel": "12", "born": "01.01.2000"}),
    ]
    client = server.client()
    outcome = import_records(client, job_for(client, mapping), records)
    assert server.received == [
        {"email": "a@example.com", "phone": "", "Birthday": "", "email_list_ids": "7"}
    ]
    assert [(r.source_id, r.code) for r in outcome.rejections] == [
        (1, "value_dropped"),
        (2, "invalid_email"),
        (3, "invalid_phone"),  # the only address: the row cannot go without it
    ]
    assert outcome.totals.notes == {"value_dropped": 1}
    assert outcome.totals.skipped == {"invalid_email": 1, "invalid_phone": 1}
    assert (outcome.totals.total, outcome.totals.sent, outcome.totals.skipped_locally) == (3, 1, 2)


def test_a_bad_mapping_sends_nothing() -> None:
    server = FakeSelzy(fields=list(FIELDS))
    with pytest.raises(MappingError) as caught:
        job_for(server.client(), FieldMapping({"first_name": "Nope"}), list_id=1)
    assert [p.code for p in caught.value.problems] == ["missing_contact", "unknown_target"]
    assert server.calls == ["getFields"]


def test_bad_settings_are_refused() -> None:
    server = FakeSelzy()
    job = ImportJob.build(MAPPING, SELZY_FIELDS, list_id=1)
    with pytest.raises(ValueError, match="batch_size must be from 1 to 500, got 501"):
        import_records(server.client(), job, [], batch_size=501)
    with pytest.raises(ValueError, match="batch_size must be from 1 to 500, got 0"):
        import_records(server.client(), job, [], batch_size=0)
    with pytest.raises(ValueError, match="concurrency must be at least 1"):
        import_records(server.client(), job, [], concurrency=0)
    assert server.calls == []


def test_one_row_a_call_is_allowed() -> None:
    server = FakeSelzy(fields=list(FIELDS))
    job = ImportJob.build(MAPPING, SELZY_FIELDS, list_id=1)
    outcome = import_records(server.client(), job, leads(3), batch_size=1)
    assert outcome.totals.batches == 3
    assert outcome.totals.sent == 3


def test_resume_after_an_abort_on_the_second_batch_sends_nothing_twice() -> None:
    server = FakeSelzy(fields=list(FIELDS), fail_from_import=1)
    store = RecordingStore()
    client = server.client(max_retries=2)
    job = job_for(client)
    with pytest.raises(ImportInterruptedError) as caught:
        import_records(client, job, leads(), store=store)
    error = caught.value
    # The first call (500 rows) is done, with the records rejected among them.
    first_batch_end = call_ends()[0]
    assert store.history[0] == (first_batch_end, store.history[0][1], False)
    assert store.checkpoint is not None
    assert error.resume_position == first_batch_end == store.checkpoint.position
    assert not store.checkpoint.finished
    assert error.outcome.totals.sent == 500
    assert error.outcome.totals.total == first_batch_end
    assert error.outcome.totals == store.checkpoint.totals
    assert error.outcome.finished is False
    assert summary(error.outcome.rejections) == expected_rejections(first_batch_end)
    assert "retry_later" in str(error.cause) or "busy" in str(error.cause)
    assert f"after {first_batch_end} source records" in str(error)
    assert "run the import again with the same checkpoint store" in str(error)
    assert server.imports == 1
    assert server.calls.count("importContacts") == 4  # the failing call and its 2 retries
    store.assert_contiguous()

    server.fail_from_import = None
    starts: list[int] = []

    def source(start: int) -> Iterator[SourceRecord]:
        starts.append(start)
        return (lead(i) for i in range(start, N))

    outcome = import_records(server.client(), job, source, store=store)
    assert starts == [first_batch_end]
    assert outcome.resumed_from == first_batch_end
    assert outcome.totals == clean_totals()
    sent = [row["email"] for row in server.received]
    assert len(sent) == len(set(sent)) == clean_totals().sent - clean_totals().invalid
    assert server.rows_received == clean_totals().sent  # role addresses included, once each
    # Every rejection is in the store exactly once, over both runs.
    assert summary(store.rejections) == expected_rejections()
    store.assert_contiguous()
    assert store.checkpoint == Checkpoint(N, clean_totals(), finished=True)

    # A finished run is not run again.
    server.calls.clear()
    again = import_records(server.client(), job, leads(), store=store)
    assert server.calls == []
    assert again.totals == clean_totals()
    assert again.finished


def test_resume_by_skipping_an_iterable() -> None:
    server = FakeSelzy(fields=list(FIELDS), fail_from_import=2)
    store = InMemoryCheckpointStore()
    client = server.client(max_retries=0)
    job = job_for(client)
    with pytest.raises(ImportInterruptedError) as caught:
        import_records(client, job, leads(), store=store)
    assert caught.value.resume_position == call_ends()[1]
    server.fail_from_import = None
    outcome = import_records(server.client(), job, leads(), store=store)
    assert outcome.resumed_from == call_ends()[1]
    assert outcome.totals == clean_totals()
    assert len(server.received) == len({row["email"] for row in server.received})
    assert summary(store.rejections) == expected_rejections()


def test_interrupted_without_a_store_says_so() -> None:
    server = FakeSelzy(fail_from_import=0)
    client = server.client(max_retries=0)
    job = job_for(client, FieldMapping({"mail": "email"}), list_id=1)
    with pytest.raises(ImportInterruptedError, match="No checkpoint store was given") as caught:
        import_records(client, job, leads(5))
    assert caught.value.resume_position == 0


def test_an_error_of_the_source_still_sends_what_was_read_and_checkpoints_it() -> None:
    server = FakeSelzy(fields=list(FIELDS))
    store = RecordingStore()
    broken_at = call_ends()[0] + 10

    def broken() -> Iterator[SourceRecord]:
        for i in range(N):
            if i == broken_at:
                raise RuntimeError("the database went away")
            yield lead(i)

    client = server.client()
    with pytest.raises(ImportInterruptedError, match="database went away") as caught:
        import_records(client, job_for(client), broken(), store=store)
    assert isinstance(caught.value.cause, RuntimeError)
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert caught.value.resume_position == broken_at
    assert not caught.value.outcome.finished
    # The 10 records read after the first call's went in a call of their own.
    assert [position for position, *_ in store.history] == [call_ends()[0], broken_at, broken_at]
    assert store.checkpoint == Checkpoint(broken_at, clean_totals(broken_at, 500))
    assert summary(store.rejections) == expected_rejections(broken_at)
    assert len({row["email"] for row in server.received}) == len(server.received)

    resumed = import_records(client, job_for(client), leads(), store=store)
    assert resumed.resumed_from == broken_at
    assert summary(store.rejections) == expected_rejections()
    assert store.checkpoint is not None
    assert store.checkpoint.totals.total == N


def test_progress_reports_done_total_and_rate() -> None:
    server = FakeSelzy(fields=list(FIELDS))
    client = server.client()
    job = job_for(client)
    ticks = itertools.count()
    seen: list[tuple[int, int | None, float]] = []
    records = list(leads())
    import_records(
        client,
        job,
        records,
        on_progress=lambda done, total, rate: seen.append((done, total, rate)),
        clock=lambda: float(next(ticks)),
    )
    assert [done for done, *_ in seen] == call_ends()  # once per checkpoint, in order
    assert [total for _, total, _ in seen] == [N] * len(seen)
    assert seen[0][2] == seen[0][0] / 1.0  # one tick since the start
    assert [rate for *_, rate in seen] == [done / (k + 1) for k, (done, *_) in enumerate(seen)]
    seen.clear()
    import_records(
        client,
        job,
        leads(),
        on_progress=lambda done, total, rate: seen.append((done, total, rate)),
    )
    assert seen
    assert {total for _, total, _ in seen} == {None}  # a generator has no length
    seen.clear()
    import_records(client, job, leads(), total=N, on_progress=lambda *a: seen.append(a))
    assert {total for _, total, _ in seen} == {N}


def test_rejections_can_be_left_to_the_store() -> None:
    server = FakeSelzy(fields=list(FIELDS))
    store = InMemoryCheckpointStore()
    client = server.client()
    outcome = import_records(client, job_for(client), leads(), store=store, keep_rejections=False)
    assert outcome.rejections == ()
    assert outcome.totals == clean_totals()
    assert summary(store.rejections) == expected_rejections()


def test_a_long_run_of_rejects_is_checkpointed_without_waiting_for_a_good_row() -> None:
    server = FakeSelzy()
    store = RecordingStore()
    records = [
        SourceRecord(i, {"mail": "bad" if i < 2500 else f"u{i}@example.com"}) for i in range(2510)
    ]
    job = ImportJob.build(FieldMapping({"mail": "email"}), [], list_id=1)
    outcome = import_records(server.client(), job, records, store=store, batch_size=100)
    # A call holds at most ten calls' worth of changes: rejects that send nothing are
    # checkpointed by the thousand, not held until a row to send turns up.
    assert store.history == [
        (1000, 1000, False),
        (2000, 1000, False),
        (2510, 500, False),
        (2510, 0, True),
    ]
    store.assert_contiguous()
    assert server.imports == 1
    assert outcome.totals.skipped_locally == 2500
    assert outcome.totals.skipped == {"invalid_email": 2500}
    assert outcome.totals.sent == 10
    assert outcome.totals.batches == 1


def test_log_entries_beyond_the_batch_keep_their_message() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        log = [{"index": 99, "code": "weird", "message": "row out of range"}]
        result = {"total": 1, "inserted": 1, "log": log}
        return httpx.Response(200, json={"result": result})

    job = ImportJob.build(FieldMapping({"mail": "email"}), [], list_id=1)
    outcome = import_records(FakeSelzy().client(handler=handler), job, leads(1))
    assert outcome.rejections == (Rejection(None, -1, "weird", "row out of range", "selzy"),)
    assert outcome.totals.rejected == 1


def first_email(request: httpx.Request) -> str:
    return dict(parse_qsl(request.content.decode()))["data[0][0]"]


class SlowFirstBatch:
    """An async server whose first importContacts call answers after the next two are settled.

    Calls 0, 1 and 2 are in flight together (1 waits for 2 to arrive); 1 and 2 answer; call 3,
    sent once one of them is settled, waits for 0 to answer; so call 4 is only sent once both 1
    and 2 are settled, and call 0 waits for call 4 to arrive.
    """

    def __init__(self) -> None:
        self.fake = FakeSelzy(fields=list(FIELDS))
        self.order: list[int] = []
        self.calls = 0
        self.in_flight = 0
        self.most_in_flight = 0
        self.arrived = {2: asyncio.Event(), 4: asyncio.Event()}
        self.zero_answered = asyncio.Event()

    async def handler(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/importContacts"):
            return self.fake.handler(request)
        number = self.calls
        self.calls += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        if number in self.arrived:
            self.arrived[number].set()
        waits = {0: [self.arrived[2], self.arrived[4]], 1: [self.arrived[2]]}
        for event in waits.get(number, [self.zero_answered] if number == 3 else []):
            await asyncio.wait_for(event.wait(), timeout=5)
        self.order.append(number)
        self.in_flight -= 1
        response = self.fake.handler(request)
        if number == 0:
            self.zero_answered.set()
        return response


class ProgressOfZero(RecordingStore):
    """Notes, at each save, whether the first call had been answered."""

    def __init__(self, order: list[int]) -> None:
        super().__init__()
        self.order = order
        self.first_answered: list[bool] = []

    def save(self, checkpoint: Checkpoint, rejections: Sequence[Rejection]) -> None:
        self.first_answered.append(0 in self.order)
        super().save(checkpoint, rejections)


def assert_checkpoints_out_of_order(store: ProgressOfZero, batch: int) -> None:
    """Calls finished out of order: nothing was saved until call 0 was in, then checkpoints
    only ever ended where a call ends (a contiguous prefix), each saved once, up to the end."""
    assert all(store.first_answered)
    store.assert_contiguous()
    ends = call_ends(batch=batch)
    positions = [p for p, _, _ in store.history]
    assert positions[-1] == positions[-2] == N
    assert len(set(positions[:-1])) == len(positions) - 1
    assert set(positions) <= set(ends)
    assert positions[0] >= ends[2]  # calls 1 and 2 were done before call 0: one checkpoint
    assert [f for *_, f in store.history] == [False] * (len(positions) - 1) + [True]
    assert summary(store.rejections) == expected_rejections()


@pytest.mark.asyncio
async def test_async_batches_out_of_order_checkpoint_only_a_contiguous_prefix() -> None:
    server = SlowFirstBatch()
    store = ProgressOfZero(server.order)
    async with server.fake.async_client(handler=server.handler) as client:
        job = await job_for_async(client)
        outcome = await import_records_async(
            client, job, leads(), store=store, concurrency=3, batch_size=100
        )
    assert server.calls == len(call_ends(batch=100)) == 12
    assert server.order.index(0) > max(server.order.index(1), server.order.index(2))
    assert server.most_in_flight == 3  # three calls at once, never more
    assert outcome.totals == clean_totals(batch=100)
    assert summary(outcome.rejections) == expected_rejections()
    assert_checkpoints_out_of_order(store, 100)


@pytest.mark.asyncio
async def test_async_resume() -> None:
    server = FakeSelzy(fields=list(FIELDS), fail_from_import=1)
    store = RecordingStore()
    async with server.async_client(max_retries=0) as client:
        job = await job_for_async(client)
        with pytest.raises(ImportInterruptedError) as caught:
            await import_records_async(client, job, leads(), store=store)
    assert caught.value.resume_position == call_ends()[0]
    server.fail_from_import = None
    async with server.async_client() as client:
        outcome = await import_records_async(client, job, leads(), store=store)
    assert outcome.resumed_from == call_ends()[0]
    assert outcome.totals == clean_totals()
    assert summary(store.rejections) == expected_rejections()
    assert len(server.received) == len({row["email"] for row in server.received})
    store.assert_contiguous()


@pytest.mark.asyncio
async def test_a_failed_call_stops_the_checkpoint_before_it_though_later_calls_succeeded() -> None:
    second = f"Lead{call_ends()[0]}@example.com"
    fake = FakeSelzy(fields=list(FIELDS))
    answered: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/importContacts"):
            email = first_email(request)
            if email == second:
                await asyncio.sleep(0.01)  # the calls after it have answered by now
                return httpx.Response(200, json={"error": "busy", "code": "retry_later"})
            answered.append(email)
        return fake.handler(request)

    store = RecordingStore()
    async with fake.async_client(handler=handler, max_retries=0) as client:
        job = await job_for_async(client)
        with pytest.raises(ImportInterruptedError) as caught:
            await import_records_async(client, job, leads(), store=store, concurrency=3)
    assert answered == ["Lead0@example.com", f"Lead{call_ends()[1]}@example.com"]
    assert caught.value.resume_position == call_ends()[0]
    assert store.checkpoint == Checkpoint(call_ends()[0], store.checkpoint.totals)
    assert store.checkpoint.totals.total == call_ends()[0]
    assert store.checkpoint.totals.batches == 1  # the third call's answer is not counted
    assert summary(store.rejections) == expected_rejections(call_ends()[0])
    store.assert_contiguous()

    async with fake.async_client() as client:
        outcome = await import_records_async(client, job, leads(), store=store, concurrency=3)
    assert outcome.totals.total == N
    assert outcome.totals.sent == clean_totals().sent
    assert outcome.totals.batches == 3
    assert summary(store.rejections) == expected_rejections()  # still each exactly once
    store.assert_contiguous()


class SlowFirstThread:
    """The same out-of-order server for the sync client's threads."""

    def __init__(self) -> None:
        self.fake = FakeSelzy(fields=list(FIELDS))
        self.lock = threading.Lock()
        self.order: list[int] = []
        self.calls = 0
        self.in_flight = 0
        self.most_in_flight = 0
        self.arrived = {2: threading.Event(), 4: threading.Event()}
        self.zero_answered = threading.Event()

    def handler(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/importContacts"):
            return self.fake.handler(request)
        with self.lock:
            number = self.calls
            self.calls += 1
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        if number in self.arrived:
            self.arrived[number].set()
        waits = {0: [self.arrived[2], self.arrived[4]], 1: [self.arrived[2]]}
        for event in waits.get(number, [self.zero_answered] if number == 3 else []):
            assert event.wait(timeout=5)
        with self.lock:
            self.order.append(number)
            self.in_flight -= 1
            response = self.fake.handler(request)
        if number == 0:
            self.zero_answered.set()
        return response


def test_sync_concurrency_with_threads() -> None:
    server = SlowFirstThread()
    store = ProgressOfZero(server.order)
    client = server.fake.client(handler=server.handler)
    outcome = import_records(
        client, job_for(client), leads(), store=store, concurrency=3, batch_size=100
    )
    assert server.calls == 12
    assert server.order.index(0) > max(server.order.index(1), server.order.index(2))
    assert server.most_in_flight == 3
    assert outcome.totals == clean_totals(batch=100)
    assert summary(outcome.rejections) == expected_rejections()
    assert_checkpoints_out_of_order(store, 100)
