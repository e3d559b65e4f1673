"""Whole-mapping validation: every problem at once, each explained."""

from __future__ import annotations

import pytest

from selzy.integration import (
    FieldMapping,
    MappingError,
    SelzyField,
    SourceField,
    check_mapping,
    compatible_targets,
    validate_mapping,
)

SOURCE = [
    SourceField("email", "string"),
    SourceField("mobile", "string"),
    SourceField("first_name", "string"),
    SourceField("nick", "string"),
    SourceField("birthday", "date", "Date of birth"),
    SourceField("notes", "text"),
    SourceField("labels", "string"),
]
SELZY = [
    SelzyField("Name", "string"),
    SelzyField("Birthday", "date"),
    SelzyField("Subscribed", "bool"),
    SelzyField("Notes", "text"),
]


def test_a_good_mapping_has_no_problems() -> None:
    mapping = FieldMapping(
        {
            "email": "email",
            "mobile": "phone",
            "first_name": "Name",
            "birthday": "Birthday",
            "notes": "Notes",
            "labels": "tags",
        }
    )
    assert validate_mapping(mapping, SOURCE, SELZY) == []
    check_mapping(mapping, SOURCE, SELZY)
    assert mapping.email_source == "email"
    assert mapping.phone_source == "mobile"
    assert mapping.tags_source == "labels"
    assert mapping.user_fields == {"first_name": "Name", "birthday": "Birthday", "notes": "Notes"}


def test_phone_alone_identifies_contacts() -> None:
    assert validate_mapping(FieldMapping({"mobile": "phone"}), SOURCE, SELZY) == []


def test_every_problem_is_reported_at_once() -> None:
    mapping = FieldMapping(
        {
            "first_name": "Name",
            "nick": "Name",
            "birthday": "Subscribed",
            "ghost": "Notes",
            "notes": "Nope",
            "labels": "email_status",
        }
    )
    problems = validate_mapping(mapping, SOURCE, SELZY)
    assert [p.code for p in problems] == [
        "missing_contact",
        "duplicate_target",
        "type_mismatch",
        "unknown_source",
        "unknown_target",
        "reserved_target",
    ]
    by_code = {p.code: p for p in problems}
    assert (
        "'Name' is the target of both 'first_name' and 'nick'"
        in by_code["duplicate_target"].message
    )
    assert by_code["type_mismatch"].message.startswith(
        "'Date of birth' (date) cannot be mapped to the Selzy field 'Subscribed' (bool)"
    )
    assert (by_code["type_mismatch"].source, by_code["type_mismatch"].target) == (
        "birthday",
        "Subscribed",
    )
    assert "no field 'ghost'" in by_code["unknown_source"].message
    assert "Selzy has no field 'Nope'" in by_code["unknown_target"].message

    with pytest.raises(MappingError) as caught:
        check_mapping(mapping, SOURCE, SELZY)
    assert len(caught.value.problems) == 6
    assert "email' or 'phone'" in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_email_from_a_number_is_refused() -> None:
    problems = validate_mapping(
        FieldMapping({"age": "email"}), [SourceField("age", "number")], SELZY
    )
    assert [p.code for p in problems] == ["type_mismatch"]
    assert "'age' (number) cannot be mapped to Selzy's 'email'" in problems[0].message


def test_without_source_fields_only_the_selzy_side_is_checked() -> None:
    mapping = FieldMapping({"anything": "email", "whatever": "Name"})
    assert validate_mapping(mapping, None, SELZY) == []


def test_compatible_targets_for_a_screen() -> None:
    assert compatible_targets(SourceField("birthday", "date"), SELZY) == (
        "Name",
        "Birthday",
        "Notes",
    )
    assert compatible_targets(SourceField("flag", "bool"), SELZY) == ("Name", "Subscribed", "Notes")
    assert compatible_targets(SourceField("mail", "string"), SELZY) == (
        "email",
        "phone",
        "tags",
        "Name",
        "Notes",
    )


def test_field_mapping_is_plain_data() -> None:
    mapping = FieldMapping({"email": "email"})
    bigger = mapping.merged({"city": "City"})
    assert mapping.to_dict() == {"email": "email"}
    assert bigger.to_dict() == {"email": "email", "city": "City"}
    assert FieldMapping([("email", "email")]) == mapping
    assert len(bigger) == 2
    assert list(bigger) == [("email", "email"), ("city", "City")]
