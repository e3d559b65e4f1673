"""Fixtures of the Django module's tests: an emulator per test, behind CLIENT_FACTORY.

With ``SELZY_TEST_DB=postgres`` (``make test``'s second pass) the tests run on PostgreSQL; when
it is not reachable the pass stops at once with the reason (exit 0), or fails under CI=true.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches

from selzy.emulator import Emulator, SeededAccount

from . import emulated

ACCOUNT_KEY = "django0test0account0key0123456789"


def _connect_to(database: dict[str, Any]) -> None:
    import psycopg

    psycopg.connect(
        dbname=database["NAME"],
        user=database.get("USER") or None,
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        connect_timeout=3,
    ).close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, prove the server answers before pytest-django creates the test database.

    One line says why instead of a skip per test: the pass ends there (exit 0), or fails under
    CI=true, where the server is part of the machine.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if not items or database["ENGINE"] != "django.db.backends.postgresql":
        return
    where = f"{database.get('HOST')}:{database.get('PORT')}"
    try:
        _connect_to(database)
    except Exception as exc:  # whatever the driver raises: the server is not usable here
        reason = f"PostgreSQL at {where} is not reachable: {type(exc).__name__}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.exit(f"{reason} (required under CI=true)", returncode=1)
        pytest.exit(f"The PostgreSQL pass is skipped: {reason}", returncode=0)


@pytest.fixture(autouse=True)
def emulator() -> Iterator[Emulator]:
    emulator = Emulator(seed=11)
    emulated.CURRENT["emulator"] = emulator
    yield emulator
    emulated.CURRENT.pop("emulator", None)


@pytest.fixture
def account(emulator: Emulator) -> SeededAccount:
    return emulator.seed_account(
        ACCOUNT_KEY, lists=("Newsletter", "Customers"), fields={"Name": "string"}
    )


@pytest.fixture
def connected(db: Any, account: SeededAccount) -> Any:
    """The module linked to the seeded account (as if the Connect screen had run)."""
    from django.utils import timezone

    from selzy.contrib.django.models import Connection

    connection = Connection.current()
    connection.set_api_key(account.api_key)
    connection.login = account.login
    connection.connected_at = timezone.now()
    connection.save()
    return connection


@pytest.fixture
def leads(db: Any) -> list[Any]:
    from tests.contrib_django.crm.models import Lead

    rows = []
    for i in range(1203):
        rows.append(
            Lead(
                email=f"lead{i}@crm.example" if i % 300 != 5 else f"broken{i}@@crm",
                name=f"Lead {i}",
                phone=f"+4930{i:07d}" if i % 2 else "",
                company="ACME" if i % 3 else "",
                score=i % 100,
                consent=i % 50 != 0,
            )
        )
    return Lead.objects.bulk_create(rows)


def map_leads() -> None:
    """The leads' email and name mapped, as the mapping screen saves them."""
    from selzy.contrib.django.models import MappedField

    for source_field, selzy_field in (("email", "email"), ("name", "Name")):
        MappedField.objects.create(
            source="leads", source_field=source_field, selzy_field=selzy_field, selzy_type="string"
        )


@pytest.fixture
def ready(connected: Any, account: SeededAccount) -> Any:
    """Setup done: connected, the Customers list and the leads source chosen, email and Name
    mapped."""
    from django.utils import timezone

    connected.list_id = account.list_ids["Customers"]
    connected.list_title = "Customers"
    connected.source = "leads"
    connected.mapping_completed_at = timezone.now()
    connected.save()
    map_leads()
    return connected


@pytest.fixture
def campaign(connected: Any) -> Any:
    """A campaign created in Selzy (id 700001), scheduled: what the webhooks talk about."""
    from selzy.contrib.django.models import Campaign, Message

    message = Message.objects.create(
        message_id=500001,
        list_id=1,
        sender_name="CRM",
        sender_email="news@example.com",
        subject="Hi",
        body="<p>Hi</p>",
    )
    return Campaign.objects.create(
        message=message, campaign_id=700001, stage="created", status="scheduled"
    )


@pytest.fixture
def fresh_limits() -> Iterator[None]:
    """The sign-up forms' rate limits (counted in Django's cache) start and end empty."""
    caches["default"].clear()
    yield
    caches["default"].clear()
