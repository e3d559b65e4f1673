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
    job = ImportJob.build(MAPPING, SELZY, list_id=1, invalid_values="reject")
    result = job.convert(SourceRecord(9, {"email": "x@example.org", "vip": "maybe"}), 4)
    assert result == Rejection(
        9,
        4,
        "invalid_value",
        "vip -> Vip: 'maybe' is not a yes/no value; use yes/no, true/false, да/нет or 1/0",
        "local",
        "x@example.org",
    )
    tags = job.convert(
        SourceRecord(9, {"email": "x@example.org", "groups": list("abcdefghijk")}), 5
    )
    assert isinstance(tags, Rejection)
    assert tags.reason == "groups -> tags: 11 tags given; Selzy keeps at most 10 per contact"


WITH_PHONE = FieldMapping({"email": "email", "phone": "phone", "vip": "Vip"})


def test_by_default_a_bad_value_is_dropped_with_a_note_and_the_contact_kept() -> None:
    job = ImportJob.build(WITH_PHONE, SELZY, list_id=1)
    record = SourceRecord(9, {"email": "x@example.org", "vip": "maybe", "phone": "12"})
    row, note = job.convert_noted(record, 4)
    assert isinstance(row, tuple)
    assert job.convert(record, 4) == row
    named = dict(zip(job.field_names, row, strict=True))
    assert (named["email"], named["phone"], named["Vip"]) == ("x@example.org", "", "")
    assert note is not None
    assert (note.source_id, note.position, note.code, note.stage) == (
        9,
        4,
        "value_dropped",
        "local",
    )
    assert note.is_note
    assert note.reason.startswith("phone -> phone: invalid phone: '12' is not in international")
    assert "; vip -> Vip: 'maybe' is not a yes/no value" in note.reason
    assert note.reason.endswith("(sent empty; the rest of the row was imported)")
    clean, none = job.convert_noted(SourceRecord(9, {"email": "x@example.org"}), 4)
    assert isinstance(clean, tuple)
    assert none is None


def test_a_bad_phone_that_is_the_only_address_still_rejects_the_row() -> None:
    job = ImportJob.build(WITH_PHONE, SELZY, list_id=1)
    result = job.convert(SourceRecord(9, {"email": "", "phone": "12", "vip": "maybe"}), 4)
    assert isinstance(result, Rejection)
    assert (result.code, result.phone) == ("invalid_phone", "12")
    assert not result.is_note
    with_country = ImportJob.build(WITH_PHONE, SELZY, list_id=1, phone_country="RU")
    row = with_country.convert(SourceRecord(9, {"phone": "8 (912) 345-67-89"}), 4)
    assert isinstance(row, tuple)
    assert dict(zip(with_country.field_names, row, strict=True))["phone"] == "+79123456789"


def test_types_are_checked_when_the_source_fields_are_known() -> None:
    source = [SourceField("email", "string"), SourceField("born", "date")]
    with pytest.raises(MappingError, match="'born' \\(date\\) cannot be mapped"):
        ImportJob.build(
            FieldMapping({"email": "email", "born": "Vip"}), SELZY, list_id=1, source_fields=source
        )


def test_unknown_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="invalid_values must be 'drop' or 'reject'"):
        ImportJob.build(MAPPING, SELZY, list_id=1, invalid_values="blank")
    with pytest.raises(ValueError, match="date format 'DD/YYYY/MM': write DD, MM and"):
        ImportJob.build(MAPPING, SELZY, list_id=1, date_format="DD/YYYY/MM")
    with pytest.raises(ValueError, match="phone country 'XX' is not known; use one of RU, KZ"):
        ImportJob.build(MAPPING, SELZY, list_id=1, phone_country="XX")
