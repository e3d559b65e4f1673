"""Every catalogue method answers an envelope (never a crash), whatever it is given."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import httpx
import pytest
from emuwire import Api

from selzy.emulator import Emulator, as_httpx_handler
from selzy.protocol import ERROR_CODES, METHODS

GARBAGE = {
    "list_id": "abc",
    "id": "-1",
    "message_id": "x",
    "campaign_id": "1e9",
    "email": "not-an-email",
    "field_names": "email",
    "data": "scalar",
    "fields": "scalar",
    "list_ids": "a,b",
    "start_time": "soon",
    "events": {"nope": "*"},
    "limit": "0",
}


@pytest.mark.parametrize("method", sorted(METHODS))
def test_no_arguments(api: Api, method: str) -> None:
    data = api.envelope(method)
    assert ("result" in data) != ("error" in data) or data.get("result") == ""
    if "error" in data:
        assert data["code"] in ERROR_CODES


@pytest.mark.parametrize("method", sorted(METHODS))
def test_garbage_arguments(api: Api, method: str) -> None:
    data = api.envelope(method, **GARBAGE)
    if "error" in data:
        assert data["code"] in ERROR_CODES


def test_async_client_through_the_same_handler(emulator: Emulator) -> None:
    emulator.seed_account("k")

    async def main() -> object:
        transport = httpx.MockTransport(as_httpx_handler(emulator))
        async with httpx.AsyncClient(transport=transport, base_url="https://api.selzy.com") as c:
            r = await c.post("/en/api/getLists?format=json", data={"api_key": "k"})
            return r.json()

    assert asyncio.run(main()) == {"result": [{"id": 100001, "title": "Newsletter"}]}


def test_serve_runs_until_interrupted() -> None:
    code = "from selzy.emulator import serve; serve('127.0.0.1', 0, api_key='k')"
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        url = line.split()[3]
        assert url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=url) as client:
            r = client.post("/en/api/getLists?format=json", data={"api_key": "k"})
            assert r.json()["result"][0]["title"] == "Newsletter"
        os.kill(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
