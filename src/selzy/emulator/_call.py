"""What a method handler receives, and the table handlers register themselves in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from selzy.protocol import METHODS

from ._delivery import OutcomeModel
from ._errors import AccessDenied
from ._params import Params
from ._state import Account, State

#: Downloads a URL (createCampaign contacts_url); injectable so in-process tests need no network.
Fetcher = Callable[[str], bytes]


@dataclass(slots=True)
class Event:
    """A notification for the webhooks of one account (§6.5 ``event_name`` and its data)."""

    login: str
    name: str
    time: datetime
    data: dict[str, Any]


@dataclass(slots=True)
class Call:
    """One API call being handled: state, caller, arguments and the services handlers may use."""

    method: str
    state: State
    params: Params
    now: datetime
    ip: str
    lang: str
    base_url: str
    model: OutcomeModel
    fetch: Fetcher
    account_or_none: Account | None
    task_seconds: float = 0.0
    #: False when rate limits are switched off (register's per-IP rule follows the switch).
    limits: bool = True
    warnings: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    @property
    def account(self) -> Account:
        """The calling account (every method except register has one)."""
        if self.account_or_none is None:  # pragma: no cover - dispatcher guarantees it
            raise AccessDenied("this method needs an api_key")
        return self.account_or_none

    def emit(self, name: str, data: dict[str, Any], *, at: datetime | None = None) -> None:
        """Queue a webhook event for the calling account."""
        self.events.append(Event(self.account.login, name, at or self.now, data))

    def link(self, path: str) -> str:
        """An absolute URL on this emulator (confirmation links, files, web versions)."""
        return f"{self.base_url}{path}"


Handler = Callable[[Call], Any]
HANDLERS: dict[str, Handler] = {}

F = TypeVar("F", bound=Handler)


def api(name: str) -> Callable[[F], F]:
    """Register a handler for catalogue method `name` (a typo fails at import time)."""
    if name not in METHODS:
        raise KeyError(f"{name!r} is not in the protocol method catalogue")

    def register(fn: F) -> F:
        if name in HANDLERS:
            raise KeyError(f"two handlers for {name!r}")
        HANDLERS[name] = fn
        return fn

    return register
