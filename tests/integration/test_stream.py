"""The import runner end to end through the real client and a fake importContacts."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator, Sequence

import httpx
import pytest

from selzy.integration import (
    Checkpoint,
    FieldMapping,
    ImportInterruptedError,
    ImportTotals,
    InMemoryCheckpointStore,
    MappingError,
    Rejection,
    SelzyField,
    SourceRecord,
    run_import,
    run_import_async,
)

from ._fake import FakeSelzy

FIELDS = [
    {"id": 1, "name": "Name", "type": "string"},
    {"id": 2, "name": "Birthday", "type": "date"},
]
MAPPING = FieldMapping({"mail": "email", "first_name": "Name", "born": "Birthday"})
N = 1203


def lead(i: int) -> SourceRecord:
    """Lead i: every 50th has a malformed email, every 97th is a role address (Selzy refuses
    it), every 201st has an impossible birthday, every 300th no email at all."""
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
            out.append((f"lead-{i}", "invalid_value", "local"))
    return out


def summary(rejections: Sequence[Rejection]) -> list[tuple[str, str, str]]:
    ordered = sorted(rejections, key=lambda r: r.position)
    return [(str(r.source_id), r.code, r.stage) for r in ordered]


def clean_totals(n: int = N) -> ImportTotals:
    expected = expected_rejections(n)
    local = sum(1 for *_, stage in expected if stage == "local")
    remote = len(expected) - local
    sent = n - local
    return ImportTotals(
        total=n,
        sent=sent,
        inserted=sent - remote,
        new_emails=sent - remote,
        invalid=remote,
        skipped_locally=local,
        batches=-(-sent // 500),
    )


class RecordingStore(InMemoryCheckpointStore):
    """Keeps every checkpoint saved, to check their order."""

    def __init__(self, checkpoint: Checkpoint | None = None) -> None:
        super().__init__(checkpoint)
        self.history: list[tuple[int, int, bool]] = []

    def save(self, checkpoint: Checkpoint, rejections: Sequence[Rejection]) -> None:
        super().save(checkpoint, rejections)
        self.history.append((checkpoint.position, len(rejections), checkpoint.finished))


def test_end_to_end_rejections_carry_source_ids_across_batches() -> None:
    server = FakeSelzy(fields=list(FIELDS))
    store = RecordingStore()
    outcome = run_import(server.client(), leads(), MAPPING, list_id=7, checkpoint_store=store)

    assert outcome.totals == clean_totals()
    assert outcome.finished
    assert summary(outcome.rejections) == expected_rejections()
    # Selzy's log indexes (per call) came back as source ids in the 2nd and 3rd batches too.
    remote = [r for r in outcome.rejections if r.stage == "selzy"]
    assert max(r.position for r in remote) > 1000
    first = next(r for r in remote if r.source_id == "lead-1072")
    assert (first.email, first.code, first.reason) == (
        "info@shop1072.example.com",
        "role_address",
        "Role address",
    )
    bad = next(r for r in outcome.rejections if r.code == "invalid_email")
    assert (bad.source_id, bad.email) == ("lead-7", "lead7-at-example.com")
    assert bad.reason == "invalid email: 'lead7-at-example.com' has no @"
    dated = next(r for r in outcome.rejections if r.code == "invalid_value")
    assert dated.reason == "born -> Birthday: '31.02.1990' is not a real date"
    assert dated.email == "Lead100@example.com"

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
    # Checkpoints: one per batch and a final one; each rejection stored exactly once.
    assert [position for position, *_ in store.history] == [
        store.history[0][0],
        store.history[1][0],
        N,
        N,
    ]
    assert store.history[-1][2] is True
    assert summary(store.rejections) == expected_rejections()


def test_statuses_are_never_sent_so_unsubscribed_contacts_stay_unsubscribed() -> None:
    server = FakeSelzy()
    run_import(server.client(), leads(10), FieldMapping({"mail": "email"}), list_id=1)
    for names in server.field_names_seen:
        assert not {"email_status", "phone_status", "delete"} & set(names)


def test_phone_only_import_subscribes_phones() -> None:
    server = FakeSelzy()
    records = [
        SourceRecord(1, {"tel": "+7 926 123-23-23"}),
        SourceRecord(2, {"tel": "8 926 123"}),
        SourceRecord(3, {"tel": None}),
    ]
    outcome = run_import(server.client(), records, FieldMapping({"tel": "phone"}), list_id=5)
    assert server.field_names_seen == [("phone", "phone_list_ids")]
    assert server.received == [{"phone": "+79261232323", "phone_list_ids": "5"}]
    assert [(r.source_id, r.code) for r in outcome.rejections] == [
        (2, "invalid_phone"),
        (3, "no_contact"),
    ]
    assert outcome.rejections[1].reason == "no phone"


def test_email_and_phone_and_tags() -> None:
    server = FakeSelzy()
    mapping = FieldMapping({"mail": "email", "tel": "phone", "groups": "tags"})
    records = [
        SourceRecord(1, {"mail": "a@example.com", "tel": "+4915112345678", "groups": ["vip"]}),
        SourceRecord(2, {"mail": "", "tel": "+4915112345679", "groups": "b, c"}),
        SourceRecord(3, {"mail": "c@example.com", "tel": "0151", "groups": None}),
    ]
    outcome = run_import(
        server.client(), records, mapping, list_id=9, selzy_fields=[], overwrite_tags=True
    )
    assert server.calls == ["importContacts"]  # fields given: no getFields
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
    run_import(
        server.client(), records[:1], mapping, list_id=9, selzy_fields=[], subscribe_phones=True
    )
    assert server.field_names_seen == [
        ("email", "phone", "tags", "email_list_ids", "phone_list_ids")
    ]


def test_invalid_values_can_be_sent_blank_but_never_a_bad_email() -> None:
    server = FakeSelzy(fields=list(FIELDS))
    mapping = FieldMapping({"mail": "email", "tel": "phone", "born": "Birthday"})
    records = [
        SourceRecord(1, {"mail": "a@example.com", "tel": "12", "born": "someday"}),
        SourceRecord(2, {"mail": "broken", "tel": "+4915112345678", "born": "01.01.2000"}),
    ]
    outcome = run_import(server.client(), records, mapping, list_id=1, invalid_values="blank")
    assert server.received == [
        {"email": "a@example.com", "phone": "", "Birthday": "", "email_list_ids": "1"}
    ]
    assert [(r.source_id, r.code) for r in outcome.rejections] == [(2, "invalid_email")]


def test_a_bad_mapping_sends_nothing() -> None:
    server = FakeSelzy(fields=list(FIELDS))
    with pytest.raises(MappingError) as caught:
        run_import(server.client(), leads(), FieldMapping({"first_name": "Nope"}), list_id=1)
    assert [p.code for p in caught.value.problems] == ["missing_contact", "unknown_target"]
    assert server.calls == ["getFields"]


def test_bad_settings_are_refused() -> None:
    server = FakeSelzy()
    with pytest.raises(ValueError, match="batch_size must be between 1 and 500"):
        run_import(server.client(), [], MAPPING, list_id=1, batch_size=501)
    with pytest.raises(ValueError, match="concurrency must be at least 1"):
        run_import(server.client(), [], MAPPING, list_id=1, concurrency=0)
    assert server.calls == []


def test_resume_after_an_abort_on_the_second_batch_sends_nothing_twice() -> None:
    server = FakeSelzy(fields=list(FIELDS), fail_from_import=1)
    store = RecordingStore()
    with pytest.raises(ImportInterruptedError) as caught:
        run_import(
            server.client(max_retries=2), leads(), MAPPING, list_id=7, checkpoint_store=store
        )
    error = caught.value
    # The first batch (500 rows) is done, with the records rejected among them.
    first_batch_end = store.history[0][0]
    assert store.checkpoint is not None
    assert error.resume_position == first_batch_end == store.checkpoint.position
    assert not store.checkpoint.finished
    assert error.outcome.totals.sent == 500
    assert error.outcome.totals.total == first_batch_end
    assert error.outcome.finished is False
    assert "retry_later" in str(error.cause) or "busy" in str(error.cause)
    assert f"after {first_batch_end} source records" in str(error)
    assert "run the import again with the same checkpoint store" in str(error)
    assert server.imports == 1
    assert server.calls.count("importContacts") == 4  # the failing call and its 2 retries

    server.fail_from_import = None
    starts: list[int] = []

    def source(start: int) -> Iterator[SourceRecord]:
        starts.append(start)
        return (lead(i) for i in range(start, N))

    outcome = run_import(server.client(), source, MAPPING, list_id=7, checkpoint_store=store)
    assert starts == [first_batch_end]
    assert outcome.resumed_from == first_batch_end
    assert outcome.totals == clean_totals()
    sent = [row["email"] for row in server.received]
    assert len(sent) == len(set(sent)) == clean_totals().sent - clean_totals().invalid
    # Every rejection is in the store exactly once, over both runs.
    assert summary(store.rejections) == expected_rejections()
    assert store.checkpoint == Checkpoint(N, clean_totals(), finished=True)

    # A finished run is not run again.
    server.calls.clear()
    again = run_import(server.client(), leads(), MAPPING, list_id=7, checkpoint_store=store)
    assert server.calls == []
    assert again.totals == clean_totals()
    assert again.finished


def test_resume_by_skipping_an_iterable() -> None:
    server = FakeSelzy(fields=list(FIELDS), fail_from_import=2)
    store = InMemoryCheckpointStore()
    with pytest.raises(ImportInterruptedError):
        run_import(
            server.client(max_retries=0), leads(), MAPPING, list_id=7, checkpoint_store=store
        )
    server.fail_from_import = None
    outcome = run_import(server.client(), leads(), MAPPING, list_id=7, checkpoint_store=store)
    assert outcome.totals == clean_totals()
    assert len(server.received) == len({row["email"] for row in server.received})


def test_interrupted_without_a_store_says_so() -> None:
    server = FakeSelzy(fail_from_import=0)
    with pytest.raises(ImportInterruptedError, match="No checkpoint store was given"):
        run_import(
            server.client(max_retries=0), leads(5), FieldMapping({"mail": "email"}), list_id=1
        )


def test_progress_reports_done_total_and_rate() -> None:
    server = FakeSelzy(fields=list(FIELDS))
    ticks = itertools.count()
    seen: list[tuple[int, int | None, float]] = []
    records = list(leads())
    run_import(
        server.client(),
        records,
        MAPPING,
        list_id=7,
        on_progress=lambda done, total, rate: seen.append((done, total, rate)),
        clock=lambda: float(next(ticks)),
    )
    assert [total for _, total, _ in seen] == [N] * len(seen)
    assert seen[-1][0] == N
    assert [done for done, *_ in seen] == sorted(done for done, *_ in seen)
    assert seen[0][2] == seen[0][0] / 1.0  # one tick since the start
    seen.clear()
    run_import(
        server.client(),
        leads(),
        MAPPING,
        list_id=7,
        on_progress=lambda done, total, rate: seen.append((done, total, rate)),
    )
    assert {total for _, total, _ in seen} == {None}  # a generator has no length


def test_rejections_can_be_left_to_the_store() -> None:
    server = FakeSelzy(fields=list(FIELDS))
    store = InMemoryCheckpointStore()
    outcome = run_import(
        server.client(), leads(), MAPPING, list_id=7, checkpoint_store=store, keep_rejections=False
    )
    assert outcome.rejections == ()
    assert summary(store.rejections) == expected_rejections()


def test_a_long_run_of_rejects_is_checkpointed_without_waiting_for_a_good_row() -> None:
    server = FakeSelzy()
    store = RecordingStore()
    records = [
        SourceRecord(i, {"mail": "bad" if i < 250 else f"u{i}@example.com"}) for i in range(260)
    ]
    outcome = run_import(
        server.client(), records, FieldMapping({"mail": "email"}), list_id=1,
        checkpoint_store=store, batch_size=100,
    )  # fmt: skip
    assert store.history == [(100, 100, False), (200, 100, False), (260, 50, False), (260, 0, True)]
    assert outcome.totals.skipped_locally == 250
    assert outcome.totals.sent == 10


def test_log_entries_beyond_the_batch_keep_their_message() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        log = [{"index": 99, "code": "weird", "message": "row out of range"}]
        result = {"total": 1, "inserted": 1, "log": log}
        return httpx.Response(200, json={"result": result})

    outcome = run_import(
        FakeSelzy().client(handler=handler),
        leads(1),
        FieldMapping({"mail": "email"}),
        list_id=1,
        selzy_fields=[],
    )
    assert outcome.rejections == (Rejection(None, -1, "weird", "row out of range", "selzy"),)


class SlowFirstBatch:
    """An async server whose first importContacts call answers last."""

    def __init__(self) -> None:
        self.fake = FakeSelzy(fields=list(FIELDS))
        self.order: list[int] = []
        self.calls = 0

    async def handler(self, request: httpx.Request) -> httpx.Response:
        number = self.calls
        self.calls += 1
        await asyncio.sleep(0.05 if number == 0 else 0.0)
        self.order.append(number)
        return self.fake.handler(request)


@pytest.mark.asyncio
async def test_async_batches_out_of_order_checkpoint_only_a_contiguous_prefix() -> None:
    server = SlowFirstBatch()
    store = RecordingStore()
    async with server.fake.async_client(handler=server.handler) as client:
        outcome = await run_import_async(
            client,
            leads(),
            MAPPING,
            list_id=7,
            selzy_fields=[SelzyField("Name", "string"), SelzyField("Birthday", "date")],
            checkpoint_store=store,
            concurrency=3,
        )
    assert server.order[0] != 0  # the first batch really finished after others
    assert outcome.totals == clean_totals()
    assert summary(outcome.rejections) == expected_rejections()
    # The batches finished 1, 2, 0 (or 2, 1, 0): the client hands them over in input order once
    # batch 0 is in, so every checkpoint is a growing contiguous prefix ending at the whole run.
    positions = [p for p, _, _ in store.history]
    assert positions == sorted(positions)
    assert positions[0] >= 500
    assert [(p, f) for p, _, f in store.history][-2:] == [(N, False), (N, True)]
    assert outcome.peak_rows_in_flight <= 500 * 3


@pytest.mark.asyncio
async def test_async_resume() -> None:
    server = FakeSelzy(fields=list(FIELDS), fail_from_import=1)
    store = InMemoryCheckpointStore()
    async with server.async_client(max_retries=0) as client:
        with pytest.raises(ImportInterruptedError):
            await run_import_async(client, leads(), MAPPING, list_id=7, checkpoint_store=store)
    server.fail_from_import = None
    async with server.async_client() as client:
        outcome = await run_import_async(
            client, leads(), MAPPING, list_id=7, checkpoint_store=store
        )
    assert outcome.totals == clean_totals()
    assert summary(store.rejections) == expected_rejections()


def test_sync_concurrency_with_threads() -> None:
    server = FakeSelzy(fields=list(FIELDS))
    store = RecordingStore()
    outcome = run_import(
        server.client(), leads(), MAPPING, list_id=7, checkpoint_store=store, concurrency=3
    )
    assert outcome.totals == clean_totals()
    assert summary(store.rejections) == expected_rejections()
    positions = [p for p, *_ in store.history]
    assert positions == sorted(positions)
    assert outcome.peak_rows_in_flight <= 1500
