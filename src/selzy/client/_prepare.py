"""Building the HTTP request of one call (sans I/O), and reading httpx failures.

Kept apart from the I/O loops so both clients, the sync and the async, share one implementation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from selzy._version import __version__
from selzy.protocol import MethodSpec

from ._constants import USER_AGENT
from ._encoding import encode_form
from ._exceptions import APIConnectionError, APITimeoutError
from ._options import ClientOptions
from ._ratelimit import Bucket, buckets_for, key_fingerprint

_HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
    "Accept": "application/json",
    "User-Agent": f"{USER_AGENT}/{__version__}",
}


@dataclass(frozen=True, slots=True, repr=False)
class PreparedRequest:
    """What goes on the wire for one call. Its repr leaves the body out: the key is in there."""

    spec: MethodSpec
    url: str
    body: bytes
    headers: Mapping[str, str]
    buckets: tuple[Bucket, ...]

    def __repr__(self) -> str:
        return f"PreparedRequest({self.spec.name!r}, {len(self.body)} bytes)"


def prepare_request(
    options: ClientOptions, spec: MethodSpec, params: Mapping[str, Any]
) -> PreparedRequest:
    """The request for ``spec``: format in the query, everything else in the body."""
    body_params = options.common_params()
    body_params.update(params)
    return PreparedRequest(
        spec=spec,
        url=options.endpoint(spec.path),
        body=encode_form(body_params),
        headers=_HEADERS,
        buckets=buckets_for(key_fingerprint(options.api_key), spec.name),
    )


# httpx raises these before a single byte of the request left this machine.
_NOT_SENT: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
    httpx.ProxyError,
)


def connection_error(method: str, exc: httpx.TransportError) -> APIConnectionError:
    """The selzy error for an httpx transport failure, saying whether the request left."""
    sent = not isinstance(exc, _NOT_SENT)
    kind = type(exc).__name__
    where = "before the request was sent" if not sent else "after the request was sent"
    detail = str(exc) or kind
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(
            f"{method}: {kind} {where} ({detail})", method=method, request_sent=sent
        )
    return APIConnectionError(
        f"{method}: {kind} {where} ({detail})", method=method, request_sent=sent
    )
