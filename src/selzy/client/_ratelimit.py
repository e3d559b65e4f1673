"""Client-side rate limiting: stay under Selzy's limits instead of being refused (§3).

The limiter is a seam: :class:`RateLimiter` is all the client needs, so several processes that
share one API key can swap the in-memory limiter for a shared one (Redis) without touching the
client. The arithmetic is GCRA, the "virtual scheduling" form of a token bucket: each bucket keeps
one number, the theoretical arrival time of the next call, which a Redis script can keep as well.

Each reservation is granted in call order and returns how long the caller must wait before
sending, so concurrent callers queue fairly instead of racing.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from selzy.protocol import CALLS_PER_MINUTE, RATE_WINDOW_SECONDS, method_spec

from ._clock import SYSTEM_CLOCK, Clock
from ._constants import DEFAULT_BURST

_EPSILON = 1e-5


@dataclass(frozen=True, slots=True)
class Bucket:
    """A named limit: at most ``limit`` calls in any ``period``-second span."""

    name: str
    limit: int
    period: float = RATE_WINDOW_SECONDS


class RateLimiter(Protocol):
    """Grants calls against buckets; returns the seconds to wait before sending."""

    def reserve(self, buckets: Sequence[Bucket]) -> float:
        """Reserve one call in every bucket; the result is the wait the caller owes (0 = go)."""


def gcra_shape(bucket: Bucket, burst: int) -> tuple[float, float]:
    """``(interval, tolerance)`` of ``bucket``: seconds booked per call, and how far ahead of
    its theoretical arrival time a call may go (the burst). Shared by every limiter, so the
    in-memory and the Redis one grant exactly the same schedule.

    The burst is capped at a sixth of the limit (a small bucket must not go out in one gulp),
    and the steady rate is ``limit - burst`` per period: a burst at the start of any
    ``period``-second span plus the steady calls after it add up to ``limit`` at most.
    """
    burst = max(1, min(burst, bucket.limit // 6))
    interval = bucket.period / max(1, bucket.limit - burst)
    return interval, interval * (burst - 1)


class NoRateLimiter:
    """Lets every call through (for callers who limit elsewhere, and for the emulator's tests)."""

    def reserve(self, buckets: Sequence[Bucket]) -> float:
        return 0.0


class InMemoryRateLimiter:
    """A thread-safe GCRA limiter for one process.

    ``burst`` calls may go back to back; the steady rate is lowered by ``burst`` so that any
    ``period``-second span holds at most ``limit`` calls, whatever the server's window alignment.
    """

    def __init__(self, *, clock: Clock = SYSTEM_CLOCK, burst: int = DEFAULT_BURST) -> None:
        self._clock = clock
        self._burst = burst
        self._tat: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, buckets: Sequence[Bucket]) -> float:
        with self._lock:
            now = self._clock.monotonic()
            # The call goes when every bucket allows it; each bucket then books that moment.
            start = now
            shapes = [gcra_shape(b, self._burst) for b in buckets]
            for bucket, (_interval, tolerance) in zip(buckets, shapes, strict=True):
                tat = max(self._tat.get(bucket.name, now), now)
                start = max(start, tat - tolerance)
            for bucket, (interval, _tolerance) in zip(buckets, shapes, strict=True):
                tat = max(self._tat.get(bucket.name, now), start)
                self._tat[bucket.name] = tat + interval
            wait = start - now
            # Float noise at epoch-sized clock values must not turn "go now" into a sleep.
            return wait if wait > _EPSILON else 0.0


def key_fingerprint(api_key: str | None) -> str:
    """A stable, non-reversible bucket name for a key (the key itself is never stored there)."""
    if not api_key:
        return "anonymous"
    return hashlib.sha256(api_key.encode()).hexdigest()[:16]


def buckets_for(fingerprint: str, method: str) -> tuple[Bucket, ...]:
    """The global per-key bucket, plus the method's own one where §3 gives it a lower limit."""
    spec = method_spec(method)
    overall = Bucket(f"selzy:{fingerprint}", CALLS_PER_MINUTE)
    if spec.rate_limit is None:
        return (overall,)
    return (overall, Bucket(f"selzy:{fingerprint}:{spec.name}", spec.rate_limit))
