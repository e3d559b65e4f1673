"""Fixtures of the Django module's tests: an emulator per test, behind CLIENT_FACTORY."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from selzy.emulator import Emulator, SeededAccount

from . import emulated

ACCOUNT_KEY = "django0test0account0key0123456789"


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
