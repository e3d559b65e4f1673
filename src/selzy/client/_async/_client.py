"""The asynchronous client. The blocking twin in ``_blocking/`` is generated from it."""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import replace
from types import TracebackType
from typing import Any, Self

import httpx

from selzy.protocol import DEFAULT_BASE_URL, DEFAULT_LANG, method_spec

from .._clock import SYSTEM_CLOCK, Clock
from .._constants import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
from .._exceptions import ClientValidationError, RateLimiterUnavailableError, SelzyError
from .._files import FILE_CHUNK_SIZE, FILE_HEADERS, status_error, task_file_url, transport_error
from .._keys import mask_key
from .._options import (
    ClientOptions,
    validate_api_key,
    validate_base_url,
    validate_lang,
    validate_platform,
)
from .._prepare import PreparedRequest, connection_error, prepare_request
from .._ratelimit import InMemoryRateLimiter, RateLimiter
from .._response import APIResponse, parse_response
from .._retry import RetryPolicy, retry_delay
from .._types._campaigns import TaskResult
from ._methods import AsyncMethods

logger = logging.getLogger("selzy")

_UNSET: Any = object()


class AsyncSelzy(AsyncMethods):
    """Asynchronous Selzy API client.

    ``AsyncSelzy(api_key, platform="MySite")``; every call carries ``platform``, the key travels
    in the POST body only. Use as ``async with AsyncSelzy(...) as client:`` or call ``aclose()``.

    Arguments:
        api_key: the account's API key; None only to call ``register``.
        platform: your system's name in Latin letters and digits, agreed with Selzy.
        base_url: the API host (the emulator's URL in tests and demos).
        lang: language of the server's messages, the ``/{lang}/api/`` segment.
        timeout: seconds or an ``httpx.Timeout``.
        max_retries: how many times a failed call may be repeated (see ``_retry``).
        transport: an httpx transport (``httpx.MockTransport`` in tests).
        rate_limiter: where calls are metered; in-process by default, shareable (Redis) by design.
        clock: time source for waits (tests inject a fake one).
        http_client: an ``httpx.AsyncClient`` to use instead of the client's own.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        platform: str,
        base_url: str = DEFAULT_BASE_URL,
        lang: str = DEFAULT_LANG,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        transport: httpx.AsyncBaseTransport | None = None,
        rate_limiter: RateLimiter | None = None,
        clock: Clock | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ClientValidationError(f"max_retries must be an integer >= 0, got {max_retries!r}")
        clock = clock or SYSTEM_CLOCK
        self._options = ClientOptions(
            api_key=validate_api_key(api_key),
            platform=validate_platform(platform),
            base_url=validate_base_url(base_url),
            lang=validate_lang(lang),
            timeout=timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout),
            retry=RetryPolicy(max_retries=max_retries),
            rate_limiter=rate_limiter or InMemoryRateLimiter(clock=clock),
            clock=clock,
        )
        self._transport = transport
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            transport=transport, timeout=self._options.timeout, follow_redirects=False
        )

    @property
    def platform(self) -> str:
        return self._options.platform

    @property
    def base_url(self) -> str:
        return self._options.base_url

    @property
    def max_retries(self) -> int:
        return self._options.retry.max_retries

    @property
    def masked_api_key(self) -> str:
        """The key as it may be shown on a screen: ``****abcd``, ``****`` for a short key."""
        return mask_key(self._options.api_key)

    def with_options(
        self,
        *,
        api_key: str | None = _UNSET,
        platform: str = _UNSET,
        base_url: str = _UNSET,
        lang: str = _UNSET,
        timeout: float | httpx.Timeout = _UNSET,
        max_retries: int = _UNSET,
        rate_limiter: RateLimiter = _UNSET,
        clock: Clock = _UNSET,
    ) -> Self:
        """A copy with some settings changed, sharing this client's connection pool.

        ``client.with_options(max_retries=0).create_campaign(...)``. The copy leaves closing
        the shared pool to the original.
        """
        o = self._options
        copy = type(self)(
            o.api_key if api_key is _UNSET else api_key,
            platform=o.platform if platform is _UNSET else platform,
            base_url=o.base_url if base_url is _UNSET else base_url,
            lang=o.lang if lang is _UNSET else lang,
            timeout=o.timeout if timeout is _UNSET else timeout,
            max_retries=o.retry.max_retries if max_retries is _UNSET else max_retries,
            rate_limiter=o.rate_limiter if rate_limiter is _UNSET else rate_limiter,
            clock=o.clock if clock is _UNSET else clock,
            http_client=self._http,
        )
        copy._owns_http = False
        return copy

    async def request(self, method: str, params: Mapping[str, Any] | None = None) -> APIResponse:
        """Call ``method`` (its RPC name, e.g. ``"getLists"``) and return the whole response.

        Retries what may be retried (see ``_retry``), waits for the rate limiter first.
        """
        spec = method_spec(method)
        options = self._options
        if options.api_key is None and not spec.key_optional:
            raise ClientValidationError(
                f"{method} needs an API key; this client was made without one"
            )
        prepared = prepare_request(options, spec, params or {})
        retries_taken = 0
        while True:
            try:
                wait = options.rate_limiter.reserve(prepared.buckets)
            except RateLimiterUnavailableError as error:
                # Not retried: the limiter's store is down, not Selzy. The limiter does not
                # know which call it was metering; the caller's error says.
                error.method = error.method or method
                raise
            if wait > 0:
                logger.debug("Selzy %s: waiting %.2fs for the rate limit", method, wait)
                await options.clock.asleep(wait)
            try:
                response = await self._send(prepared)
            except SelzyError as error:
                delay = retry_delay(
                    error,
                    spec,
                    retries_taken=retries_taken,
                    policy=options.retry,
                    wall_time=options.clock.time(),
                    rng=random.random,
                )
                if delay is None:
                    raise
                retries_taken += 1
                logger.info(
                    "Selzy %s failed (%s); retry %d of %d in %.2fs",
                    method,
                    type(error).__name__,
                    retries_taken,
                    options.retry.max_retries,
                    delay,
                )
                await options.clock.asleep(delay)
                continue
            if retries_taken:
                response = replace(response, retries_taken=retries_taken)
            return response

    async def _sleep(self, seconds: float) -> None:
        await self._options.clock.asleep(seconds)

    def _now(self) -> float:
        return self._options.clock.monotonic()

    async def _send(self, prepared: PreparedRequest) -> APIResponse:
        method = prepared.spec.name
        try:
            http_response = await self._http.post(
                prepared.url, content=prepared.body, headers=prepared.headers
            )
            content = await http_response.aread()
        except httpx.TransportError as exc:
            raise connection_error(method, exc) from exc
        logger.debug("Selzy %s -> HTTP %d", method, http_response.status_code)
        return parse_response(
            method, http_response.status_code, content, api_key=self._options.api_key
        )

    @asynccontextmanager
    async def stream_task_file(
        self, task: TaskResult | str, *, chunk_size: int = FILE_CHUNK_SIZE
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        """Download an async task's result file piece by piece (each at most ``chunk_size``
        bytes, handed on as it arrives), never holding all of it.

        ``task`` is a completed :class:`TaskResult` (what :meth:`wait_for_task` returns) or its
        ``file_to_download`` URL::

            async with client.stream_task_file(result) as chunks:
                async for chunk in chunks:
                    ...

        A plain GET of the URL as Selzy gave it (the API key is not added; redirects are
        followed). A status other than 200 raises :class:`APIStatusError`, a connection that
        fails or drops part-way :class:`APIConnectionError`; both with ``method``
        ``"file_to_download"`` and naming only the URL's host and path. Not retried: start over.
        """
        if chunk_size < 1:
            raise ClientValidationError(f"chunk_size must be positive, got {chunk_size}")
        url = task_file_url(task)
        request = self._http.build_request("GET", url, headers=FILE_HEADERS)
        try:
            response = await self._http.send(request, stream=True, follow_redirects=True)
        except httpx.TransportError as exc:
            raise transport_error(url, exc, started=False) from exc
        try:
            logger.debug("Selzy task file -> HTTP %d", response.status_code)
            if response.status_code != 200:
                preview = b""
                with suppress(httpx.TransportError):  # the status says enough
                    async for piece in response.aiter_bytes(1024):
                        preview += piece
                        if len(preview) >= 1024:
                            break
                raise status_error(url, response.status_code, preview, self._options.api_key)
            yield self._file_chunks(response, url, chunk_size)
        finally:
            await response.aclose()

    async def _file_chunks(
        self, response: httpx.Response, url: str, chunk_size: int
    ) -> AsyncIterator[bytes]:
        # Each piece is handed on as it arrives (cut to chunk_size): buffering up to a fixed
        # size would lose what arrived when the connection drops.
        started = False
        try:
            async for data in response.aiter_bytes():
                started = True
                for start in range(0, len(data), chunk_size):
                    yield data[start : start + chunk_size]
        except httpx.TransportError as exc:
            raise transport_error(url, exc, started=started) from exc

    async def aclose(self) -> None:
        """Close the connection pool (if this client opened it)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(api_key={self.masked_api_key!r}, "
            f"platform={self.platform!r}, base_url={self.base_url!r})"
        )
