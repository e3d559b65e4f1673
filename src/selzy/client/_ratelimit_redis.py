"""A rate limiter shared through Redis, for several processes (or machines) on one API key.

Selzy counts calls per key, not per process: ten Celery workers with an in-memory limiter each
would send ten times the allowed rate and be refused. :class:`RedisRateLimiter` keeps the same
GCRA state as :class:`~selzy.client.InMemoryRateLimiter` (one theoretical arrival time per
bucket, :func:`gcra_shape` for the arithmetic) in Redis instead, and reserves all the buckets of
a call in one Lua script, so reservations are atomic and granted in the order Redis runs them.

Why the script reads the clock itself: the processes' own clocks disagree (different machines,
NTP drift), and a schedule computed against several clocks has no meaning. Redis ``TIME`` is one
clock for everybody; the caller only gets back a duration (how long to wait), which means the
same on any machine.

Times are integer microseconds inside the script: Lua numbers are doubles, exact for integers up
to 2**53 (about 285 years of microseconds since the epoch), while fractional seconds would be
rounded by Lua's 14-digit number formatting each time they are stored. The interval is rounded
up and the tolerance down, so rounding can only make the limiter stricter, by a microsecond.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Final, Self

from ._constants import DEFAULT_BURST
from ._exceptions import RateLimiterUnavailableError
from ._ratelimit import Bucket, gcra_shape

_EPSILON = 1e-5
_INSTALL_HINT: Final = (
    "RedisRateLimiter needs the redis package: pip install 'selzy-connect[celery]'"
)

# KEYS[i]: the theoretical arrival time (TAT) of bucket i, in microseconds of the server clock.
# ARGV[3i-2], ARGV[3i-1], ARGV[3i]: bucket i's interval and tolerance (microseconds) and the
# milliseconds an idle key is kept after its TAT has passed. Returns the wait in microseconds.
_SCRIPT: Final = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local start = now
local tats = {}
for i = 1, #KEYS do
  local stored = redis.call('GET', KEYS[i])
  local tat = stored and tonumber(stored) or now
  if tat < now then tat = now end
  tats[i] = tat
  local earliest = tat - tonumber(ARGV[3 * i - 1])
  if earliest > start then start = earliest end
end
for i = 1, #KEYS do
  local tat = math.max(tats[i], start) + tonumber(ARGV[3 * i - 2])
  local ttl = math.ceil((tat - now) / 1000) + tonumber(ARGV[3 * i])
  redis.call('SET', KEYS[i], string.format('%d', tat), 'PX', string.format('%d', ttl))
end
return start - now
"""
# Redis names cached scripts by their SHA-1; it is an identifier here, not a security measure.
_SCRIPT_SHA: Final = hashlib.sha1(_SCRIPT.encode(), usedforsecurity=False).hexdigest()


#: Seconds to connect to, and to wait on, a Redis the limiter opens from a URL.
CONNECT_TIMEOUT: Final = 5.0
SOCKET_TIMEOUT: Final = 5.0


def _import_redis() -> Any:
    try:
        import redis
    except ImportError:
        raise ImportError(_INSTALL_HINT) from None
    return redis


class RedisRateLimiter:
    """A :class:`~selzy.client.RateLimiter` whose buckets live in Redis, shared by every process
    that uses the same Redis and ``prefix``.

    ::

        limiter = RedisRateLimiter("redis://redis.internal:6379/0")
        client = Selzy(api_key, platform="MyCRM", rate_limiter=limiter)

    Arguments:
        redis_client_or_url: a synchronous ``redis.Redis`` (its connection pool is used and left
            open), or a URL for one that the limiter opens and :meth:`close` closes, with
            connect and socket timeouts of 5 s unless the URL sets its own.
        burst: calls that may go back to back, as for ``InMemoryRateLimiter`` (every process
            sharing a bucket should use the same value).
        prefix: put before each bucket's name to make its key; bucket names carry a hash of
            the API key, never the key.

    Every reservation is one EVALSHA round trip (EVAL once per server after a restart or a
    SCRIPT FLUSH). Each key expires one bucket period after its last booked call, so idle
    buckets leave nothing behind. When Redis cannot be reached, :meth:`reserve` raises redis'
    own ``ConnectionError``: the limiter fails closed rather than letting calls out unmetered.
    The async client calls :meth:`reserve` on the event loop too: the round trip is short, but
    it does block the loop for that long. A Redis Cluster is not supported (the two buckets of
    one call may hash to different slots).
    """

    def __init__(
        self,
        redis_client_or_url: Any,
        *,
        burst: int = DEFAULT_BURST,
        prefix: str = "selzy:rl:",
    ) -> None:
        redis = _import_redis()
        if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
            raise ValueError(f"burst must be an integer >= 1, got {burst!r}")
        self._owns_client = isinstance(redis_client_or_url, str)
        if self._owns_client:
            # Bounded waits: a Redis host that drops packets would otherwise hold every call
            # for the operating system's TCP timeout (minutes). The URL's own
            # ?socket_connect_timeout= / ?socket_timeout= win over these.
            client = redis.Redis.from_url(
                redis_client_or_url,
                socket_connect_timeout=CONNECT_TIMEOUT,
                socket_timeout=SOCKET_TIMEOUT,
            )
        else:
            client = redis_client_or_url
            if isinstance(client, redis.asyncio.Redis):
                raise TypeError(
                    "RedisRateLimiter needs a synchronous redis.Redis client: the limiter's "
                    "reserve() is synchronous (one short round trip per call)"
                )
        self._redis: Any = client
        self._no_script: type[Exception] = redis.exceptions.NoScriptError
        # Redis is not there (refused, unreachable, timed out, not ready, wrong password): an
        # error of the deployment, not of the call. Other redis errors are bugs and stay raw.
        self._unavailable: tuple[type[Exception], ...] = (
            redis.exceptions.ConnectionError,
            redis.exceptions.TimeoutError,
        )
        self._burst = burst
        self._prefix = prefix

    @property
    def prefix(self) -> str:
        """What every key of this limiter starts with."""
        return self._prefix

    def key(self, bucket: Bucket) -> str:
        """The Redis key holding ``bucket``'s theoretical arrival time."""
        return self._prefix + bucket.name

    def reserve(self, buckets: Sequence[Bucket]) -> float:
        """Reserve one call in every bucket at once; return the seconds to wait (0 = go now)."""
        if not buckets:
            return 0.0
        keys = [self.key(b) for b in buckets]
        args: list[int] = []
        for bucket in buckets:
            interval, tolerance = gcra_shape(bucket, self._burst)
            args += [
                math.ceil(interval * 1e6),
                math.floor(tolerance * 1e6),
                math.ceil(bucket.period * 1000),
            ]
        try:
            wait_us = self._run(keys, args)
        except self._unavailable as exc:
            raise RateLimiterUnavailableError(f"Redis: {exc}") from exc
        wait = int(wait_us) / 1e6
        return wait if wait > _EPSILON else 0.0

    def _run(self, keys: list[str], args: list[int]) -> Any:
        try:
            return self._redis.evalsha(_SCRIPT_SHA, len(keys), *keys, *args)
        except self._no_script:
            # First use on this server (or after a restart or SCRIPT FLUSH): EVAL also caches it.
            return self._redis.eval(_SCRIPT, len(keys), *keys, *args)

    def close(self) -> None:
        """Close the connection pool if the limiter opened it from a URL."""
        if self._owns_client:
            self._redis.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        # Not the URL: it may carry a password.
        return f"{type(self).__name__}(prefix={self._prefix!r}, burst={self._burst})"
