"""Where the module gets its Selzy client: built from the settings, or by CLIENT_FACTORY.

``SELZY["CLIENT_FACTORY"]`` names a callable taking the same keyword arguments as
:class:`selzy.Selzy` (api_key, platform, base_url, lang, timeout, max_retries, and rate_limiter
when ``SELZY["RATE_LIMITER"]`` is a Redis URL) and returning a client; tests and the demo use it
to put the emulator behind the module.

The functions that hold the key are marked ``sensitive_variables()``: Django's error reports
hide their variables and those of everything they call (the factory, the client's constructor);
see :mod:`.redaction`.

Every client of a process shares one rate limiter (:func:`rate_limiter`): the in-memory one, or
a handle on the Redis buckets every worker shares. Bucket names carry a hash of the API key, so
one limiter serves any number of keys.
"""

from __future__ import annotations

import threading
from typing import Any

from django.utils.module_loading import import_string
from django.views.decorators.debug import sensitive_variables

from selzy import Selzy
from selzy.client import InMemoryRateLimiter, RateLimiter, RedisRateLimiter

from .conf import MEMORY_RATE_LIMITER, selzy_settings
from .models import Connection

_limiters: dict[str, RateLimiter] = {}
_limiters_lock = threading.Lock()


class NotConnectedError(Exception):
    """No Selzy account is linked yet."""


def rate_limiter() -> RateLimiter:
    """This process's limiter for ``SELZY["RATE_LIMITER"]``, made on first use and then shared
    by every client (and thread) of the process.

    A Redis limiter keeps its connection pool for the life of the process; redis-py opens new
    connections in a forked child (a prefork worker), so it is safe to create before a fork.
    """
    spec = selzy_settings().rate_limiter
    with _limiters_lock:
        limiter = _limiters.get(spec)
        if limiter is None:
            if spec == MEMORY_RATE_LIMITER:
                limiter = InMemoryRateLimiter()
            else:
                limiter = RedisRateLimiter(spec)
            _limiters[spec] = limiter
    return limiter


def close_rate_limiters() -> None:
    """Close the Redis limiters' connection pools and forget every limiter of this process
    (tests; a process that changes ``SELZY["RATE_LIMITER"]`` at run time)."""
    with _limiters_lock:
        limiters = list(_limiters.values())
        _limiters.clear()
    for limiter in limiters:
        if isinstance(limiter, RedisRateLimiter):
            limiter.close()


@sensitive_variables()
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
        if conf.rate_limiter != MEMORY_RATE_LIMITER:
            # A factory written before this setting keeps working with the default; one that
            # meters through the shared buckets gets them here.
            options["rate_limiter"] = rate_limiter()
        factory = import_string(conf.client_factory)
        client: Selzy = factory(**options)
        return client
    api_key = options.pop("api_key")
    return Selzy(api_key, rate_limiter=rate_limiter(), **options)


@sensitive_variables()
def connected_client() -> Selzy:
    """The client of the linked account."""
    connection = Connection.current()
    if not connection.is_connected:
        raise NotConnectedError("Connect a Selzy account first")
    return make_client(connection.api_key)
