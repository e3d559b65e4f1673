"""Where the module gets its Selzy client: built from the settings, or by CLIENT_FACTORY.

``SELZY["CLIENT_FACTORY"]`` names a callable taking the same keyword arguments as
:class:`selzy.Selzy` (api_key, platform, base_url, lang, timeout, max_retries) and returning a
client; tests and the demo use it to put the emulator behind the module.
"""

from __future__ import annotations

from typing import Any

from django.utils.module_loading import import_string

from selzy import Selzy

from .conf import selzy_settings
from .models import Connection


class NotConnectedError(Exception):
    """No Selzy account is linked yet."""


def make_client(api_key: str | None) -> Selzy:
    """A client for ``api_key`` (None: the key-less client that may only call register)."""
    conf = selzy_settings()
    options: dict[str, Any] = {
        "api_key": api_key,
        "platform": conf.platform,
        "base_url": conf.base_url,
        "lang": conf.lang,
        "timeout": conf.timeout,
        "max_retries": conf.max_retries,
    }
    if conf.client_factory:
        factory = import_string(conf.client_factory)
        client: Selzy = factory(**options)
        return client
    api_key = options.pop("api_key")
    return Selzy(api_key, **options)


def connected_client() -> Selzy:
    """The client of the linked account."""
    connection = Connection.current()
    if not connection.is_connected:
        raise NotConnectedError("Connect a Selzy account first")
    return make_client(connection.api_key)
