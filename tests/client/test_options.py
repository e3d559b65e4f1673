"""Construction, validation, copies and closing."""

from __future__ import annotations

import httpx
import pytest

import selzy

from .conftest import API_KEY, Server, ok


@pytest.mark.parametrize("platform", ["My Site", "", "site-1", "Сайт", "a" * 65, "x_y"])
def test_platform_must_be_latin_letters_and_digits(platform: str) -> None:
    with pytest.raises(selzy.ClientValidationError, match="Latin letters and digits"):
        selzy.Selzy(API_KEY, platform=platform)


def test_platform_is_required() -> None:
    with pytest.raises(TypeError):
        selzy.Selzy(API_KEY)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"base_url": "ftp://example.com"}, "http"),
        ({"base_url": f"https://api.selzy.com/?api_key={API_KEY}"}, "query"),
        ({"lang": "english"}, "two-letter"),
        ({"max_retries": -1}, "max_retries"),
    ],
)
def test_bad_options_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(selzy.ClientValidationError, match=message) as info:
        selzy.Selzy(API_KEY, platform="MySite", **kwargs)  # type: ignore[arg-type]
    assert API_KEY not in str(info.value)


@pytest.mark.parametrize("key", ["", "   ", "has space inside"])
def test_bad_keys_are_refused(key: str) -> None:
    with pytest.raises(selzy.ClientValidationError):
        selzy.Selzy(key, platform="MySite")


def test_keyless_client_may_only_register(server: Server) -> None:
    server.replies = [ok({"api_key": "new-key", "user_id": 5})]
    client = selzy.Selzy(platform="MySite", transport=httpx.MockTransport(server.handler))
    with pytest.raises(selzy.ClientValidationError, match="needs an API key"):
        client.get_lists()
    assert client.call("register", email="owner@example.com", need_confirm=True)["user_id"] == 5
    assert "api_key" not in server.seen[0].fields
    assert server.seen[0].fields["platform"] == "MySite"


def test_with_options_copies_and_shares_the_pool(server: Server) -> None:
    client = selzy.Selzy(API_KEY, platform="MySite", transport=httpx.MockTransport(server.handler))
    other = client.with_options(max_retries=0, lang="ru", api_key="other-key-0123456789")
    assert other.max_retries == 0
    assert client.max_retries == 3
    assert other._http is client._http
    other.get_lists()
    assert server.seen[-1].url.path == "/ru/api/getLists"
    assert server.seen[-1].fields["api_key"] == "other-key-0123456789"
    other.close()
    assert not client._http.is_closed  # the copy leaves the pool to the original
    client.close()
    assert client._http.is_closed


def test_context_managers_close(server: Server) -> None:
    with selzy.Selzy(
        API_KEY, platform="MySite", transport=httpx.MockTransport(server.handler)
    ) as c:
        c.get_lists()
    assert c._http.is_closed


@pytest.mark.asyncio
async def test_async_context_manager_closes(server: Server) -> None:
    transport = httpx.MockTransport(server.async_handler)
    async with selzy.AsyncSelzy(API_KEY, platform="MySite", transport=transport) as c:
        assert await c.get_lists() == []
    assert c._http.is_closed
