"""Fault injection: make chosen calls slow, fail with an API error or HTTP 5xx, or drop them.

A fault matches a method (or every method with ``"*"``), fires for a share of calls (seeded, so
runs repeat) and/or for the next N calls, and applies either before the call (it takes no effect)
or after it (it took effect but the client never hears so: the ambiguous failure retries must
survive).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

from ._errors import ERROR_CLASSES

KINDS = ("latency", "error", "http", "drop")


@dataclass(slots=True)
class Fault:
    """One injected fault rule."""

    kind: str
    method: str = "*"
    #: For kind="error": the wire code and message of the envelope.
    code: str = "retry_later"
    message: str = "Injected fault: temporary failure, retry later"
    #: For kind="http": the HTTP status (a 5xx) of a non-JSON reply.
    status: int = 503
    #: For kind="latency": seconds to wait before answering.
    seconds: float = 0.0
    #: Probability that a matching call is hit.
    share: float = 1.0
    #: Hit only the next N matching calls, then the rule disappears; None = no count limit.
    times: int | None = None
    #: Apply after the call took effect instead of before.
    after: bool = False
    id: int = 0
    hits: int = field(default=0)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"fault kind must be one of {KINDS}, got {self.kind!r}")
        if self.kind == "error" and self.code not in ERROR_CLASSES:
            raise ValueError(f"unknown error code {self.code!r}")
        if self.kind == "http" and not 400 <= self.status <= 599:
            raise ValueError("an http fault needs a 4xx or 5xx status")
        if not 0.0 <= self.share <= 1.0:
            raise ValueError("share must be between 0 and 1")

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form for the state dump."""
        return {
            "id": self.id,
            "kind": self.kind,
            "method": self.method,
            "code": self.code,
            "message": self.message,
            "status": self.status,
            "seconds": self.seconds,
            "share": self.share,
            "times": self.times,
            "after": self.after,
            "hits": self.hits,
        }


#: A rule with every default: `Emulator.inject_fault` reads its defaults from here, and
#: ``POST /_emulator/faults`` passes only what it is given, so they cannot drift.
FAULT_DEFAULTS = Fault("error")


class FaultInjector:
    """Holds fault rules and decides which ones hit a given call."""

    def __init__(self, seed: int = 0) -> None:
        self._rules: list[Fault] = []
        self._rng = random.Random(f"faults:{seed}")  # noqa: S311 - sampling, not security
        self._lock = threading.Lock()
        self._next_id = 1

    def add(self, fault: Fault) -> Fault:
        """Install a rule; returns it with its id."""
        with self._lock:
            fault.id = self._next_id
            self._next_id += 1
            self._rules.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[Fault]:
        """The installed rules."""
        with self._lock:
            return list(self._rules)

    def pick(self, method: str, *, after: bool) -> list[Fault]:
        """The rules that hit this call in this phase (consuming their counts)."""
        if not self._rules:
            return []
        hits: list[Fault] = []
        with self._lock:
            for rule in list(self._rules):
                if rule.after != after or rule.method not in ("*", method):
                    continue
                if rule.share < 1.0 and self._rng.random() >= rule.share:
                    continue
                rule.hits += 1
                hits.append(rule)
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        self._rules.remove(rule)
        return hits
