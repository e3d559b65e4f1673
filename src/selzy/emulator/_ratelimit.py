"""§3 rate limits: fixed 60-second windows per API key and per source IP, plus per-method caps."""

from __future__ import annotations

from datetime import datetime

from selzy.protocol import CALLS_PER_MINUTE, RATE_WINDOW_SECONDS, MethodSpec

from ._errors import EmulatorError, LimitForApiKey, LimitForIp


class RateLimiter:
    """Counts calls in fixed windows; `check` raises the documented error when over a limit.

    Every attempt counts, refused ones included (a client hammering through a limit stays
    limited until the window ends). `register` is left to its handler, whose per-IP rule has
    reseller exceptions.
    """

    def __init__(self, *, enabled: bool = True, per_minute: int = CALLS_PER_MINUTE) -> None:
        self.enabled = enabled
        self.per_minute = per_minute
        self._window = -1
        self._counts: dict[tuple[str, str, str], int] = {}

    def reset(self) -> None:
        """Forget every count."""
        self._window = -1
        self._counts.clear()

    def _bump(self, scope: str, who: str, method: str) -> int:
        key = (scope, who, method)
        count = self._counts.get(key, 0) + 1
        self._counts[key] = count
        return count

    def check(self, now: datetime, spec: MethodSpec, key: str | None, ip: str) -> None:
        """Count one call; raise LimitForApiKey / LimitForIp when it is over a limit."""
        if not self.enabled:
            return
        window = int(now.timestamp() // RATE_WINDOW_SECONDS)
        if window != self._window:
            self._window = window
            self._counts.clear()
        error: EmulatorError | None = None
        if key is not None and self._bump("key", key, "*") > self.per_minute:
            error = LimitForApiKey(
                f"API call limit exceeded: more than {self.per_minute} calls per minute with "
                "this API key"
            )
        if self._bump("ip", ip, "*") > self.per_minute and error is None:
            error = LimitForIp(
                f"API call limit exceeded: more than {self.per_minute} calls per minute from {ip}"
            )
        limit = spec.rate_limit
        if limit is not None and spec.name != "register":
            if key is not None and self._bump("key", key, spec.name) > limit and error is None:
                error = LimitForApiKey(
                    f"API call limit exceeded: {spec.name} allows {limit} calls per minute per key"
                )
            if self._bump("ip", ip, spec.name) > limit and error is None:
                error = LimitForIp(
                    f"API call limit exceeded: {spec.name} allows {limit} calls per minute per IP"
                )
        if error is not None:
            raise error
