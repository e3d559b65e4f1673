"""import_contacts_in_batches: 500-row calls, positions mapped back, lazy input, partial failure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import selzy

from ._adapters import Driver
from .conftest import Exchange as Seen
from .conftest import FakeClock, Server, err

pytestmark = pytest.mark.parametrize("flavour", ["sync", "async"])


def import_answer(invalid_every: int = 0) -> Any:
    """An importContacts answer computed from the request: every Nth row of a batch invalid."""

    def answer(exchange: Seen) -> httpx.Response:
        rows = sorted(
            {int(k.split("[")[1].rstrip("]")) for k, _ in exchange.form if k.startswith("data[")}
        )
        log = [
            {"index": i, "code": "invalid_email", "message": "Invalid email"}
            for i in rows
            if invalid_every and i % invalid_every == 1
        ]
        return httpx.Response(
            200,
            json={
                "result": {
                    "total": len(rows),
                    "inserted": len(rows) - len(log),
                    "updated": 0,
                    "deleted": 0,
                    "new_emails": len(rows) - len(log),
                    "invalid": len(log),
                    "log": log,
                }
            },
        )

    return answer


def contacts(n: int) -> Iterator[dict[str, str]]:
    for i in range(n):
        yield {"email": f"user{i}@example.com", "Name": f"User {i}"}


def test_503_rows_go_as_500_plus_3_with_log_positions_mapped_back(
    flavour: str, server: Server, clock: FakeClock
) -> None:
    api = Driver(flavour, server, clock)
    server.replies = [import_answer(invalid_every=250)]
    report = api.import_contacts_in_batches(["email", "Name"], contacts(503))
    sizes = [
        len({k.split("]")[0] for k, _ in e.form if k.startswith("data[")}) for e in server.seen
    ]
    assert sizes == [500, 3]
    assert report.total == 503
    assert report.batches == 2
    assert report.invalid == 3  # rows 1 and 251 of batch 0, row 1 of batch 1
    assert report.inserted + report.invalid == 503
    assert [entry.index for entry in report.log] == [1, 251, 501]
    assert [entry.batch for entry in report.log] == [0, 0, 1]
    assert report.log[2].email == "user501@example.com"
    assert report.log[2].code == "invalid_email"


def test_input_is_read_lazily(flavour: str, server: Server, clock: FakeClock) -> None:
    consumed = 0

    def rows() -> Iterator[list[str]]:
        nonlocal consumed
        for i in range(5000):
            consumed += 1
            yield [f"user{i}@example.com"]

    seen_consumed: list[int] = []
    answer = import_answer()

    def spy(exchange: Seen) -> httpx.Response:
        seen_consumed.append(consumed)
        return answer(exchange)

    server.replies = [spy]
    api = Driver(flavour, server, clock)
    report = api.import_contacts_in_batches(["email"], rows(), concurrency=2)
    assert report.total == 5000
    assert len(server.seen) == 10
    # When the first call went out, at most two batches had been read from the generator.
    assert seen_consumed[0] <= 1000


def test_concurrent_batches_add_up(flavour: str, server: Server, clock: FakeClock) -> None:
    server.replies = [import_answer(invalid_every=100)]
    api = Driver(flavour, server, clock)
    progress: list[int] = []
    report = api.import_contacts_in_batches(
        ["email", "Name"],
        contacts(2222),
        concurrency=4,
        batch_size=300,
        on_batch=lambda start, result: progress.append(start),
    )
    assert report.total == 2222
    assert report.batches == 8
    assert sorted(progress) == [0, 300, 600, 900, 1200, 1500, 1800, 2100]
    assert [e.index for e in report.log] == sorted(e.index for e in report.log)
    assert all(e.email == f"user{e.index}@example.com" for e in report.log)


def test_a_failed_batch_stops_with_a_partial_report(
    flavour: str, server: Server, clock: FakeClock
) -> None:
    answer = import_answer()
    calls = 0

    def second_fails(exchange: Seen) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 2:
            return err("invalid_arg", "data: bad row")
        return answer(exchange)

    server.replies = [second_fails]
    api = Driver(flavour, server, clock)
    with pytest.raises(selzy.ImportAbortedError) as info:
        api.import_contacts_in_batches(["email", "Name"], contacts(1600))
    assert info.value.next_index == 500
    assert info.value.report.total == 500
    assert isinstance(info.value.cause, selzy.InvalidArgumentError)
    assert len(server.seen) == 2  # nothing after the failure was sent

    # Resuming from next_index imports the rest, positions still in the caller's numbering.
    server.replies = [import_answer(invalid_every=500)]
    rest = list(contacts(1600))[info.value.next_index :]
    report = api.import_contacts_in_batches(["email", "Name"], rest, start_index=500)
    assert report.total == 1100
    assert [e.index for e in report.log] == [501, 1001, 1501]


def test_a_bad_row_stops_before_it_is_sent(flavour: str, server: Server, clock: FakeClock) -> None:
    server.replies = [import_answer()]
    api = Driver(flavour, server, clock)
    rows: list[Any] = [["a@example.com", "A"]] * 600 + [["x@example.com", "X", "extra column"]]
    with pytest.raises(selzy.ImportAbortedError) as info:
        api.import_contacts_in_batches(["email", "Name"], rows)
    assert info.value.next_index == 500
    assert isinstance(info.value.cause, selzy.ClientValidationError)
    assert "Row 600 has 3 values for 2 field_names" in str(info.value.cause)
    assert len(server.seen) == 1


def test_single_call_refuses_501_rows(flavour: str, server: Server, clock: FakeClock) -> None:
    api = Driver(flavour, server, clock)
    with pytest.raises(selzy.BatchTooLargeError, match="at most 500 rows per call, got 501"):
        api.import_contacts(field_names=["email"], data=[["a@example.com"]] * 501)
    with pytest.raises(selzy.ClientValidationError, match="'email' or 'phone'"):
        api.import_contacts(field_names=["Name"], data=[["Ann"]])
    with pytest.raises(selzy.ClientValidationError, match="batch_size"):
        api.import_contacts_in_batches(["email"], [["a@example.com"]], batch_size=501)
    assert server.seen == []


def test_an_early_finisher_after_a_failure_is_left_out_of_the_report(
    flavour: str, server: Server, clock: FakeClock
) -> None:
    """Batch 0 fails after batch 1 succeeded: the report covers nothing past next_index."""
    answer = import_answer()

    def first_fails(exchange: Seen) -> httpx.Response:
        if exchange.fields.get("data[0][0]") == "user0@example.com":
            return err("invalid_arg", "data: bad")
        return answer(exchange)

    server.replies = [first_fails]
    api = Driver(flavour, server, clock)
    seen: list[int] = []
    with pytest.raises(selzy.ImportAbortedError) as info:
        api.import_contacts_in_batches(
            ["email", "Name"],
            contacts(1000),
            concurrency=2,
            on_batch=lambda start, result: seen.append(start),
        )
    assert info.value.next_index == 0
    assert info.value.report.total == 0
    assert seen == []


def test_keep_log_false_keeps_totals_only(flavour: str, server: Server, clock: FakeClock) -> None:
    server.replies = [import_answer(invalid_every=100)]
    api = Driver(flavour, server, clock)
    logged: list[int] = []
    report = api.import_contacts_in_batches(
        ["email", "Name"],
        contacts(1000),
        keep_log=False,
        on_batch=lambda start, result: logged.extend(start + e.index for e in result.log),
    )
    assert report.invalid == 10
    assert report.log == []
    assert logged == [i for i in range(1000) if i % 100 == 1]
