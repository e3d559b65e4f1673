"""Names for new Selzy fields, the plan, and ensure_fields against a fake account."""

from __future__ import annotations

import pytest

from selzy.integration import (
    FieldLimitError,
    FieldPlan,
    FieldPlanError,
    NewField,
    SelzyField,
    SourceField,
    ensure_fields,
    ensure_fields_async,
    plan_fields,
    selzy_field_name,
)
from selzy.protocol import FIELD_NAME_PATTERN

from ._fake import FakeSelzy


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("first_name", "first_name"),
        ("First Name", "First_Name"),
        ("Дата рождения", "Data_rozhdeniya"),
        ("Щёлково-Ёж", "Shchelkovo_Ezh"),
        ("Straße", "Strasse"),
        ("Café № 5", "Cafe_No_5"),
        ("2nd phone", "field_2nd_phone"),
        ("_private", "private"),
        ("!!!", "field"),
        ("email", "email_field"),
        ("Phone", "Phone_field"),
        ("email_status", "email_status_field"),
    ],
)
def test_field_names_are_valid_for_selzy(text: str, name: str) -> None:
    assert selzy_field_name(text) == name
    assert FIELD_NAME_PATTERN.fullmatch(name)


def test_taken_names_get_a_suffix_ignoring_case() -> None:
    assert selzy_field_name("name", ["Name"]) == "name_2"
    assert selzy_field_name("name", ["Name", "NAME_2"]) == "name_3"


def test_plan_uses_source_types_and_avoids_all_taken_names() -> None:
    plan = plan_fields(
        [
            SourceField("company", "string"),
            SourceField("Company", "text"),
            SourceField("score", "number"),
        ],
        [SelzyField("score", "number")],
    )
    assert plan.new_fields == (
        NewField("company", "company", "string"),
        NewField("Company", "Company_2", "text"),
        NewField("score", "score_2", "number"),
    )
    assert plan.mapping == {"company": "company", "Company": "Company_2", "score": "score_2"}


def test_ensure_fields_creates_only_the_missing_ones() -> None:
    server = FakeSelzy(fields=[{"id": 1, "name": "company", "type": "string"}])
    plan = FieldPlan(
        (NewField("company", "company", "string"), NewField("score", "score", "number"))
    )
    assert ensure_fields(server.client(), plan) == {"company": "company", "score": "score"}
    assert server.calls == ["getFields", "createField"]
    assert server.fields[-1] == {"id": 101, "name": "score", "type": "number"}
    # Running it again creates nothing.
    server.calls.clear()
    assert ensure_fields(server.client(), plan) == {"company": "company", "score": "score"}
    assert server.calls == ["getFields"]


def test_a_name_taken_by_another_type_is_refused_before_creating() -> None:
    server = FakeSelzy(fields=[{"id": 1, "name": "score", "type": "string"}])
    plan = FieldPlan((NewField("a", "aaa", "string"), NewField("score", "score", "number")))
    with pytest.raises(FieldPlanError, match="already has a field 'score' of type string"):
        ensure_fields(server.client(), plan)
    assert server.calls == ["getFields"]


def test_the_50_field_limit_is_checked_before_any_call() -> None:
    server = FakeSelzy(fields=[{"id": i, "name": f"f{i}", "type": "string"} for i in range(48)])
    plan = plan_fields(
        [SourceField(n, "string") for n in ("a", "b", "c")],
        [SelzyField(f["name"], "string") for f in server.fields],
    )
    with pytest.raises(FieldLimitError) as caught:
        ensure_fields(server.client(), plan)
    assert (caught.value.existing, caught.value.wanted, caught.value.limit) == (48, 3, 50)
    assert "at most 50 user fields" in str(caught.value)
    assert server.calls == ["getFields"]
    # Two fit exactly.
    two = FieldPlan(plan.new_fields[:2])
    ensure_fields(server.client(), two)
    assert len(server.fields) == 50


@pytest.mark.asyncio
async def test_async_twin() -> None:
    server = FakeSelzy()
    plan = plan_fields([SourceField("Город", "string")], [])
    async with server.async_client() as client:
        assert await ensure_fields_async(client, plan) == {"Город": "Gorod"}
    assert server.fields == [{"id": 100, "name": "Gorod", "type": "string"}]
