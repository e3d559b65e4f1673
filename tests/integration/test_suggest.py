"""Auto-suggestion: by reduced name, by synonym, never across incompatible types."""

from __future__ import annotations

from selzy.integration import (
    FieldMapping,
    SelzyField,
    SourceField,
    suggest_mapping,
    validate_mapping,
)

SELZY = [
    SelzyField("Name", "string"),
    SelzyField("LastName", "string"),
    SelzyField("Birthday", "date"),
    SelzyField("Subscribed", "bool"),
    SelzyField("city", "string"),
]


def test_names_match_ignoring_case_underscores_spaces_and_dashes() -> None:
    source = [
        SourceField("E-Mail", "string"),
        SourceField("last name", "string"),
        SourceField("CITY", "string"),
    ]
    assert suggest_mapping(source, SELZY).to_dict() == {
        "E-Mail": "email",
        "last name": "LastName",
        "CITY": "city",
    }


def test_synonyms() -> None:
    source = [
        SourceField("user_email", "string"),
        SourceField("mobile", "string"),
        SourceField("firstname", "string"),
        SourceField("surname", "string"),
        SourceField("date_of_birth", "date"),
        SourceField("labels", "text"),
    ]
    assert suggest_mapping(source, SELZY).to_dict() == {
        "user_email": "email",
        "mobile": "phone",
        "firstname": "Name",
        "surname": "LastName",
        "date_of_birth": "Birthday",
        "labels": "tags",
    }


def test_never_an_incompatible_type() -> None:
    source = [
        SourceField("email", "number"),
        SourceField("birthday", "bool"),
        SourceField("subscribed", "date"),
    ]
    assert suggest_mapping(source, SELZY).to_dict() == {}


def test_each_target_once_the_closest_name_wins() -> None:
    source = [
        SourceField("full_name", "string"),
        SourceField("first_name", "string"),
        SourceField("name", "text"),
    ]
    # "name" is the exact name (text -> string is allowed), so it beats both synonyms.
    assert suggest_mapping(source, SELZY).to_dict() == {"name": "Name"}
    source = source[:2]
    assert suggest_mapping(source, SELZY).to_dict() == {"first_name": "Name"}


def test_same_type_beats_merely_compatible() -> None:
    selzy = [SelzyField("Score", "string"), SelzyField("score", "number")]
    assert suggest_mapping([SourceField("SCORE", "number")], selzy).to_dict() == {"SCORE": "score"}


def test_existing_choices_are_kept() -> None:
    source = [SourceField("email", "string"), SourceField("backup_email", "string")]
    existing = FieldMapping({"backup_email": "email"})
    assert suggest_mapping(source, SELZY, existing=existing).to_dict() == {"backup_email": "email"}


def test_suggestions_pass_validation() -> None:
    source = [
        SourceField("Email", "string"),
        SourceField("Phone", "string"),
        SourceField("Name", "string"),
        SourceField("birthday", "date"),
        SourceField("subscribed", "bool"),
    ]
    mapping = suggest_mapping(source, SELZY)
    assert len(mapping) == 5
    assert validate_mapping(mapping, source, SELZY) == []
