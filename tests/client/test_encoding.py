"""One rule turns a value into wire text, for importContacts cells and form parameters alike."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import parse_qsl

import pytest

from selzy.client._encoding import encode_form, wire_text
from selzy.client._rows import build_row

BERLIN_SUMMER = dt.timezone(dt.timedelta(hours=2))

SAMPLES = [
    ("Ça va & co", "Ça va & co"),
    (True, "1"),
    (False, "0"),
    (42, "42"),
    (2.5, "2.5"),
    (Decimal("9.90"), "9.90"),
    (dt.date(1990, 5, 17), "1990-05-17"),
    (dt.datetime(2026, 7, 1, 9, 30, 5), "2026-07-01 09:30:05"),
    (dt.datetime(2026, 7, 1, 9, 30, 5, tzinfo=BERLIN_SUMMER), "2026-07-01 07:30:05"),
    (frozenset({"vip"}), "vip"),
]


@pytest.mark.parametrize(("value", "text"), SAMPLES, ids=lambda v: type(v).__name__)
def test_a_cell_and_a_parameter_get_the_same_text(value: object, text: str) -> None:
    assert wire_text(value) == text
    assert build_row(("email", "x"), ["a@example.com", value], 0)[1] == text
    assert parse_qsl(encode_form({"x": value}).decode()) == [("x", text)]


def test_what_only_a_cell_or_only_a_parameter_meets() -> None:
    # A row cell: nothing is an empty column, a list of tags or ids is one comma list.
    assert build_row(("email", "tags", "ids"), ["a@example.com", None, ["a", 2]], 0) == (
        "a@example.com",
        "",
        "a,2",
    )
    # A parameter: None is left out, lists are bracketed, bytes (attachments) go out raw.
    body = encode_form({"gone": None, "ids": [1, 2], "attachments": {"a.bin": b"\x00\xff"}})
    assert body == b"ids%5B0%5D=1&ids%5B1%5D=2&attachments%5Ba.bin%5D=%00%FF"
