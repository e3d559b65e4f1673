"""No secret in an error report: the Connect and Register screens when something fails.

A failure Selzy's client knows (the rate limiter's Redis is down) is a message on the form. An
unexpected one is a 500, and Django's reports of it (the DEBUG page, the admins' mail) show every
frame's local variables and the POST data: the API key must be in neither.
"""

from __future__ import annotations

import logging
import socket
import sys
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

import pytest
from django.contrib import admin
from django.core import mail
from django.core.signals import got_request_exception
from django.http import HttpRequest
from django.test import Client, override_settings
from django.urls import reverse
from django.urls.converters import IntConverter
from django.utils.html import escape
from django.utils.log import AdminEmailHandler
from django.views.debug import (
    SafeExceptionReporterFilter,
    get_default_exception_reporter_filter,
    technical_500_response,
)

from selzy import Selzy
from selzy.contrib.django import client as client_module
from selzy.contrib.django.models import Connection
from selzy.emulator import SeededAccount

from .conftest import ACCOUNT_KEY
from .settings import SELZY
from .test_setup_screens import staff
from .test_webhooks import signed

pytestmark = pytest.mark.django_db

# Not the emulator's account: this key only ever reaches the exploding factory below.
SECRET_KEY = "errReport0secret0key0for0tests0QxZ7vW2k"
HIDDEN = "********************"  # Django's cleansed_substitute
EXPLODING = f"{__name__}.exploding_factory"

ExcInfo = tuple[type[BaseException], BaseException, TracebackType]


def exploding_factory(**options: Any) -> Selzy:
    """CLIENT_FACTORY that fails unexpectedly while the key is one of the callers' locals."""
    raise RuntimeError("the client factory broke")


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


# --- an unexpected failure: the reports keep the key out ------------------------------------


def crash(send: Callable[[], object], error: str) -> tuple[HttpRequest, ExcInfo]:
    """The request ``send`` makes, which fails with ``error``, and the error, as the handler
    saw them (got_request_exception is sent inside its ``except``)."""
    seen: list[tuple[HttpRequest, ExcInfo]] = []

    def keep(sender: Any, request: HttpRequest, **kwargs: Any) -> None:
        exc_type, exc, tb = sys.exc_info()
        assert exc_type is not None
        assert exc is not None
        assert tb is not None
        seen.append((request, (exc_type, exc, tb)))

    got_request_exception.connect(keep)
    try:
        with pytest.raises(RuntimeError, match=error):
            send()
    finally:
        got_request_exception.disconnect(keep)
    (caught,) = seen
    return caught


def crash_connect(client: Client) -> tuple[HttpRequest, ExcInfo]:
    """POST the Connect form with CLIENT_FACTORY raising."""
    with override_settings(SELZY={**SELZY, "CLIENT_FACTORY": EXPLODING}):
        return crash(
            lambda: client.post(reverse("admin:selzy_connect"), {"api_key": SECRET_KEY}),
            "the client factory broke",
        )


def assert_no_key(text: str) -> None:
    assert SECRET_KEY not in text
    assert SECRET_KEY[-8:] not in text


@pytest.mark.parametrize("debug", [True, False])
def test_the_debug_page_of_an_error_on_connect_hides_the_key(manager: Client, debug: bool) -> None:
    request, exc_info = crash_connect(manager)
    with override_settings(DEBUG=debug):
        page = technical_500_response(request, *exc_info).content.decode()
    # The page does show the view's frames and their variables, the key's among them...
    assert "the client factory broke" in page
    for frame in ("connect", "_verify_key", "make_client", "exploding_factory"):
        assert f"in {frame}" in page, frame
    assert "api_key" in page
    assert HIDDEN in page
    # ...but never its value, in a frame or in the POST data.
    assert_no_key(page)


@pytest.mark.parametrize("debug", [False, True])
def test_the_admins_error_mail_of_an_error_on_connect_hides_the_key(
    manager: Client, debug: bool
) -> None:
    request, exc_info = crash_connect(manager)
    record = logging.getLogger("django.request").makeRecord(
        "django.request",
        logging.ERROR,
        __file__,
        0,
        "Internal Server Error: %s",
        (request.path,),
        exc_info,
    )
    record.request = request
    with override_settings(DEBUG=debug, ADMINS=[("Ops", "ops@example.com")]):
        AdminEmailHandler(include_html=True).emit(record)
    (message,) = mail.outbox
    text = message.body
    (html, _mimetype) = message.alternatives[0]  # type: ignore[attr-defined]
    for body in (text, str(html)):
        assert "the client factory broke" in body
        assert "_verify_key" in body
        assert HIDDEN in body
        assert_no_key(body)
    assert_no_key(message.subject)


class BrokenBody:
    """A request body whose connection breaks while the view reads it."""

    def read(self, *args: Any) -> bytes:
        raise RuntimeError("the connection broke mid-body")

    readline = read


@pytest.mark.parametrize("debug", [True, False])
def test_an_error_in_the_public_webhook_hides_the_key(
    client: Client, connected: Connection, debug: bool
) -> None:
    """Selzy's webhook endpoint holds the stored key while it checks a body; an error there (the
    body cannot be read) is a 500 whose reports must not show it either. (A site's failing
    webhook_event handler no longer is: it runs after the answer.)"""
    body = signed(
        {
            "login": "ID1",
            "event_name": "unsubscribe",
            "event_time": "2025-01-06 10:00:00",
            "email": "a@example.com",
        },
        ACCOUNT_KEY,
    )
    request, exc_info = crash(
        lambda: client.post(
            reverse("admin:selzy_webhook"),
            body,
            content_type="application/json",
            **{"wsgi.input": BrokenBody()},
        ),
        "the connection broke mid-body",
    )
    with override_settings(DEBUG=debug):
        page = technical_500_response(request, *exc_info).content.decode()
    assert "in post" in page
    assert "in read" in page
    assert HIDDEN in page
    assert ACCOUNT_KEY not in page
    assert ACCOUNT_KEY[-8:] not in page


class SiteFilter(SafeExceptionReporterFilter):
    """A site's own DEFAULT_EXCEPTION_REPORTER_FILTER, with its own way of hiding."""

    cleansed_substitute = "[hidden by the site]"


@pytest.fixture
def site_filter() -> Iterator[None]:
    """DEFAULT_EXCEPTION_REPORTER_FILTER set to SiteFilter (Django caches the default filter
    for the life of the process: a site sets it once, a test has to forget it)."""
    get_default_exception_reporter_filter.cache_clear()
    with override_settings(DEFAULT_EXCEPTION_REPORTER_FILTER=f"{__name__}.SiteFilter"):
        yield
    get_default_exception_reporter_filter.cache_clear()


@pytest.mark.usefixtures("site_filter")
def test_the_sites_own_filter_is_kept_and_made_active(manager: Client) -> None:
    request, exc_info = crash_connect(manager)
    with override_settings(DEBUG=True):
        page = technical_500_response(request, *exc_info).content.decode()
    assert "[hidden by the site]" in page
    assert HIDDEN not in page
    assert_no_key(page)


def module_urls() -> list[str]:
    """Every URL the module adds to the admin, with made-up arguments."""
    urls = []
    for pattern in admin.site._registry[Connection].get_urls():
        name = pattern.name or ""
        if not name.startswith("selzy_") or name.startswith("selzy_connection_"):
            continue  # the ModelAdmin's own URLs
        converters = pattern.pattern.converters  # type: ignore[attr-defined]
        kwargs = {
            arg: 1 if isinstance(conv, IntConverter) else "x" for arg, conv in converters.items()
        }
        urls.append(reverse(f"admin:{name}", kwargs=kwargs))
    return urls


@override_settings(DEBUG=True)
@pytest.mark.usefixtures("connected")
def test_every_screen_of_the_module_hides_secrets_from_its_error_reports(
    manager: Client,
) -> None:
    urls = module_urls()
    assert len(urls) >= 18  # every screen, the segment file and the webhook
    for url in urls:
        request = manager.get(url).wsgi_request
        assert request.exception_reporter_filter.is_active(request), url  # type: ignore[attr-defined]
