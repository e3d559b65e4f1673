"""When a failed call is sent again, and after how long. The one place that decides it.

A call is repeated only when repeating it cannot do harm:
- the server refused it with a code the protocol marks ``retryable`` (``retry_later``, the
  rate-limit codes; see ``selzy.protocol.ERROR_CODES``) or with HTTP 429: nothing happened, so
  every method may be retried, creates and sends included;
- the request provably never reached the server (connect failure or connect/pool timeout);
- it reached the server but the answer was lost or was a 5xx, and the method is safe to repeat
  (reads, updates, deletes, upserts). Creates and sends are not retried then: Selzy may have
  created the campaign or sent the letter already.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from selzy.protocol import ERROR_CODES, RATE_WINDOW_SECONDS, ErrorCode, MethodSpec

from ._constants import INITIAL_RETRY_DELAY, MAX_RETRY_DELAY, RATE_LIMIT_JITTER
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIStatusError,
    InvalidResponseError,
    SelzyError,
)

_REFUSED_STATUSES = frozenset({429})
_TRANSIENT_STATUSES = frozenset({408, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many times and how patiently to retry."""

    max_retries: int
    initial_delay: float = INITIAL_RETRY_DELAY
    max_delay: float = MAX_RETRY_DELAY
    rate_limit_jitter: float = RATE_LIMIT_JITTER

    def backoff(self, retries_taken: int, rng: Callable[[], float]) -> float:
        """Exponential delay with jitter, so many clients do not retry in lockstep."""
        delay = min(self.initial_delay * 2.0**retries_taken, self.max_delay)
        return delay * (1 - 0.25 * rng())


def _wire_code(error: SelzyError) -> ErrorCode | None:
    """The protocol's facts about an API error's code; None for other errors and unknown codes."""
    return ERROR_CODES.get(error.code) if isinstance(error, APIError) else None


def _may_repeat(error: SelzyError, spec: MethodSpec) -> bool:
    if isinstance(error, APIError):
        # A refusal: the protocol's flag decides, for every method alike (nothing took effect).
        # Codes the protocol does not know yet are not retried.
        wire = _wire_code(error)
        return wire is not None and wire.retryable
    if isinstance(error, APIConnectionError):
        return not error.request_sent or spec.idempotent
    if isinstance(error, APIStatusError):
        if error.status_code in _REFUSED_STATUSES:
            return True
        return spec.idempotent and error.status_code in _TRANSIENT_STATUSES
    if isinstance(error, InvalidResponseError):
        # An HTML page from a proxy in front of the API: the call may or may not have run.
        return spec.idempotent
    return False


def retry_delay(
    error: SelzyError,
    spec: MethodSpec,
    *,
    retries_taken: int,
    policy: RetryPolicy,
    wall_time: float,
    rng: Callable[[], float] = random.random,
) -> float | None:
    """Seconds to wait before sending the call again, or None when it must not be repeated."""
    if retries_taken >= policy.max_retries or not _may_repeat(error, spec):
        return None
    wire = _wire_code(error)
    if wire is not None and wire.rate_limit:
        # Selzy counts calls per minute and says nothing of when the window resets (§3):
        # wait for the next wall-clock minute, plus jitter so waiting clients do not stampede.
        to_next_window = RATE_WINDOW_SECONDS - (wall_time % RATE_WINDOW_SECONDS)
        return to_next_window + policy.rate_limit_jitter * rng()
    return policy.backoff(retries_taken, rng)
