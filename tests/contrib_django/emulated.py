"""The emulator behind the module in tests: one in-process emulator per test (see conftest)."""

from __future__ import annotations

from typing import Any

import httpx

from selzy import Selzy
from selzy.client import NoRateLimiter
from selzy.emulator import Emulator, as_httpx_handler

CURRENT: dict[str, Emulator] = {}


def client_factory(**options: Any) -> Selzy:
    """CLIENT_FACTORY: a client whose calls go to the current test's emulator."""
    emulator = CURRENT["emulator"]
    api_key = options.pop("api_key")
    # Given only when SELZY["RATE_LIMITER"] is a Redis URL; otherwise calls go unmetered.
    rate_limiter = options.pop("rate_limiter", None) or NoRateLimiter()
    return Selzy(
        api_key,
        transport=httpx.MockTransport(as_httpx_handler(emulator)),
        rate_limiter=rate_limiter,
        **options,
    )
