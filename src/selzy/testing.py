"""Helpers for your own tests: a Selzy client wired to an in-process emulator.

::

    from selzy.testing import emulated_client

    def test_my_signup_flow():
        with emulated_client() as (client, emulator):
            my_code_that_imports_contacts(client)
            assert emulator.state_dump()["accounts"]...
            assert emulator.outbox()  # letters "sent"

Nothing leaves the process; time is the emulator's frozen clock (``emulator.advance(...)``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from selzy.client import AsyncSelzy, NoRateLimiter, Selzy
from selzy.emulator import Emulator, as_httpx_handler

#: The key of the account :func:`emulated_client` seeds.
TEST_API_KEY = "test0api0key0for0the0selzy0emulator"
TEST_PLATFORM = "SelzyTests"


def make_emulator(*, api_key: str = TEST_API_KEY, **seed: Any) -> Emulator:
    """An emulator with one seeded account: `Emulator.seed_account`'s defaults, or `seed`."""
    emulator = Emulator()
    emulator.seed_account(api_key, **seed)
    return emulator


def client_for(emulator: Emulator, api_key: str | None = TEST_API_KEY, **options: Any) -> Selzy:
    """A sync client whose calls go to ``emulator`` in process."""
    options.setdefault("platform", TEST_PLATFORM)
    options.setdefault("rate_limiter", NoRateLimiter())
    return Selzy(api_key, transport=httpx.MockTransport(as_httpx_handler(emulator)), **options)


def async_client_for(
    emulator: Emulator, api_key: str | None = TEST_API_KEY, **options: Any
) -> AsyncSelzy:
    """An async client whose calls go to ``emulator`` in process."""
    options.setdefault("platform", TEST_PLATFORM)
    options.setdefault("rate_limiter", NoRateLimiter())
    return AsyncSelzy(api_key, transport=httpx.MockTransport(as_httpx_handler(emulator)), **options)


@contextmanager
def emulated_client(**seed: Any) -> Iterator[tuple[Selzy, Emulator]]:
    """A seeded emulator and a client for it, closed on exit."""
    emulator = make_emulator(**seed)
    with client_for(emulator) as client:
        yield client, emulator
