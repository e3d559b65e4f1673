"""Screens show the key by the client's one rule (selzy.client.key_hint), not one of their own."""

from __future__ import annotations

import pytest

from selzy.client import key_hint, mask_key
from selzy.contrib.django.models import Connection

from .conftest import ACCOUNT_KEY


@pytest.mark.parametrize(
    "api_key", [ACCOUNT_KEY, "sixteen0chars0ab", "fifteen0chars0a", "twelve0chars", "short"]
)
def test_the_connection_masks_its_key_as_the_client_does(api_key: str) -> None:
    connection = Connection()
    assert connection.masked_key == ""  # nothing linked yet
    connection.set_api_key(api_key)
    assert connection.key_hint == key_hint(api_key)
    assert connection.masked_key == mask_key(api_key, bullets="••••")
    if len(api_key) < 16:
        assert connection.masked_key == "••••"
    assert api_key not in connection.masked_key + repr(connection)
