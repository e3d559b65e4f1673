"""ImportJob: the mapping compiled into columns and a row converter (no I/O)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from selzy.integration import (
    FieldMapping,
    ImportJob,
    MappingError,
    Rejection,
    SelzyField,
    SourceField,
    SourceRecord,
)

SELZY = [
    SelzyField("Name", "string"),
    SelzyField("Score", "number"),
    SelzyField("Birthday", "date"),
    SelzyField("Vip", "bool"),
    SelzyField("Bio", "text"),
]
MAPPING = FieldMapping(
    {
        "email": "email",
        "name": "Name",
        "score": "Score",
        "born": "Birthday",
        "vip": "Vip",
        "bio": "Bio",
        "groups": "tags",
    }
)


def test_columns_and_a_converted_row() -> None:
    job = ImportJob.build(MAPPING, SELZY, list_id=12)
    assert job.field_names == (
        "email",
        "Name",
        "Score",
        "Birthday",
        "Vip",
        "Bio",
        "tags",
        "email_list_ids",
    )
    record = SourceRecord(
        "crm-1",
        {
            "email": " Ann@Example.ORG ",
            "name": "Ann\nLee",
            "score": Decimal("9.50"),
            "born": dt.date(1990, 5, 17),
            "vip": True,
            "bio": "line 1\r\nline 2",
            "groups": ["a", "b"],
        },
    )
    assert job.convert(record, 0) == (
        "Ann@example.org",
        "Ann Lee",
        "9.50",
        "1990-05-17",
        "1",
        "line 1\nline 2",
        "a,b",
        "12",
    )
    # Missing values are empty cells in their own columns.
    assert job.convert(SourceRecord(2, {"email": "b@example.org"}), 1) == (
        "b@example.org",
        "",
        "",
        "",
        "",
        "",
        "",
        "12",
    )


def test_a_bad_value_names_the_field() -> None:
    job = ImportJob.build(MAPPING, SELZY, list_id=1)
    result = job.convert(SourceRecord(9, {"email": "x@example.org", "vip": "maybe"}), 4)
    assert result == Rejection(
        9,
        4,
        "invalid_value",
        "vip -> Vip: 'maybe' is not a yes/no value; use yes/no, true/false or 1/0",
        "local",
        "x@example.org",
    )
    tags = job.convert(
        SourceRecord(9, {"email": "x@example.org", "groups": list("abcdefghijk")}), 5
    )
    assert isinstance(tags, Rejection)
    assert tags.reason == "groups -> tags: 11 tags given; Selzy keeps at most 10 per contact"


def test_types_are_checked_when_the_source_fields_are_known() -> None:
    source = [SourceField("email", "string"), SourceField("born", "date")]
    with pytest.raises(MappingError, match="'born' \\(date\\) cannot be mapped"):
        ImportJob.build(
            FieldMapping({"email": "email", "born": "Vip"}), SELZY, list_id=1, source_fields=source
        )


def test_unknown_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="invalid_values must be 'reject' or 'blank'"):
        ImportJob.build(MAPPING, SELZY, list_id=1, invalid_values="skip")
