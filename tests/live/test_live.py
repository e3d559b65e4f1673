"""Read-only checks against the real Selzy API. They run only when SELZY_API_KEY is set.

SELZY_BASE_URL picks another host; SELZY_PLATFORM the platform name (default SelzyConnectTests).
Nothing here creates, sends or deletes anything in the account.
"""

from __future__ import annotations

import os

import pytest

import selzy

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not os.environ.get("SELZY_API_KEY"),
        reason="SELZY_API_KEY is not set: live tests talk to the real Selzy API",
    ),
]


@pytest.fixture
def client() -> selzy.Selzy:
    return selzy.Selzy(
        os.environ["SELZY_API_KEY"],
        platform=os.environ.get("SELZY_PLATFORM", "SelzyConnectTests"),
        base_url=os.environ.get("SELZY_BASE_URL", "https://api.selzy.com"),
    )


def test_key_is_verified_with_get_lists(client: selzy.Selzy) -> None:
    lists = client.get_lists()
    assert all(item.id > 0 for item in lists)


def test_fields_and_senders_are_readable(client: selzy.Selzy) -> None:
    for field in client.get_fields():
        assert field.type in ("string", "text", "number", "date", "bool")
    login = client.get_user_info().login
    assert isinstance(client.get_checked_email(login=login), list)


def test_a_wrong_key_is_an_invalid_api_key_error(client: selzy.Selzy) -> None:
    with pytest.raises(selzy.InvalidAPIKeyError):
        client.with_options(api_key="0" * 40, max_retries=0).get_lists()
