"""What the form builders' adapters share (form_adapters): the field map an editor writes, its
checks against the form and the sign-up form, and the values a submission gives."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from selzy.contrib.django.form_adapters import (
    FieldMapError,
    SignUpMapping,
    mapping_problems,
    parse_field_map,
    signup_form_choices,
)


def test_a_field_map_is_one_form_field_per_line() -> None:
    text = "\n  your_name = Name  \n# the visitor's birthday\nbirthday=Birthday # no year\n\n"
    assert parse_field_map(text) == {"your_name": "Name", "birthday": "Birthday"}
    assert parse_field_map("") == {}
    assert parse_field_map("имя = Имя") == {"имя": "Имя"}  # Selzy field names may be Cyrillic


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("your_name -> Name", "line 1: write “form field = Selzy field”"),
        ("name = Name\n = Name2", "line 2: write"),
        ("name =", "line 1: write"),
        ("your_email = Email", "line 1: the address has its own setting"),
        ("name = Name\nname = Nickname", "line 2: the form field 'name' is mapped twice"),
        ("name = Name\nfull_name = Name", "line 2: two form fields fill the Selzy field 'Name'"),
    ],
)
def test_a_field_map_that_cannot_be_read_says_which_line_and_why(text: str, message: str) -> None:
    with pytest.raises(FieldMapError, match=message):
        parse_field_map(text)


def test_a_submission_gives_the_address_and_the_mapped_values() -> None:
    mapping = SignUpMapping(
        form_key="newsletter",
        email_field="your_email",
        consent_field="newsletter",
        field_map={"your_name": "Name", "born": "Birthday", "score": "Score", "vip": "Vip"},
    )
    cleaned = {
        "your_email": "Ann@Example.com",
        "your_name": "",  # left empty: not sent
        "born": dt.date(1990, 3, 5),
        "score": Decimal("7.5"),
        "vip": False,  # an answer: sent
        "message": "not mapped",
        "newsletter": True,
    }
    assert mapping.values(cleaned) == {
        "email": "Ann@Example.com",
        "Birthday": dt.date(1990, 3, 5),
        "Score": Decimal("7.5"),
        "Vip": False,
    }
    assert mapping.consented(cleaned)
    assert not mapping.consented({**cleaned, "newsletter": False})
    assert not mapping.consented({**cleaned, "newsletter": ["on"]})  # a multiple choice is not it
    assert not mapping.consented({})


def test_the_choices_are_the_configured_sign_up_forms() -> None:
    assert signup_form_choices() == [
        ("", "---------"),
        ("members", "members"),
        ("newsletter", "newsletter"),
    ]


def mapping(**changes: Any) -> SignUpMapping:
    fields: dict[str, Any] = {
        "form_key": "newsletter",
        "email_field": "email",
        "consent_field": "agree",
        "field_map": {"name": "Name", "born": "Birthday"},
    }
    fields.update(changes)
    return SignUpMapping(**fields)


FORM_FIELDS = ("email", "name", "born", "agree", "message")


def test_a_usable_mapping_has_no_problems(ready: Any) -> None:
    assert mapping_problems(mapping(), FORM_FIELDS) == {}


def test_mapping_problems_say_what_to_fix(ready: Any) -> None:
    problems = mapping_problems(
        mapping(
            email_field="e_mail",
            consent_field="consent",
            field_map={"nickname": "Name", "message": "Comment"},
        ),
        FORM_FIELDS,
    )
    assert problems == {
        "email_field": "the form has no field 'e_mail' for the address "
        "(its fields: agree, born, email, message, name)",
        "consent_field": "the form has no field 'consent' (agree, born, email, message, name)",
        "field_map": "the form has no field 'nickname' (agree, born, email, message, name); "
        "'Comment' is not a field of the sign-up form 'newsletter' "
        "(it takes Name, Birthday, Score, Vip)",
    }
    assert mapping_problems(mapping(consent_field=""), FORM_FIELDS) == {
        "consent_field": "name the form's checkbox the visitor ticks to subscribe"
    }
    members = mapping_problems(mapping(form_key="members", field_map={}), FORM_FIELDS)
    assert members == {
        "field_map": "the sign-up form 'members' requires 'Name': map a form field to it"
    }
    assert (
        "No sign-up form 'gone'"
        in mapping_problems(mapping(form_key="gone"), FORM_FIELDS)["form_key"]
    )


def test_without_the_forms_fields_only_the_sign_up_forms_side_is_checked(ready: Any) -> None:
    assert mapping_problems(mapping(email_field="anything"), None) == {}
    assert set(mapping_problems(mapping(field_map={"x": "Nope"}), None)) == {"field_map"}
