"""Retries: counted, backed off, and never a create repeated after it may have taken effect."""

from __future__ import annotations

import httpx
import pytest

import selzy

from ._adapters import Driver
from .conftest import FakeClock, Server, err, ok

pytestmark = pytest.mark.parametrize("flavour", ["sync", "async"])


def read_timeout(request: httpx.Request | None = None) -> httpx.ReadTimeout:
    return httpx.ReadTimeout("timed out waiting for the answer")


def test_retry_later_is_retried_with_backoff(
    flavour: str, server: Server, clock: FakeClock
) -> None:
    api = Driver(flavour, server, clock)
    server.replies = [err("retry_later"), err("retry_later"), ok([{"id": 1, "title": "A"}])]
    response = api.request("getLists")
    assert response.retries_taken == 2
    assert len(server.seen) == 3
    # 0.5 s then 1 s, each shortened by at most a quarter of jitter.
    assert 0.375 <= clock.sleeps[0] <= 0.5
    assert 0.75 <= clock.sleeps[1] <= 1.0


def test_retries_stop_at_max_retries(flavour: str, server: Server, clock: FakeClock) -> None:
    api = Driver(flavour, server, clock, max_retries=2)
    server.replies = [err("retry_later")]
    with pytest.raises(selzy.RetryLaterError):
        api.get_lists()
    assert len(server.seen) == 3


def test_refused_create_is_retried(flavour: str, server: Server, clock: FakeClock) -> None:
    """An error envelope means the server did nothing: even createCampaign may go again."""
    api = Driver(flavour, server, clock)
    server.replies = [err("retry_later"), ok({"campaign_id": 7, "status": "scheduled"})]
    assert api.call("createCampaign", message_id=3) == {"campaign_id": 7, "status": "scheduled"}
    assert len(server.seen) == 2


@pytest.mark.parametrize("method", ["createCampaign", "createList", "sendEmail", "register"])
def test_create_is_not_retried_after_a_read_timeout(
    flavour: str, server: Server, clock: FakeClock, method: str
) -> None:
    api = Driver(flavour, server, clock)
    server.replies = [read_timeout(), ok({"campaign_id": 7})]
    with pytest.raises(selzy.APITimeoutError) as info:
        api.call(method, message_id=3)
    assert info.value.request_sent is True
    assert len(server.seen) == 1


@pytest.mark.parametrize(
    "failure",
    [httpx.RemoteProtocolError("Server disconnected"), httpx.ReadError("reset by peer")],
)
def test_create_is_not_retried_after_a_dropped_answer(
    flavour: str, server: Server, clock: FakeClock, failure: Exception
) -> None:
    api = Driver(flavour, server, clock)
    server.replies = [failure, ok({"campaign_id": 7})]
    with pytest.raises(selzy.APIConnectionError):
        api.call("createCampaign", message_id=3)
    assert len(server.seen) == 1


def test_create_is_retried_when_the_request_never_left(
    flavour: str, server: Server, clock: FakeClock
) -> None:
    api = Driver(flavour, server, clock)
    server.replies = [
        httpx.ConnectError("connection refused"),
        httpx.ConnectTimeout("connect timed out"),
        ok({"campaign_id": 7, "status": "scheduled", "count": 0}),
    ]
    assert api.request("createCampaign", {"message_id": 3}).retries_taken == 2


def test_create_is_not_retried_after_a_5xx(flavour: str, server: Server, clock: FakeClock) -> None:
    api = Driver(flavour, server, clock)
    server.replies = [httpx.Response(502, content=b"bad gateway"), ok({"campaign_id": 7})]
    with pytest.raises(selzy.APIStatusError):
        api.call("createCampaign", message_id=3)
    assert len(server.seen) == 1


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(500, content=b"oops"),
        httpx.Response(503, content=b"busy"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.Response(429, content=b"slow down"),
    ],
    ids=["500", "503", "read-timeout", "dropped", "429"],
)
def test_reads_and_upserts_are_retried(
    flavour: str, server: Server, clock: FakeClock, failure: object
) -> None:
    api = Driver(flavour, server, clock)
    server.replies = [failure, ok({"total": 1, "inserted": 1}), ok([])]  # type: ignore[list-item]
    response = api.request(
        "importContacts", {"field_names": ["email"], "data": [["a@example.com"]]}
    )
    assert response.retries_taken == 1
    server.replies = [failure, ok([])]  # type: ignore[list-item]
    assert api.request("getLists").retries_taken == 1


def test_rate_limit_reply_waits_for_the_next_window(
    flavour: str, server: Server, clock: FakeClock
) -> None:
    clock.now = 1_700_000_015.0  # 15 s into a minute (1_700_000_000 is 20 s past one)
    api = Driver(flavour, server, clock)
    server.replies = [err("api_call_limit_exceeded_for_api_key"), ok([])]
    assert api.request("getLists").retries_taken == 1
    to_boundary = 60 - (1_700_000_015.0 % 60)
    assert to_boundary <= clock.sleeps[-1] <= to_boundary + 1.0


def test_ip_rate_limit_is_retried_for_creates_too(
    flavour: str, server: Server, clock: FakeClock
) -> None:
    api = Driver(flavour, server, clock)
    server.replies = [err("api_call_limit_exceeded_for_ip"), ok({"message_id": 5})]
    assert api.call("createEmailMessage", subject="s") == {"message_id": 5}


@pytest.mark.parametrize("code", ["invalid_arg", "invalid_api_key", "unspecified", "access_denied"])
def test_api_errors_are_not_retried(
    flavour: str, server: Server, clock: FakeClock, code: str
) -> None:
    api = Driver(flavour, server, clock)
    server.replies = [err(code)]
    with pytest.raises(selzy.APIError):
        api.get_lists()
    assert len(server.seen) == 1
    assert clock.sleeps == []


def test_max_retries_zero_disables_retries(flavour: str, server: Server, clock: FakeClock) -> None:
    api = Driver(flavour, server, clock, max_retries=0)
    server.replies = [httpx.ConnectError("refused")]
    with pytest.raises(selzy.APIConnectionError) as info:
        api.get_lists()
    assert info.value.request_sent is False
    assert len(server.seen) == 1
