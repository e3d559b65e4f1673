"""Shared seams for client tests: a fake clock and a recording mock transport."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

import selzy

API_KEY = "5ecret0api0key0for0tests0only0xyz"


class FakeClock:
    """Time that moves only when the client sleeps; every sleep is recorded."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


@dataclass
class Exchange:
    """One request as the server saw it."""

    method: str
    url: httpx.URL
    form: list[tuple[str, str]]
    headers: httpx.Headers

    @property
    def rpc(self) -> str:
        return self.url.path.split("/api/", 1)[1]

    @property
    def fields(self) -> dict[str, str]:
        return dict(self.form)


Reply = httpx.Response | Exception | Callable[[Exchange], httpx.Response]


@dataclass
class Server:
    """A scripted fake server: replies are taken in order; the last one repeats."""

    replies: list[Reply] = field(default_factory=list)
    seen: list[Exchange] = field(default_factory=list)

    def handler(self, request: httpx.Request) -> httpx.Response:
        content = request.read().decode()
        exchange = Exchange(
            request.method,
            request.url,
            parse_qsl(content, keep_blank_values=True),
            request.headers,
        )
        self.seen.append(exchange)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, Exception):
            raise reply
        if callable(reply):
            return reply(exchange)
        # A fresh copy each time: an httpx.Response is single-use.
        return httpx.Response(reply.status_code, headers=reply.headers, content=reply.content)

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        return self.handler(request)


def ok(result: Any = None, **extra: Any) -> httpx.Response:
    return httpx.Response(200, json={"result": result, **extra})


def err(code: str | None, message: str = "failed") -> httpx.Response:
    body: dict[str, Any] = {"error": message, "result": ""}
    if code is not None:
        body["code"] = code
    return httpx.Response(200, content=json.dumps(body).encode())


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server() -> Server:
    return Server(replies=[ok([])])


@pytest.fixture
def client(server: Server, clock: FakeClock) -> selzy.Selzy:
    return selzy.Selzy(
        API_KEY,
        platform="TestSuite",
        transport=httpx.MockTransport(server.handler),
        clock=clock,
    )


@pytest.fixture
def aclient(server: Server, clock: FakeClock) -> selzy.AsyncSelzy:
    return selzy.AsyncSelzy(
        API_KEY,
        platform="TestSuite",
        transport=httpx.MockTransport(server.async_handler),
        clock=clock,
    )
