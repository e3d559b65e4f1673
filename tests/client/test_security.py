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


@pytest.mark.parametrize(
    ("api_key", "hint"),
    [
        (API_KEY, "0xyz"),
        ("sixteen0chars0ab", "s0ab"),  # 16 characters: the shortest key that shows four
        ("fifteen0chars0a", ""),
        ("short-key", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_one_rule_says_how_much_of_a_key_shows(api_key: str | None, hint: str) -> None:
    assert selzy.client.key_hint(api_key) == hint
    assert selzy.client.mask_key(api_key) == (f"****{hint}" if api_key else "<none>")
    assert selzy.client.mask_key(api_key, bullets="••") == (f"••{hint}" if api_key else "<none>")


@pytest.mark.parametrize("length", range(1, 16))
def test_a_short_key_shows_none_of_its_characters(length: int) -> None:
    api_key = "k" * (length - 1) + "Z"
    assert selzy.client.key_hint(api_key) == ""
    assert "k" not in selzy.client.mask_key(api_key)
    assert "Z" not in selzy.client.mask_key(api_key)
