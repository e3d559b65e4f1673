"""What the sign-up tests share: an account whose lists have confirmation letters, the form's
POST, and the emulator's view of a contact."""

from __future__ import annotations

from typing import Any

from django.test import Client

from selzy.emulator import Emulator, SeededAccount
from selzy.testing import client_for

from .conftest import ACCOUNT_KEY

#: The account's user fields: what the test settings' "newsletter" form sends.
FIELDS = {"Name": "string", "Birthday": "date", "Score": "number", "Vip": "bool"}
CONFIRM_BODY = '<p>Please <a href="{{ConfirmUrl}}">confirm your subscription</a>.</p>'
SIGNUP_URL = "/selzy/signup/{key}/"


def seed(emulator: Emulator, *, bare: tuple[str, ...] = ()) -> SeededAccount:
    """The tests' account with Newsletter and Customers (each with a confirmation letter) and
    the ``bare`` lists (none)."""
    account = emulator.seed_account(
        ACCOUNT_KEY, lists=("Newsletter", "Customers", *bare), fields=FIELDS
    )
    with client_for(emulator, ACCOUNT_KEY) as client:
        for title in ("Newsletter", "Customers"):
            client.update_opt_in_email(
                list_id=account.list_ids[title],
                sender_name="Newsletter",
                sender_email="news@example.com",
                subject="Please confirm",
                body=CONFIRM_BODY,
            )
    return account


def newsletter_post(email: str = "Anna.Petrova@Example.com", **changes: Any) -> dict[str, Any]:
    """A valid POST of the "newsletter" form (Cyrillic name, every typed field)."""
    data = {
        "email": email,
        "Name": "Анна Петрова 🌸",
        "Birthday": "1990-03-05",
        "Score": "7",
        "Vip": "true",
        "consent": "on",
        "website": "",
        "next": "/about/?ref=footer",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def post(data: dict[str, Any], key: str = "newsletter", **extra: Any) -> Any:
    return Client().post(SIGNUP_URL.format(key=key), data, **extra)


def contacts(emulator: Emulator) -> dict[str, dict[str, Any]]:
    """The account's contacts by lowercased address, as the emulator keeps them."""
    (account,) = emulator.state_dump()["accounts"]
    return {c["email"].lower(): c for c in account["contacts"] if c["email"]}
