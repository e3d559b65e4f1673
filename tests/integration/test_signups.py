"""One sign-up through subscribe, against the in-process emulator: values, double opt-in, and
what each failure means (sent / retry / refused, setup or not, uncertain or not)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from selzy import Selzy
from selzy.emulator import Emulator
from selzy.integration import (
    InvalidValueError,
    SignUpRequest,
    send_signup,
    signup_email,
    signup_failure,
    signup_tags,
    signup_values,
)
from selzy.testing import TEST_API_KEY, client_for

TYPES: dict[str, Any] = {"Name": "string", "Birthday": "date", "Score": "number", "News": "bool"}


@pytest.fixture
def emulator() -> Emulator:
    emulator = Emulator()
    emulator.seed_account(
        TEST_API_KEY,
        lists=("Newsletter", "Bare"),
        fields={"Name": "string", "Birthday": "date", "Score": "number", "News": "bool"},
    )
    return emulator


@pytest.fixture
def client(emulator: Emulator) -> Any:
    with client_for(emulator, max_retries=0) as client:
        client.update_opt_in_email(
            list_id=_list(client, "Newsletter"),
            sender_name="News",
            sender_email="news@example.com",
            subject="Please confirm",
            body='<a href="{{ConfirmUrl}}">Yes, subscribe me</a>',
        )
        yield client


def _list(client: Selzy, title: str) -> int:
    return next(lst.id for lst in client.get_lists() if lst.title == title)


def test_values_become_subscribe_texts_by_type() -> None:
    converted, problems = signup_values(
        {
            "Name": "Анна 🌸",
            "Birthday": dt.date(1990, 3, 5),
            "Score": Decimal("12.50"),
            "News": True,
            "phone": "+44 7700 900123",
            "Empty": None,
        },
        {**TYPES, "Empty": "string"},
    )
    assert problems == {}
    assert converted == {
        "Name": "Анна 🌸",
        "Birthday": "1990-03-05",
        "Score": "12.50",
        "News": "1",
        "phone": "+447700900123",
    }


def test_values_out_of_the_form_or_of_their_type_are_named() -> None:
    converted, problems = signup_values(
        {"Name": "Ann", "Score": "lots", "list_ids": "1,2", "email": "x@example.com"}, TYPES
    )
    assert converted == {"Name": "Ann"}
    assert set(problems) == {"Score", "list_ids", "email"}
    assert problems["list_ids"] == "not a field of this form"


def test_the_address_is_checked_and_its_domain_lowercased() -> None:
    assert signup_email("  Mixed.Case@EXAMPLE.com ") == "Mixed.Case@example.com"
    for bad in ("", "no-at-sign", "a@b"):
        with pytest.raises(InvalidValueError):
            signup_email(bad)


def test_tags_are_trimmed_and_capped_at_ten() -> None:
    assert signup_tags([" site ", "", "form", "site"]) == ("site", "form")
    with pytest.raises(ValueError, match="at most 10"):
        signup_tags([f"t{i}" for i in range(11)])


def test_a_request_refuses_what_subscribe_must_not_carry() -> None:
    with pytest.raises(ValueError, match="list id"):
        SignUpRequest("a@example.com", ())
    with pytest.raises(ValueError, match="double_optin"):
        SignUpRequest("a@example.com", (1,), double_optin=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="email"):
        SignUpRequest("a@example.com", (1,), fields={"email": "b@example.com"})


def test_double_optin_0_sends_the_letter_and_the_person_joins_on_the_click(
    client: Selzy, emulator: Emulator
) -> None:
    list_id = _list(client, "Newsletter")
    outcome = send_signup(
        client,
        SignUpRequest(
            "Ann@Example.com", (list_id,), {"Name": "Анна"}, double_optin=0, tags=("site",)
        ),
    )
    assert outcome.verdict == "sent"
    assert outcome.person_id
    [letter] = emulator.outbox(to="Ann@example.com")
    assert letter.kind == "optin"
    contact = client.get_contact(email="ann@example.com", include_lists=True)
    assert contact.email is not None
    assert contact.email.status == "invited"
    assert list_id not in [m.id for m in contact.lists]
    emulator.confirm(letter.links[0][1])
    contact = client.get_contact(email="ann@example.com", include_lists=True, include_fields=True)
    assert [(m.id, m.status) for m in contact.lists] == [(list_id, "active")]
    assert contact.fields["Name"] == "Анна"


def test_double_optin_3_adds_at_once_without_a_letter(client: Selzy, emulator: Emulator) -> None:
    list_id = _list(client, "Bare")  # no confirmation letter needed
    outcome = send_signup(client, SignUpRequest("bob@example.com", (list_id,), double_optin=3))
    assert outcome.verdict == "sent"
    assert emulator.outbox(to="bob@example.com") == []
    contact = client.get_contact(email="bob@example.com", include_lists=True)
    assert [m.id for m in contact.lists] == [list_id]


def test_a_list_without_a_confirmation_letter_is_a_setup_problem_that_waits(
    client: Selzy,
) -> None:
    outcome = send_signup(client, SignUpRequest("c@example.com", (_list(client, "Bare"),)))
    assert (outcome.verdict, outcome.setup, outcome.uncertain) == ("retry", True, False)
    assert "confirmation letter" in outcome.reason


def test_a_missing_list_or_field_is_a_setup_problem(client: Selzy) -> None:
    gone = send_signup(client, SignUpRequest("d@example.com", (999999,), double_optin=3))
    assert (gone.verdict, gone.setup) == ("retry", True)
    newsletter = _list(client, "Newsletter")
    field = send_signup(client, SignUpRequest("d@example.com", (newsletter,), {"Deleted": "x"}))
    assert (field.verdict, field.setup) == ("retry", True)


def test_the_signups_own_bad_data_is_refused_and_does_not_wait(client: Selzy) -> None:
    list_id = _list(client, "Bare")
    send_signup(client, SignUpRequest("e@example.com", (list_id,), double_optin=3))
    send_signup(client, SignUpRequest("f@example.com", (list_id,), {"phone": "+15550100"}, 3))
    # Two existing contacts' address and phone: Selzy will not merge them.
    clash = SignUpRequest("e@example.com", (list_id,), {"phone": "+15550100"}, double_optin=3)
    outcome = send_signup(client, clash)
    assert (outcome.verdict, outcome.setup) == ("refused", False)
    assert "different subscribers" in outcome.reason
    refused_value = send_signup(
        client, SignUpRequest("g@example.com", (list_id,), {"Birthday": "soon"}, double_optin=3)
    )
    assert refused_value.verdict == "refused"


def test_selzy_unreachable_or_busy_waits(client: Selzy, emulator: Emulator) -> None:
    request = SignUpRequest("h@example.com", (_list(client, "Newsletter"),))
    emulator.inject_fault("http", "subscribe", status=503, times=1)
    outage = send_signup(client, request)
    assert (outage.verdict, outage.setup, outage.uncertain) == ("retry", False, True)
    emulator.inject_fault("error", "subscribe", code="api_call_limit_exceeded_for_api_key", times=1)
    limited = send_signup(client, request)
    assert (limited.verdict, limited.uncertain) == ("retry", False)
    assert emulator.outbox(to="h@example.com") == []


def test_an_unaccepted_key_is_a_setup_problem(emulator: Emulator) -> None:
    with client_for(emulator, api_key="not0the0key0of0any0account0here", max_retries=0) as other:
        outcome = send_signup(other, SignUpRequest("i@example.com", (1,)))
    assert (outcome.verdict, outcome.setup) == ("retry", True)


def test_an_answer_lost_after_selzy_acted_is_not_sent_twice(
    client: Selzy, emulator: Emulator
) -> None:
    request = SignUpRequest("Jo@example.com", (_list(client, "Newsletter"),))
    emulator.inject_fault("drop", "subscribe", after=True, times=1)
    lost = send_signup(client, request)
    assert (lost.verdict, lost.uncertain) == ("retry", True)
    assert len(emulator.outbox(to="jo@example.com")) == 1  # Selzy did act

    again = send_signup(client, request, uncertain=True)
    assert again.verdict == "sent"
    assert len(emulator.outbox(to="jo@example.com")) == 1  # asked first: no second letter


def test_an_uncertain_attempt_that_never_arrived_is_sent(client: Selzy, emulator: Emulator) -> None:
    request = SignUpRequest("kim@example.com", (_list(client, "Newsletter"),))
    outcome = send_signup(client, request, uncertain=True)
    assert (outcome.verdict, outcome.person_id is not None) == ("sent", True)
    assert len(emulator.outbox(to="kim@example.com")) == 1


def test_an_unknown_error_is_a_refusal_with_its_text() -> None:
    assert signup_failure(RuntimeError("boom")).verdict == "refused"  # type: ignore[arg-type]
