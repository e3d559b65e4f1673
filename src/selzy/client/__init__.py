"""The Selzy API client: ``Selzy`` (sync) and ``AsyncSelzy``, with their errors and seams.

``key_hint`` and ``mask_key`` are the one rule for how much of an API key may be shown.
"""

from ._async._client import AsyncSelzy
from ._blocking._client import Selzy
from ._clock import Clock, SystemClock
from ._exceptions import (
    AccessDeniedError,
    APIConnectionError,
    APIError,
    APIKeyRateLimitError,
    APIStatusError,
    APITimeoutError,
    AttachmentTooLargeError,
    BatchTooLargeError,
    ClientValidationError,
    DestinationInvalidError,
    InvalidAPIKeyError,
    InvalidArgumentError,
    InvalidResponseError,
    IPRateLimitError,
    NotEnoughMoneyError,
    RateLimitError,
    RateLimiterUnavailableError,
    RetryLaterError,
    SelzyError,
    SourceInvalidError,
    TaskFailedError,
    TaskTimeoutError,
    TooManyDoubleOptinsError,
    TransportError,
    UnknownMethodError,
    UnspecifiedError,
)
from ._keys import key_hint, mask_key
from ._ratelimit import Bucket, InMemoryRateLimiter, NoRateLimiter, RateLimiter
from ._ratelimit_redis import RedisRateLimiter
from ._response import APIResponse
from ._webhooks import WebhookAuthError, WebhookEvent, parse_webhook, verify_webhook

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIKeyRateLimitError",
    "APIResponse",
    "APIStatusError",
    "APITimeoutError",
    "AccessDeniedError",
    "AsyncSelzy",
    "AttachmentTooLargeError",
    "BatchTooLargeError",
    "Bucket",
    "ClientValidationError",
    "Clock",
    "DestinationInvalidError",
    "IPRateLimitError",
    "InMemoryRateLimiter",
    "InvalidAPIKeyError",
    "InvalidArgumentError",
    "InvalidResponseError",
    "NoRateLimiter",
    "NotEnoughMoneyError",
    "RateLimitError",
    "RateLimiter",
    "RateLimiterUnavailableError",
    "RedisRateLimiter",
    "RetryLaterError",
    "Selzy",
    "SelzyError",
    "SourceInvalidError",
    "SystemClock",
    "TaskFailedError",
    "TaskTimeoutError",
    "TooManyDoubleOptinsError",
    "TransportError",
    "UnknownMethodError",
    "UnspecifiedError",
    "WebhookAuthError",
    "WebhookEvent",
    "key_hint",
    "mask_key",
    "parse_webhook",
    "verify_webhook",
]
