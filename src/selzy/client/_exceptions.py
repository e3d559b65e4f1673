"""Every error the client raises. One root, so ``except SelzyError`` catches them all.

::

    SelzyError
    ├── ClientValidationError        refused before sending (also a ValueError)
    │   ├── AttachmentTooLargeError  an attachment over 500 KB
    │   └── BatchTooLargeError       an importContacts call with more than 500 rows
    ├── TransportError               no API answer could be read
    │   ├── APIConnectionError       connection failed or dropped
    │   │   ├── APITimeoutError      connect/read/write/pool timeout
    │   │   └── RateLimiterUnavailableError  the shared limiter (Redis) could not be asked
    │   ├── APIStatusError           the server answered a non-2xx HTTP status
    │   └── InvalidResponseError     a 2xx answer that is not a JSON envelope
    ├── APIError                     the API answered {"error": ..., "code": ...}
    │   ├── UnspecifiedError             unspecified (also a missing code)
    │   ├── InvalidAPIKeyError           invalid_api_key
    │   ├── AccessDeniedError            access_denied
    │   ├── UnknownMethodError           unknown_method
    │   ├── InvalidArgumentError         invalid_arg
    │   ├── NotEnoughMoneyError          not_enough_money
    │   ├── RetryLaterError              retry_later
    │   ├── RateLimitError
    │   │   ├── APIKeyRateLimitError     api_call_limit_exceeded_for_api_key
    │   │   └── IPRateLimitError         api_call_limit_exceeded_for_ip
    │   ├── TooManyDoubleOptinsError     too_many_double_optins
    │   ├── DestinationInvalidError      dest_invalid
    │   └── SourceInvalidError           src_invalid
    ├── WebhookAuthError             a webhook body whose auth does not match the key
    ├── TaskFailedError              an async task ended in a status other than completed
    └── TaskTimeoutError             wait_for_task gave up waiting (also a TimeoutError)

No message, repr or attribute of these holds the API key: the client redacts it from server
texts before building an error, and never puts it in a URL.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from selzy.protocol import ERROR_CODES

_BRACKETED = re.compile(r"\[(?P<detail>[^\[\]]*)\]\s*$")


class SelzyError(Exception):
    """Root of every error raised by selzy."""


class ClientValidationError(SelzyError, ValueError):
    """An argument was refused before anything was sent."""


class AttachmentTooLargeError(ClientValidationError):
    """An attachment is bigger than Selzy accepts (500 KB each)."""

    def __init__(self, filename: str, size: int, limit: int) -> None:
        self.filename = filename
        self.size = size
        self.limit = limit
        super().__init__(
            f"Attachment {filename!r} is {size / 1024:.0f} KB; Selzy accepts attachments of at "
            f"most {limit // 1024} KB. Nothing was sent."
        )


class BatchTooLargeError(ClientValidationError):
    """An importContacts call would carry more rows than the API takes in one call."""

    def __init__(self, rows: int, limit: int) -> None:
        self.rows = rows
        self.limit = limit
        super().__init__(
            f"importContacts takes at most {limit} rows per call, got {rows}. Nothing was sent; "
            "to import more, use the integration engine (selzy.integration, or the "
            "`selzy import` command), which splits them into calls."
        )


class TransportError(SelzyError):
    """The call got no readable API answer (network, HTTP status or a body that is not JSON)."""

    def __init__(self, message: str, *, method: str) -> None:
        self.method = method
        super().__init__(message)


class APIConnectionError(TransportError):
    """The connection could not be made or broke before the answer was read."""

    def __init__(self, message: str, *, method: str, request_sent: bool) -> None:
        #: False when the request provably never reached the server (connect failure).
        self.request_sent = request_sent
        super().__init__(message, method=method)


class APITimeoutError(APIConnectionError):
    """A connect, write, read or pool timeout."""


class RateLimiterUnavailableError(APIConnectionError):
    """The rate limiter could not be asked (its Redis is down or unreachable), so the call was
    not sent: the limiter fails closed rather than let calls out unmetered.

    ``reason`` is the limiter's own account of the failure (Redis' message: its host and port,
    never a password). The limiter raises it without a method; the client names the method
    before the error leaves the call.
    """

    def __init__(self, reason: str, *, method: str = "") -> None:
        self.reason = reason
        super().__init__(
            f"the rate limiter could not be reached, so the call was not sent ({reason})",
            method=method,
            request_sent=False,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reason,), self.__dict__)


class APIStatusError(TransportError):
    """The server answered with an HTTP status other than 2xx (API errors come with 200)."""

    def __init__(self, message: str, *, method: str, status_code: int, body: str) -> None:
        self.status_code = status_code
        #: The first characters of the body, for diagnosis.
        self.body = body
        super().__init__(message, method=method)


class InvalidResponseError(TransportError):
    """A 2xx answer whose body is not the JSON envelope the API always sends."""

    def __init__(self, message: str, *, method: str, status_code: int, body: str) -> None:
        self.status_code = status_code
        self.body = body
        super().__init__(message, method=method)


class APIError(SelzyError):
    """The API refused the call: ``{"error": message, "code": code}``.

    ``message`` is the server's text (HTML entities decoded); ``raw_message`` is it as sent.
    Many messages read ``"SB140212-01. [Burst not found. Provided Id: 1]"``: ``detail`` is the
    bracketed part, or the whole message when there is none.
    """

    def __init__(
        self, message: str, *, code: str, method: str, raw_message: str | None = None
    ) -> None:
        self.code = code
        self.method = method
        self.raw_message = raw_message if raw_message is not None else message
        self.message = message
        super().__init__(f"{method}: {message} (code: {code})")

    @property
    def detail(self) -> str:
        """The human part of messages shaped ``"<internal id> [<text>]"``."""
        match = _BRACKETED.search(self.message)
        return match.group("detail") if match else self.message

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_api_error,
            (type(self), self.message, self.code, self.method, self.raw_message),
        )


def _rebuild_api_error(
    cls: type[APIError], message: str, code: str, method: str, raw: str
) -> APIError:
    return cls(message, code=code, method=method, raw_message=raw)


class UnspecifiedError(APIError):
    """``unspecified``: not found, access to a foreign object, wrong state, ..."""


class InvalidAPIKeyError(APIError):
    """``invalid_api_key``: the key is wrong; check it in Selzy's account settings."""


class AccessDeniedError(APIError):
    """``access_denied``: API access is off for the account, or the method is not allowed."""


class UnknownMethodError(APIError):
    """``unknown_method``: no API method has this name."""


class InvalidArgumentError(APIError):
    """``invalid_arg``: a parameter is missing or invalid."""


class NotEnoughMoneyError(APIError):
    """``not_enough_money``: the balance does not cover the operation."""


class RetryLaterError(APIError):
    """``retry_later``: a temporary failure; the client retries it with backoff."""


class RateLimitError(APIError):
    """A rate limit was hit; the client waits for the next window and retries."""


class APIKeyRateLimitError(RateLimitError):
    """``api_call_limit_exceeded_for_api_key``: 1,200 calls a minute per key."""


class IPRateLimitError(RateLimitError):
    """``api_call_limit_exceeded_for_ip``: 1,200 calls a minute per IP address."""


class TooManyDoubleOptinsError(APIError):
    """``too_many_double_optins``: too many unconfirmed double opt-in subscriptions."""


class DestinationInvalidError(APIError):
    """``dest_invalid``: sendSms recipient number is invalid."""


class SourceInvalidError(APIError):
    """``src_invalid``: sendSms sender name is invalid."""


class TaskTimeoutError(SelzyError, TimeoutError):
    """An async task was still running when ``wait_for_task`` stopped waiting for it."""

    def __init__(self, task_uuid: str, status: str, timeout: float) -> None:
        self.task_uuid = task_uuid
        self.status = status
        self.timeout = timeout
        super().__init__(
            f"Async task {task_uuid} is still {status!r} after {timeout:g}s; "
            "it keeps running, poll it again later"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.task_uuid, self.status, self.timeout))


class TaskFailedError(SelzyError):
    """An async task (export, delivery stats) ended in a status other than ``completed``.

    ``status`` is the status the API reported (failures and expiry have no documented names,
    so every status but ``new``, ``processing`` and ``completed`` counts as one).
    """

    def __init__(self, task_uuid: str, status: str) -> None:
        self.task_uuid = task_uuid
        self.status = status
        super().__init__(
            f"Async task {task_uuid} ended with status {status!r} instead of 'completed'; "
            "start it again"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.task_uuid, self.status))


#: One class per code of the protocol's table. The codes, and whether each may be retried, are
#: the protocol's (``selzy.protocol.ERROR_CODES``); this only names the class raised for each.
ERROR_CLASSES: Final[Mapping[str, type[APIError]]] = MappingProxyType(
    {
        "unspecified": UnspecifiedError,
        "invalid_api_key": InvalidAPIKeyError,
        "access_denied": AccessDeniedError,
        "unknown_method": UnknownMethodError,
        "invalid_arg": InvalidArgumentError,
        "not_enough_money": NotEnoughMoneyError,
        "retry_later": RetryLaterError,
        "api_call_limit_exceeded_for_api_key": APIKeyRateLimitError,
        "api_call_limit_exceeded_for_ip": IPRateLimitError,
        "too_many_double_optins": TooManyDoubleOptinsError,
        "dest_invalid": DestinationInvalidError,
        "src_invalid": SourceInvalidError,
    }
)

# A code added to the protocol without a class here (or a class for a code the protocol does not
# know) would fail every import of the client, not only a test: the two tables cannot drift.
if set(ERROR_CLASSES) != set(ERROR_CODES):  # pragma: no cover - guarded by a test as well
    raise RuntimeError(
        "client error classes and selzy.protocol.ERROR_CODES disagree: "
        f"{sorted(set(ERROR_CLASSES) ^ set(ERROR_CODES))}"
    )


def api_error_for(code: str | None, raw_message: str, method: str) -> APIError:
    """The error for an envelope: a class per documented code, APIError for codes not yet known."""
    code = code or "unspecified"
    cls = ERROR_CLASSES.get(code, APIError)
    return cls(html.unescape(raw_message), code=code, method=method, raw_message=raw_message)
