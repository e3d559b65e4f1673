"""Fixtures for raw-HTTP tests of the emulator: no selzy client, only httpx and form bodies."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from emuwire import KEY, Api

from selzy.emulator import Emulator, SeededAccount, as_httpx_handler


@pytest.fixture
def emulator() -> Emulator:
    return Emulator(seed=7)


@pytest.fixture
def seeded(emulator: Emulator) -> SeededAccount:
    return emulator.seed_account(KEY, fields={"Name": "string", "Age": "number"})


@pytest.fixture
def http(emulator: Emulator) -> Iterator[httpx.Client]:
    transport = httpx.MockTransport(as_httpx_handler(emulator))
    with httpx.Client(transport=transport, base_url="https://api.selzy.com") as client:
        yield client


@pytest.fixture
def api(http: httpx.Client, seeded: SeededAccount) -> Api:
    return Api(http, seeded.api_key)
