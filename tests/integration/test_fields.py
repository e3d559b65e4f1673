"""Type matching between source and Selzy fields: the whole matrix, and the refusal texts."""

from __future__ import annotations

import itertools

import pytest

from selzy.integration import (
    COMPATIBLE,
    SELZY_TYPES,
    SelzyField,
    SelzyType,
    SourceField,
    SystemTarget,
    is_compatible,
    system_refusal,
    type_refusal,
)
from selzy.protocol import FIELD_TYPES
from selzy.types import Field

ALLOWED = {
    ("string", "string"),
    ("text", "text"),
    ("number", "number"),
    ("date", "date"),
    ("bool", "bool"),
    ("string", "text"),
    ("text", "string"),
    ("number", "string"),
    ("number", "text"),
    ("date", "string"),
    ("date", "text"),
    ("bool", "string"),
    ("bool", "text"),
    ("bool", "number"),
}
ALL_PAIRS = list(itertools.product(SELZY_TYPES, SELZY_TYPES))


def test_the_five_types_are_the_protocols() -> None:
    assert set(SELZY_TYPES) == set(FIELD_TYPES)
    assert set(COMPATIBLE) == set(SELZY_TYPES)


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
def test_allowed_pairs(source: SelzyType, target: SelzyType) -> None:
    assert is_compatible(source, target)
    assert type_refusal(SourceField("f", source), SelzyField("g", target)) is None


@pytest.mark.parametrize(("source", "target"), [p for p in ALL_PAIRS if p not in ALLOWED])
def test_every_other_pair_is_refused_with_both_fields_and_types_named(
    source: SelzyType, target: SelzyType
) -> None:
    assert not is_compatible(source, target)
    message = type_refusal(SourceField("crm_field", source), SelzyField("SelzyField", target))
    assert message is not None
    assert "'crm_field'" in message
    assert f"({source})" in message
    assert "'SelzyField'" in message
    assert f"({target})" in message


def test_a_date_never_goes_into_a_bool() -> None:
    message = type_refusal(
        SourceField("birthday", "date", label="Date of birth"), SelzyField("Subscribed", "bool")
    )
    assert message == (
        "'Date of birth' (date) cannot be mapped to the Selzy field 'Subscribed' (bool): "
        "a date is not a yes/no value. Choose a Selzy field of type date or string or text, "
        "or create a new date field."
    )


def test_text_never_goes_into_number_date_or_bool() -> None:
    targets: tuple[SelzyType, ...] = ("number", "date", "bool")
    for target in targets:
        message = type_refusal(SourceField("notes", "text"), SelzyField("X", target))
        assert message is not None
        assert "free text cannot be read reliably" in message


def test_a_string_is_not_a_number() -> None:
    message = type_refusal(SourceField("zip", "string"), SelzyField("Zip", "number"))
    assert message is not None
    assert "a string field can hold any text, which is not always a number" in message


@pytest.mark.parametrize("target", ["email", "phone", "tags"])
def test_system_targets_take_string_or_text(target: SystemTarget) -> None:
    assert system_refusal(SourceField("a", "string"), target) is None
    assert system_refusal(SourceField("a", "text"), target) is None
    message = system_refusal(SourceField("age", "number"), target)
    assert message is not None
    assert "'age' (number)" in message
    assert repr(target) in message


def test_unknown_source_type_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="has type 'integer'"):
        SourceField("age", "integer")  # type: ignore[arg-type]


def test_selzy_field_from_the_clients_result() -> None:
    field = SelzyField.from_api(Field(id=7, name="Name", type="string"))
    assert field == SelzyField("Name", "string", id=7)
    assert SelzyField.from_api(Field(id=8, name="X", type="mystery")).type == "string"
