"""The emulator object: routes a request, runs the method under one lock, renders the envelope.

Adapters (httpx handler, WSGI app, threaded server) reduce a request to
``(method, path, query bytes, headers, body bytes, client ip, base url)`` and write the `Reply`
back; everything else happens here.
"""

from __future__ import annotations

import bz2
import gzip
import json
import re
import threading
import time
import traceback
import urllib.request
from collections.abc import Callable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from selzy.protocol import METHODS

from . import _handlers  # noqa: F401 - importing fills the handler table
from ._acts import Act, ActRefused, perform
from ._call import HANDLERS, Call, Fetcher
from ._clock import Clock, FrozenClock
from ._control import handle_control
from ._delivery import OutcomeModel
from ._dump import dump
from ._errors import (
    EmulatorError,
    InvalidApiKey,
    InvalidArg,
    UnknownMethod,
    Unspecified,
    error_for_code,
)
from ._faults import FAULT_DEFAULTS, Fault, FaultInjector
from ._params import Params, Tree, build_tree, decode_body, text_of, urlencoded_pairs
from ._ratelimit import RateLimiter
from ._reply import Reply, json_reply, text_reply
from ._seed import SEED_DEFAULTS, AccountSeed, SeededAccount, apply_token, seed_account
from ._state import Letter, RequestRecord, State
from ._timeline import advance_timelines, record_delivery
from ._webhooks import Delivery, WebhookSender, body_of, deliveries_for, urllib_sender

#: The seed of ids, api keys, tokens, the delivery model and fault sampling when none is given.
DEFAULT_SEED = 0

_API_PATH = re.compile(r"/([A-Za-z]{2})/api/((?:async/)?[A-Za-z]+)/?")


def urllib_fetch(url: str) -> bytes:
    """Download a contacts_url file the way the service does (plain GET, 10 s timeout)."""
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - http/ftp checked
        data: bytes = response.read()
        return data


class Emulator:
    """A stateful fake of the Selzy API.

    Everything is deterministic given `seed` and the clock: ids, api keys, tokens, the delivery
    model and fault sampling. The default clock is frozen; move it with `advance`.
    """

    def __init__(
        self,
        *,
        seed: int = DEFAULT_SEED,
        clock: Clock | None = None,
        rate_limits: bool = True,
        model: OutcomeModel | None = None,
        fetch: Fetcher | None = None,
        webhook_sender: WebhookSender | None = None,
        task_seconds: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
        debug: bool = False,
    ) -> None:
        self.seed = seed
        self.clock: Clock = clock or FrozenClock()
        self.model = model or OutcomeModel()
        self.fetch: Fetcher = fetch or urllib_fetch
        self.webhook_sender: WebhookSender = webhook_sender or urllib_sender
        self.task_seconds = task_seconds
        self.sleep = sleep
        self.debug = debug
        self.limiter = RateLimiter(enabled=rate_limits)
        self.faults = FaultInjector(seed)
        self.state = State(seed)
        self.lock = threading.RLock()

    # ----------------------------------------------------------------- request entry point

    def handle(
        self,
        method: str,
        path: str,
        query: bytes,
        headers: Mapping[str, str],
        body: bytes,
        *,
        client_ip: str = "127.0.0.1",
        base_url: str = "http://127.0.0.1",
    ) -> Reply:
        """Answer one HTTP request (API call, control-plane call or confirmation link)."""
        if path.startswith("/_emulator"):
            return handle_control(self, method, path, query, headers, body, base_url)
        match = _API_PATH.fullmatch(path)
        if match is None:
            return text_reply("Not found: API methods live at /{lang}/api/{method}", 404)
        lang, name = match.group(1).lower(), match.group(2)
        early = self._faults(name, after=False)
        if early is not None:
            return early
        # Decoding happens under the lock too: the work is CPU-bound either way (one GIL), and
        # server threads queued on a lock do not fight over the GIL, which measurably raises
        # throughput with several concurrent callers (bench/emulator_import.py).
        with self.lock:
            try:
                tree = self._decode(query, headers, body)
            except EmulatorError as exc:
                return json_reply(exc.envelope())
            deliveries = advance_timelines(self.state, self.clock.now())
            payload, more = self._dispatch(name, tree, lang, client_ip, base_url)
            deliveries += more
        self.deliver(deliveries)
        late = self._faults(name, after=True)
        if late is not None:
            return late
        if isinstance(payload, Reply):
            return payload
        return json_reply(payload)

    def _decode(self, query: bytes, headers: Mapping[str, str], body: bytes) -> Tree:
        lower = {k.lower(): v for k, v in headers.items()}
        query_tree = build_tree(urlencoded_pairs(query))
        try:
            if lower.get("content-encoding", "").lower() == "gzip":
                body = gzip.decompress(body)
            if text_of(query_tree.get("request_compression")) == "bzip2":
                body = bz2.decompress(body)
        except (OSError, ValueError, EOFError):
            raise InvalidArg("the request body could not be decompressed") from None
        body_tree = decode_body(lower.get("content-type", ""), body)
        # The API refuses a call carrying the same argument in the query and the body (§1.2).
        if set(query_tree) & set(body_tree):
            raise Unspecified("Call to a member function getMessage() on boolean")
        return {**query_tree, **body_tree}

    def _faults(self, name: str, *, after: bool) -> Reply | None:
        for fault in self.faults.pick(name, after=after):
            if fault.kind == "latency":
                self.sleep(fault.seconds)
            elif fault.kind == "drop":
                return Reply(0, [], b"", drop=True)
            elif fault.kind == "http":
                return text_reply(
                    f"<html><body><h1>{fault.status}</h1>Injected fault</body></html>",
                    fault.status,
                    "text/html; charset=utf-8",
                )
            else:
                return json_reply(error_for_code(fault.code, fault.message).envelope())
        return None

    def _dispatch(
        self, name: str, tree: Tree, lang: str, ip: str, base_url: str
    ) -> tuple[Any, list[Delivery]]:
        state = self.state
        now = self.clock.now()
        key = text_of(tree.get("api_key"))
        platform = text_of(tree.get("platform"))
        account = state.accounts.get(key) if key else None
        outcome = "ok"
        deliveries: list[Delivery] = []
        try:
            spec = METHODS.get(name)
            handler = HANDLERS.get(name)
            if spec is None or handler is None:
                raise UnknownMethod(f"Unknown method: {name}")
            if key and account is None:
                raise InvalidApiKey("Invalid API key: no account has this key")
            if account is None and not spec.key_optional:
                raise InvalidApiKey("api_key: required argument is missing")
            self.limiter.check(now, spec, key if account else None, ip)
            call = Call(
                method=name,
                state=state,
                params=Params(tree),
                now=now,
                ip=ip,
                lang=lang,
                base_url=base_url.rstrip("/"),
                model=self.model,
                fetch=self.fetch,
                account_or_none=account,
                task_seconds=self.task_seconds,
                limits=self.limiter.enabled,
            )
            result = handler(call)
            payload: Any = {"result": result}
            if call.warnings:
                payload["warnings"] = [{"warning": w} for w in call.warnings]
            if call.events and account is not None and account.hooks:
                deliveries = deliveries_for(account, call.events, now)
        except EmulatorError as exc:
            outcome = exc.code or "error"
            payload = exc.envelope()
        except Exception:
            if self.debug:
                raise
            outcome = "server_error"
            payload = text_reply("Internal emulator error\n\n" + traceback.format_exc(), 500)
        if account is not None:
            label = platform or ""
            account.platforms[label] = account.platforms.get(label, 0) + 1
        state.requests.append(
            RequestRecord(now, name, account.login if account else None, platform, ip, outcome)
        )
        return payload, deliveries

    # ----------------------------------------------------------------- webhooks and time

    def deliver(self, deliveries: list[Delivery]) -> None:
        """Attempt webhook and notify_url POSTs outside the lock, then record the outcomes."""
        for delivery in deliveries:
            with self.lock:
                account = self.state.by_login.get(delivery.login)
                if account is None:
                    continue
                if delivery.events:
                    body = body_of(delivery, account.key)
                else:
                    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
            delivery.extra["body"] = body.decode("utf-8")
            status: int | None = None
            error = ""
            try:
                status = self.webhook_sender(
                    delivery.url, body, {"Content-Type": "application/json"}
                )
            except Exception as exc:  # a receiver failing must never break the emulator
                error = f"{type(exc).__name__}: {exc}"
            with self.lock:
                record_delivery(self.state, delivery, status, error, self.clock.now())

    def now(self) -> datetime:
        """The emulator's current time."""
        return self.clock.now()

    def advance(
        self, seconds: float = 0.0, *, minutes: float = 0.0, hours: float = 0.0, days: float = 0.0
    ) -> datetime:
        """Move the clock forward and play out everything due (campaigns, tasks, webhooks)."""
        total = seconds + 60 * minutes + 3600 * hours + 86400 * days
        now = self.clock.advance(total)
        with self.lock:
            deliveries = advance_timelines(self.state, now)
        self.deliver(deliveries)
        return now

    # ----------------------------------------------------------------- control operations

    def reset(self) -> None:
        """Forget all state, faults and rate-limit counts (the clock keeps its time)."""
        with self.lock:
            self.state = State(self.seed)
            self.limiter.reset()
            self.faults.clear()

    def set_rate_limits(self, enabled: bool) -> None:
        """Switch rate limiting on or off."""
        with self.lock:
            self.limiter.enabled = enabled
            self.limiter.reset()

    def inject_fault(
        self,
        kind: str,
        method: str = FAULT_DEFAULTS.method,
        *,
        code: str = FAULT_DEFAULTS.code,
        message: str = FAULT_DEFAULTS.message,
        status: int = FAULT_DEFAULTS.status,
        seconds: float = FAULT_DEFAULTS.seconds,
        share: float = FAULT_DEFAULTS.share,
        times: int | None = FAULT_DEFAULTS.times,
        after: bool = FAULT_DEFAULTS.after,
    ) -> Fault:
        """Add a fault rule: kind is "latency", "error", "http" or "drop" (see `Fault`)."""
        return self.faults.add(
            Fault(
                kind=kind,
                method=method,
                code=code,
                message=message,
                status=status,
                seconds=seconds,
                share=share,
                times=times,
                after=after,
            )
        )

    def clear_faults(self) -> None:
        """Remove every fault rule."""
        self.faults.clear()

    def seed_account(
        self,
        api_key: str = SEED_DEFAULTS.api_key,
        *,
        login: str | None = SEED_DEFAULTS.login,
        email: str = SEED_DEFAULTS.email,
        lists: tuple[str, ...] | list[str] = SEED_DEFAULTS.lists,
        fields: Mapping[str, str] | None = SEED_DEFAULTS.fields,
        senders: tuple[str, ...] | list[str] = SEED_DEFAULTS.senders,
        reseller: bool = SEED_DEFAULTS.reseller,
        balance: float = SEED_DEFAULTS.balance,
        timezone: str = SEED_DEFAULTS.timezone,
    ) -> SeededAccount:
        """Create (or replace) an account with a known key, lists, fields and confirmed senders.

        The defaults are `AccountSeed`'s; ``fields=None`` means the default fields too.
        """
        seed = AccountSeed(
            api_key=api_key,
            login=login,
            email=email,
            lists=tuple(lists),
            fields=MappingProxyType(dict(fields if fields is not None else SEED_DEFAULTS.fields)),
            senders=tuple(senders),
            reseller=reseller,
            balance=balance,
            timezone=timezone,
        )
        with self.lock:
            return seed_account(self.state, self.clock.now(), seed)

    def outbox(self, to: str | None = None) -> list[Letter]:
        """Letters sent so far (optionally only those to one address), oldest first."""
        with self.lock:
            return [m for m in self.state.outbox if to is None or m.to.lower() == to.lower()]

    def confirm(self, token_or_url: str) -> str:
        """Follow a confirmation link (sender, opt-in, registration); returns what it confirmed."""
        token = token_or_url.rstrip("/").rsplit("/", 1)[-1]
        with self.lock:
            deliveries, text = apply_token(self.state, token, self.clock.now())
        self.deliver(deliveries)
        return text

    def act(
        self,
        email: str,
        action: str,
        *,
        list_id: int | None = None,
        campaign_id: int | None = None,
        login: str | None = None,
        url: str | None = None,
    ) -> dict[str, Any]:
        """Make a contact do something now, as the person would: `action` is one of
        unsubscribe, subscribe, hard_bounce, soft_bounce, complaint, open, click.

        The contact, the campaign statistics and the webhooks (delivered now, signed) change as
        if the campaign model had planned it; returns the events and the contact's standing.
        Raises `ActRefused` (a ValueError with an HTTP `status`) when it cannot happen.
        """
        refused: ActRefused | None = None
        answer: dict[str, Any] = {}
        with self.lock:
            now = self.clock.now()
            # What is due happens first, so the act lands after it, and is delivered either way.
            deliveries = advance_timelines(self.state, now)
            try:
                account, events, answer = perform(
                    self.state, now, Act(email, action, list_id, campaign_id, login, url)
                )
            except ActRefused as exc:
                refused = exc
            else:
                if events and account.hooks:
                    deliveries += deliveries_for(account, events, now)
        self.deliver(deliveries)
        if refused is not None:
            raise refused
        return answer

    def webhook_log(self) -> list[dict[str, Any]]:
        """Every webhook / notify_url attempt so far."""
        with self.lock:
            return list(self.state.webhook_log)

    def state_dump(self) -> dict[str, Any]:
        """A JSON-friendly snapshot of everything (what `/_emulator/state` returns)."""
        with self.lock:
            return dump(self)
