"""Subscribe on registration: the consent box on Django's user creation form, and an account
that is created whatever happens to the sign-up."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.test import RequestFactory, override_settings
from django.utils import translation

from selzy.contrib.django import signups
from selzy.contrib.django.models import ConsentRecord, SignUp
from selzy.contrib.django.registration import SubscribeOnSignupMixin
from selzy.contrib.django.signups import UnknownForm
from selzy.emulator import Emulator, SeededAccount

from .settings import SELZY
from .signup_world import contacts, seed

# Each test starts with the sign-up limits' counters empty (conftest's fresh_limits).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_limits")]

NEWSLETTER = SELZY["SIGNUP_FORMS"]["newsletter"]  # type: ignore[index]


class RegistrationForm(SubscribeOnSignupMixin, UserCreationForm):  # type: ignore[type-arg]
    selzy_signup_form = "newsletter"
    selzy_fields = {"first_name": "Name"}

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email", "first_name")


class MembersRegistrationForm(RegistrationForm):
    """The "members" form requires a Name: a user without a first name is refused by it."""

    selzy_signup_form = "members"


@pytest.fixture
def account(emulator: Emulator) -> SeededAccount:
    return seed(emulator)


def registration(
    email: str = "Olga.Ivanova@Example.com", *, subscribe: bool = True, **changes: str
) -> dict[str, str]:
    data = {
        "username": "olga",
        "email": email,
        "first_name": "Ольга 🌷",
        "password1": "a-long-enough-passphrase-42",
        "password2": "a-long-enough-passphrase-42",
    }
    if subscribe:
        data["selzy_subscribe"] = "on"
    data.update(changes)
    return data


def request_from(ip: str = "198.51.100.7") -> Any:
    return RequestFactory().post("/accounts/register/", REMOTE_ADDR=ip, HTTP_USER_AGENT="Safari 🧭")


def test_the_box_is_unticked_and_reads_the_consent_text(ready: Any) -> None:
    html = str(RegistrationForm())
    box = re.search(r'<input type="checkbox" name="selzy_subscribe"[^>]*>', html)
    assert box is not None
    assert "checked" not in box.group(0)
    assert "required" not in box.group(0)  # registering never depends on it
    assert f'for="id_selzy_subscribe">{NEWSLETTER["consent_text"]}' in html


def test_an_unticked_box_creates_the_user_and_signs_nobody_up(
    ready: Any, emulator: Emulator
) -> None:
    form = RegistrationForm(registration(subscribe=False), request=request_from())
    assert form.is_valid(), form.errors
    user = form.save()
    assert User.objects.get(pk=user.pk).username == "olga"
    assert form.selzy_signup is None
    assert SignUp.objects.count() == ConsentRecord.objects.count() == 0
    assert contacts(emulator) == {}


def test_a_ticked_box_signs_the_new_user_up_with_selzys_letter(
    ready: Any, emulator: Emulator, account: SeededAccount
) -> None:
    form = RegistrationForm(registration(), request=request_from())
    assert form.is_valid(), form.errors
    user = form.save()

    signup = SignUp.objects.get()
    assert form.selzy_signup is not None
    assert form.selzy_signup.pk == signup.pk
    assert (signup.origin, signup.form_key, signup.email) == (
        "registration",
        "newsletter",
        "Olga.Ivanova@example.com",
    )
    assert signup.values == {"Name": "Ольга 🌷"}
    assert (signup.list_id, signup.double_optin) == (account.list_ids["Customers"], 0)
    assert signup.status == "sent"
    record = signup.consent
    assert record.consent_text == NEWSLETTER["consent_text"]
    assert record.user_agent == "Safari 🧭"
    assert record.page == "http://testserver/accounts/register/"
    [letter] = emulator.outbox(to="olga.ivanova@example.com")
    assert letter.kind == "optin"
    assert contacts(emulator)["olga.ivanova@example.com"]["email_status"] == "invited"
    assert User.objects.get(pk=user.pk).username == "olga"


def test_ticking_the_box_without_an_address_asks_for_one(ready: Any) -> None:
    form = RegistrationForm(registration(email=""))
    assert not form.is_valid()
    assert "Enter your email address to subscribe" in str(form.errors["selzy_subscribe"])
    assert RegistrationForm(registration(email="", subscribe=False)).is_valid()
    with translation.override("ru"):
        form = RegistrationForm(registration(email=""))
        assert not form.is_valid()
        assert "Укажите адрес электронной почты" in str(form.errors["selzy_subscribe"])


def test_a_limit_never_costs_the_account(
    ready: Any, emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    with override_settings(SELZY={**SELZY, "SIGNUP_LIMIT_PER_EMAIL": (1, 3600)}):
        first = RegistrationForm(registration(), request=request_from())
        assert first.is_valid()
        first.save()
        # The same address registers a second account: over the per-address limit.
        second = RegistrationForm(
            registration(username="olga2"), request=request_from("198.51.100.8")
        )
        assert second.is_valid(), second.errors
        with caplog.at_level(logging.WARNING, logger="selzy.django"):
            user = second.save()
    assert User.objects.filter(pk=user.pk).exists()
    assert second.selzy_signup is None
    assert SignUp.objects.count() == 1
    assert "over the per-email limit" in caplog.text
    assert "olga" not in caplog.text.lower()  # the log names no visitor's value


def test_a_sign_up_the_form_refuses_never_costs_the_account(
    ready: Any, caplog: pytest.LogCaptureFixture
) -> None:
    form = MembersRegistrationForm(registration(first_name=""), request=request_from())
    assert form.is_valid(), form.errors
    with caplog.at_level(logging.WARNING, logger="selzy.django"):
        user = form.save()
    assert User.objects.filter(pk=user.pk).exists()
    assert SignUp.objects.count() == 0
    assert "values it does not take in Name" in caplog.text


def test_a_failing_sign_up_leaves_the_registrations_transaction_usable(
    ready: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken_fields(config: Any) -> Any:
        # A real database error before sign_up's own transaction: on PostgreSQL it aborts the
        # enclosing transaction unless the sign-up runs in a savepoint.
        with connection.cursor() as cursor:
            cursor.execute("SELECT no_such_column FROM auth_user")
        raise AssertionError("unreachable")

    monkeypatch.setattr(signups, "form_fields", broken_fields)
    with transaction.atomic():  # as under ATOMIC_REQUESTS: one transaction for the request
        form = RegistrationForm(registration(), request=request_from())
        assert form.is_valid()
        with caplog.at_level(logging.ERROR, logger="selzy.django"):
            user = form.save()
        user.last_name = "Иванова"
        user.save()  # still usable: the sign-up ran in a savepoint of its own
    assert User.objects.get(pk=user.pk).last_name == "Иванова"
    assert ConsentRecord.objects.count() == SignUp.objects.count() == 0  # rolled back whole
    assert "the sign-up failed" in caplog.text
    assert "no_such_column" in caplog.text


def test_with_commit_false_the_sign_up_waits_for_save_m2m(ready: Any) -> None:
    form = RegistrationForm(registration(), request=request_from())
    assert form.is_valid()
    user = form.save(commit=False)
    assert SignUp.objects.count() == 0
    user.email = "olga@example.org"  # the view may still change the user
    user.save()
    form.save_m2m()
    assert SignUp.objects.get().email == "olga@example.org"


def test_a_wrong_sign_up_form_key_fails_where_the_developer_sees_it(db: Any) -> None:
    class Unset(SubscribeOnSignupMixin, UserCreationForm):  # type: ignore[type-arg]
        pass

    class Misspelt(RegistrationForm):
        selzy_signup_form = "newsleter"

    with pytest.raises(ImproperlyConfigured, match="set selzy_signup_form"):
        Unset()
    with pytest.raises(UnknownForm, match="newsleter"):
        Misspelt()


def test_the_mixin_goes_through_the_one_entry_point(
    ready: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    real = signups.sign_up

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr("selzy.contrib.django.form_adapters.sign_up", spy)
    form = RegistrationForm(registration(), request=request_from())
    assert form.is_valid()
    form.save()
    [call] = calls
    assert (call["consent"], call["origin"]) == (True, "registration")
