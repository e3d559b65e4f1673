"""The admin's Sign-up forms screen: the forms and their counts, a queue held by a setup
problem said plainly, the confirmation letter set there (which sends what waited for it)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from selzy.contrib.django.forms_sending import DEFAULT_OPTIN_BODY
from selzy.contrib.django.models import Connection, MappedField, SignUp
from selzy.contrib.django.signups import sign_up
from selzy.emulator import Emulator, SeededAccount

from .conftest import ACCOUNT_KEY
from .signup_world import FIELDS

pytestmark = pytest.mark.django_db(transaction=True)

SCREEN = "/admin/selzy/connection/signups/"


@pytest.fixture
def account(emulator: Emulator) -> SeededAccount:
    """The account with lists that have no confirmation letter yet (as createList makes them)."""
    return emulator.seed_account(ACCOUNT_KEY, lists=("Newsletter", "Customers"), fields=FIELDS)


@pytest.fixture
def staff(ready: Any) -> Client:
    user = get_user_model().objects.create_user("owner", "owner@example.com", "pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="manage_selzy"))
    browser = Client()
    browser.force_login(user)
    return browser


def members(email: str) -> SignUp:
    values = {"email": email, "Name": "Ann"}
    return sign_up("members", values, consent=True, request=None, origin="t")


def newsletter(email: str) -> SignUp:
    values = {"email": email, "Name": "Ann"}
    return sign_up("newsletter", values, consent=True, request=None, origin="t")


def test_the_screen_lists_the_forms_and_where_their_sign_ups_stand(
    staff: Client, account: SeededAccount
) -> None:
    members("in@example.com")  # no letter needed: sent
    page = staff.get(SCREEN).content.decode()
    assert 'data-form="newsletter"' in page
    assert 'data-form="members"' in page
    assert f"Customers (#{account.list_ids['Customers']})" in page
    assert 'href="/selzy/signup/newsletter/"' in page
    assert "Every sign-up has reached Selzy." in page
    assert "Selzy's confirmation letter" in page  # newsletter's mode
    assert "none: confirmed by the site" in page  # members'
    assert "data-unmapped" not in page


def test_a_field_the_mapping_lost_is_named(staff: Client) -> None:
    MappedField.objects.filter(selzy_field="Name").delete()
    page = staff.get(SCREEN).content.decode()
    assert 'data-unmapped="newsletter"' in page
    assert "The form “newsletter” leaves out Name" in page


def test_a_list_without_its_letter_holds_the_queue_until_the_letter_is_set_here(
    staff: Client, emulator: Emulator, account: SeededAccount
) -> None:
    first, second = newsletter("first@example.com"), newsletter("second@example.com")
    page = staff.get(SCREEN).content.decode()
    assert 'id="selzy-signup-stuck"' in page
    assert "2 sign-ups wait for Selzy" in page
    assert "has no confirmation letters" in page
    overview = staff.get("/admin/selzy/connection/").content.decode()
    assert "The sign-ups wait for Selzy" in overview

    customers = account.list_ids["Customers"]
    response = staff.post(
        SCREEN,
        {
            "list_id": str(customers),
            "sender_email": "news@example.com",
            "sender_name": "The Newsletter",
            "subject": "Please confirm",
            "body": DEFAULT_OPTIN_BODY,
        },
        follow=True,
    )
    assert "The confirmation letter of list" in response.content.decode()
    (state,) = emulator.state_dump()["accounts"]
    assert {lst["id"]: lst["has_optin_letter"] for lst in state["lists"]}[customers] is True
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("sent", "sent")
    assert [letter.to for letter in emulator.outbox()] == [
        "first@example.com",
        "second@example.com",
    ]
    assert "Every sign-up has reached Selzy." in response.content.decode()


def test_a_letter_without_the_link_is_refused_before_selzy(
    staff: Client, emulator: Emulator
) -> None:
    response = staff.post(
        SCREEN,
        {
            "list_id": str(Connection.current().list_id),
            "sender_email": "news@example.com",
            "sender_name": "News",
            "subject": "Confirm",
            "body": "<p>No link here</p>",
        },
    )
    assert "The letter needs the confirmation link" in response.content.decode()


def test_try_again_now_sends_what_waited(staff: Client, emulator: Emulator) -> None:
    emulator.inject_fault("http", "subscribe", status=503, times=1)
    signup = members("retry@example.com")
    signup.refresh_from_db()
    assert signup.status == "pending"
    staff.post(SCREEN, {"action": "retry"})
    signup.refresh_from_db()
    assert signup.status == "sent"


def test_the_screen_needs_the_setup_permission(ready: Any) -> None:
    user = get_user_model().objects.create_user("clerk", "c@example.com", "pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="send_selzy_campaigns"))
    browser = Client()
    browser.force_login(user)
    assert browser.get(SCREEN).status_code == 403


def test_a_viewer_of_sign_ups_may_export_but_not_send_again(ready: Any) -> None:
    members("listed@example.com")
    user = get_user_model().objects.create_user("viewer", "v@example.com", "pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_signup"))
    browser = Client()
    browser.force_login(user)
    page = browser.get("/admin/selzy/signup/").content.decode()
    assert 'value="export_gdpr"' in page
    assert 'value="send_again"' not in page
