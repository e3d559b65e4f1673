"""Run the same test against the sync and the async client."""

from __future__ import annotations

from typing import Any

import httpx

import selzy

from .._blocking import Blocking
from .conftest import API_KEY, FakeClock, Server


class Driver(Blocking):
    """A client of the given flavour on the fake server, called as if it were sync."""

    def __init__(self, flavour: str, server: Server, clock: FakeClock, **options: Any) -> None:
        if flavour == "sync":
            client: Any = selzy.Selzy(
                API_KEY,
                platform="TestSuite",
                transport=httpx.MockTransport(server.handler),
                clock=clock,
                **options,
            )
        else:
            client = selzy.AsyncSelzy(
                API_KEY,
                platform="TestSuite",
                transport=httpx.MockTransport(server.async_handler),
                clock=clock,
                **options,
            )
        super().__init__(client)
