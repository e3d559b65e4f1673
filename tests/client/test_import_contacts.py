"""import_contacts: one call of at most 500 rows, each built positionally from field_names."""

from __future__ import annotations

from typing import Any

import pytest

import selzy

from ._adapters import Driver
from .conftest import FakeClock, Server, ok

pytestmark = pytest.mark.parametrize("flavour", ["sync", "async"])


def test_500_rows_go_in_one_call(flavour: str, server: Server, clock: FakeClock) -> None:
    server.replies = [ok({"total": 500, "inserted": 500})]
    api = Driver(flavour, server, clock)
    rows = ({"email": f"user{i}@example.com"} for i in range(500))  # any iterable will do
    assert api.import_contacts(field_names=["email", "Name"], data=rows).total == 500
    (exchange,) = server.seen
    assert exchange.fields["data[499][0]"] == "user499@example.com"
    assert exchange.fields["data[499][1]"] == ""


def test_501_rows_are_refused_pointing_to_the_integration_engine(
    flavour: str, server: Server, clock: FakeClock
) -> None:
    api = Driver(flavour, server, clock)
    too_many = "at most 500 rows per call, got 501"
    with pytest.raises(selzy.BatchTooLargeError, match=too_many) as info:
        api.import_contacts(field_names=["email"], data=[["a@example.com"]] * 501)
    assert (info.value.rows, info.value.limit) == (501, 500)
    assert "selzy.integration" in str(info.value)
    assert "selzy import" in str(info.value)
    assert server.seen == []


@pytest.mark.parametrize(
    ("field_names", "data", "message"),
    [
        (["Name"], [["Ann"]], "'email' or 'phone'"),
        (["email", "email"], [["a@example.com"]], "repeats a column"),
        (["email", "Name"], [["a@example.com", "Ann", "extra"]], "Row 0 has 3 values for 2"),
        (["email"], ["a@example.com"], "Row 0 is a str"),
        (["email"], [["a@example.com"], 42], "Row 1 is a int"),
    ],
)
def test_bad_columns_and_rows_are_refused_before_sending(
    flavour: str,
    server: Server,
    clock: FakeClock,
    field_names: list[str],
    data: list[Any],
    message: str,
) -> None:
    api = Driver(flavour, server, clock)
    with pytest.raises(selzy.ClientValidationError, match=message):
        api.import_contacts(field_names=field_names, data=data)
    assert server.seen == []
