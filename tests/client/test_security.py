"""The API key never shows: not in a URL, a repr, an exception or a log line."""

from __future__ import annotations

import logging
import pickle
import traceback

import httpx
import pytest

import selzy

from ._adapters import Driver
from .conftest import API_KEY, FakeClock, Server, err, ok

FAILURES = [
    err("invalid_api_key", f"Invalid API key {API_KEY}"),
    err("invalid_arg", f"api_key={API_KEY} is not allowed here"),
    httpx.Response(500, content=f"Internal error for key {API_KEY}".encode()),
    httpx.Response(200, content=f"<html>{API_KEY}</html>".encode()),
    httpx.ConnectError("refused"),
    httpx.ReadTimeout("slow"),
]


@pytest.mark.parametrize("flavour", ["sync", "async"])
@pytest.mark.parametrize("failure", FAILURES, ids=lambda f: type(f).__name__)
def test_key_absent_from_errors_and_logs(
    flavour: str,
    server: Server,
    clock: FakeClock,
    failure: object,
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = Driver(flavour, server, clock, max_retries=1)
    server.replies = [failure]  # type: ignore[list-item]
    with caplog.at_level(logging.DEBUG), pytest.raises(selzy.SelzyError) as info:
        api.get_lists()
    error = info.value
    texts = [
        str(error),
        repr(error),
        "".join(traceback.format_exception(error)),
        repr(vars(error)),
        caplog.text,
        repr(api.client),
    ]
    texts += [str(e.url) for e in server.seen]
    for text in texts:
        assert API_KEY not in text
    if isinstance(error, selzy.APIError):
        assert "***" in error.message
        assert pickle.loads(pickle.dumps(error)).message == error.message  # noqa: S301


def test_client_repr_masks_the_key(server: Server, clock: FakeClock) -> None:
    client = selzy.Selzy(
        API_KEY, platform="TestSuite", transport=httpx.MockTransport(server.handler)
    )
    assert API_KEY not in repr(client)
    assert client.masked_api_key == "****0xyz"
    assert API_KEY not in repr(client._options)
    assert API_KEY not in repr(client.with_options(max_retries=0))


def test_debug_logging_of_a_successful_flow_is_clean(
    server: Server, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    server.replies = [ok([{"id": 1, "title": "A"}], warnings=[{"warning": f"key {API_KEY}"}])]
    client = selzy.Selzy(
        API_KEY, platform="TestSuite", transport=httpx.MockTransport(server.handler)
    )
    with caplog.at_level(logging.DEBUG):
        client.get_lists()
        client.call("getFields")
    assert caplog.records
    assert API_KEY not in caplog.text
