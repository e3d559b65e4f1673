"""The API key never shows: not in a URL, a repr, an exception or a log line."""

from __future__ import annotations

import logging
import pickle
import traceback

import httpx
import pytest

import selzy
import selzy.types
from selzy.client._prepare import prepare_request
from selzy.protocol import method_spec

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


def test_no_client_object_that_carries_a_key_shows_it_in_its_repr(
    server: Server, clock: FakeClock
) -> None:
    """Django's error reports print every local of every frame by its repr: the client, its
    options, a prepared request (whose body holds the key) and register's answer (the new key)
    all go through them."""
    new_key = "n3wAcc0unt0k3y0fr0m0register0Q7x"
    server.replies = [ok({"api_key": new_key, "user_id": 7, "nested": [{"api_key": new_key}]})]
    transport = httpx.MockTransport(server.handler)
    client = selzy.Selzy(API_KEY, platform="TestSuite", transport=transport, clock=clock)
    aclient = selzy.AsyncSelzy(API_KEY, platform="TestSuite", clock=clock)
    keyless = selzy.Selzy(None, platform="TestSuite", transport=transport, clock=clock)
    prepared = prepare_request(client._options, method_spec("getLists"), {})
    assert API_KEY.encode() in prepared.body  # the body does carry it...
    response = keyless.request("register", {"email": "a@shop.example", "password": "pw0rd"})
    assert response.result["api_key"] == new_key  # ...and so does register's answer
    carriers = [
        client,
        client.with_options(max_retries=0),
        client._options,
        aclient,
        aclient.with_options(max_retries=0),
        prepared,
        response,
        selzy.types.Registered.from_api(response.result),
    ]
    for carrier in carriers:
        text = repr(carrier)
        assert API_KEY not in text, type(carrier).__name__
        assert new_key not in text, type(carrier).__name__
        assert new_key[-8:] not in text, type(carrier).__name__
    assert repr(response).count("'api_key': '****0Q7x'") == 2  # the one rule: the last four
    assert "'user_id': 7" in repr(response)  # the rest of the answer still shows


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
