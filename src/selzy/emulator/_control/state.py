"""Routes that set the sandbox up: reset, seed, state, clock, faults, rate limits, webhook log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from .._mail import fmt
from .._reply import Reply, json_reply
from ._args import csv_list, field_types, flag, given
from ._table import ANY, ControlRequest, control


@control("POST", "reset")
def reset(req: ControlRequest) -> Reply:
    """Forget all state, faults and rate-limit counts."""
    req.emu.reset()
    return json_reply({"ok": True})


#: How ``POST /_emulator/seed`` reads the arguments of `Emulator.seed_account`: empty scalars
#: take the method's defaults, lists given empty mean none.
_SEED_SCALARS: dict[str, Callable[[Any], Any]] = {
    "api_key": str,
    "login": str,
    "email": str,
    "reseller": flag,
    "balance": float,
    "timezone": str,
}
_SEED_LISTS: dict[str, Callable[[Any], Any]] = {
    "lists": csv_list,
    "fields": field_types,
    "senders": csv_list,
}


@control("POST", "seed")
def seed(req: ControlRequest) -> Reply:
    """Seed an account with a known key; answers the key, login and the ids tests need."""
    args = req.args
    options = given(args, _SEED_SCALARS)
    options.update({name: read(args[name]) for name, read in _SEED_LISTS.items() if name in args})
    return json_reply(asdict(req.emu.seed_account(**options)))


@control(ANY, "state")
def state(req: ControlRequest) -> Reply:
    """The JSON dump of everything."""
    return json_reply(req.emu.state_dump())


@control(ANY, "clock")
def clock(req: ControlRequest) -> Reply:
    """The emulator's current time."""
    return json_reply({"now": fmt(req.emu.now())})


@control("POST", "clock/advance")
def advance(req: ControlRequest) -> Reply:
    """Move the clock by seconds, minutes, hours and days, playing out what falls due."""
    args = req.args
    now = req.emu.advance(
        float(args.get("seconds") or 0),
        minutes=float(args.get("minutes") or 0),
        hours=float(args.get("hours") or 0),
        days=float(args.get("days") or 0),
    )
    return json_reply({"now": fmt(now)})


@control("GET", "faults")
def faults(req: ControlRequest) -> Reply:
    """The installed fault rules."""
    return json_reply([f.as_dict() for f in req.emu.faults.rules()])


#: How ``POST /_emulator/faults`` reads the arguments of `Emulator.inject_fault`; empty ones
#: take its defaults.
_FAULT_SCALARS: dict[str, Callable[[Any], Any]] = {
    "method": str,
    "code": str,
    "message": str,
    "status": int,
    "seconds": float,
    "share": float,
    "after": flag,
}


@control("POST", "faults")
def add_fault(req: ControlRequest) -> Reply:
    """Install one fault rule from the fields of `Emulator.inject_fault` (kind: "error")."""
    args = req.args
    options = given(args, _FAULT_SCALARS)
    # Only an absent or empty times means "no count"; 0 is read as a count, as it always was.
    if args.get("times") not in (None, ""):
        options["times"] = int(args["times"])
    fault = req.emu.inject_fault(str(args.get("kind") or "error"), **options)
    return json_reply(fault.as_dict())


@control("DELETE", "faults")
@control("POST", "faults/clear")
def clear_faults(req: ControlRequest) -> Reply:
    """Remove every fault rule (POST for clients that cannot send DELETE)."""
    req.emu.clear_faults()
    return json_reply({"ok": True})


@control("POST", "rate-limits")
def rate_limits(req: ControlRequest) -> Reply:
    """Switch rate limiting on (the default) or off with ``enabled=0``."""
    req.emu.set_rate_limits(flag(req.args.get("enabled"), True))
    return json_reply({"rate_limits": req.emu.limiter.enabled})


@control(ANY, "webhooks")
def webhooks(req: ControlRequest) -> Reply:
    """Every webhook and notify_url attempt so far."""
    return json_reply(req.emu.webhook_log())
