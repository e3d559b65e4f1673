"""Run the same test against the sync and the async client."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import httpx

import selzy

from .conftest import API_KEY, FakeClock, Server


class Driver:
    """Calls client methods and returns plain values, whichever flavour the client is."""

    def __init__(self, flavour: str, server: Server, clock: FakeClock, **options: Any) -> None:
        self.flavour = flavour
        if flavour == "sync":
            self.client: Any = selzy.Selzy(
                API_KEY,
                platform="TestSuite",
                transport=httpx.MockTransport(server.handler),
                clock=clock,
                **options,
            )
        else:
            self.client = selzy.AsyncSelzy(
                API_KEY,
                platform="TestSuite",
                transport=httpx.MockTransport(server.async_handler),
                clock=clock,
                **options,
            )

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.client, name)

        def run(*args: Any, **kwargs: Any) -> Any:
            if inspect.iscoroutinefunction(method):
                return asyncio.run(method(*args, **kwargs))
            return method(*args, **kwargs)

        return run
