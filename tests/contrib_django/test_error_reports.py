"""The Connect and Register screens when something fails: a failure Selzy's client knows (the
rate limiter's Redis is down) is a message on the form."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.html import escape

from selzy.contrib.django import client as client_module
from selzy.contrib.django.models import Connection
from selzy.emulator import SeededAccount

from .conftest import ACCOUNT_KEY
from .settings import SELZY
from .test_setup_screens import staff

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on (taken from the OS, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def manager(client: Client) -> Client:
    client.force_login(staff("manager", "manage_selzy", "send_selzy_campaigns"))
    return client


@pytest.fixture
def redis_down() -> Iterator[str]:
    """SELZY["RATE_LIMITER"] on a Redis URL nobody answers; the limiter made afresh."""
    url = f"redis://127.0.0.1:{closed_port()}/0"
    client_module.close_rate_limiters()
    with override_settings(SELZY={**SELZY, "RATE_LIMITER": url}):
        yield url
    client_module.close_rate_limiters()


# --- a known failure: a message on the form ------------------------------------------------


@pytest.mark.usefixtures("redis_down")
def test_connect_with_the_rate_limiter_down_is_a_message_on_the_form(
    manager: Client, account: SeededAccount
) -> None:
    response = manager.post(reverse("admin:selzy_connect"), {"api_key": ACCOUNT_KEY})
    assert response.status_code == 200
    errors = response.context["form"].errors["api_key"]
    assert len(errors) == 1
    assert "rate limiter could not be reached" in errors[0]
    assert "nothing was sent to Selzy" in errors[0]
    assert "Nothing was saved." in errors[0]
    assert "Connection refused" in errors[0]  # Redis's own words, for whoever fixes it
    assert escape(errors[0]) in response.content.decode()
    assert ACCOUNT_KEY not in response.content.decode()
    assert not Connection.current().is_connected


@pytest.mark.usefixtures("redis_down")
def test_register_with_the_rate_limiter_down_is_a_message_on_the_form(manager: Client) -> None:
    response = manager.post(
        reverse("admin:selzy_register"),
        {"email": "owner@shop.example", "password": "s3cret-Pass-word"},
    )
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1
    assert "rate limiter could not be reached" in errors[0]
    # Unlike a lost answer, nothing left: the account was certainly not created.
    assert "may or may not" not in errors[0]
    assert "Nothing was saved." in errors[0]
    assert not Connection.current().is_connected
