"""Routes that set the sandbox up: reset, seed, state, clock, faults, rate limits, webhook log."""

from __future__ import annotations

from .._mail import fmt
from .._reply import Reply, json_reply
from ._args import csv_list, field_types, flag
from ._table import ANY, ControlRequest, control


@control("POST", "reset")
def reset(req: ControlRequest) -> Reply:
    """Forget all state, faults and rate-limit counts."""
    req.emu.reset()
    return json_reply({"ok": True})


@control("POST", "seed")
def seed(req: ControlRequest) -> Reply:
    """Seed an account with a known key; answers the key, login and the ids tests need."""
    args = req.args
    seeded = req.emu.seed_account(
        str(args.get("api_key") or "test-api-key"),
        login=args.get("login") or None,
        email=str(args.get("email") or "owner@example.com"),
        lists=csv_list(args["lists"]) if "lists" in args else ["Newsletter"],
        fields=field_types(args["fields"]) if "fields" in args else None,
        senders=csv_list(args["senders"]) if "senders" in args else ["news@example.com"],
        reseller=flag(args.get("reseller")),
        balance=float(args.get("balance") or 100.0),
        timezone=str(args.get("timezone") or "UTC"),
    )
    return json_reply(
        {
            "api_key": seeded.api_key,
            "login": seeded.login,
            "email": seeded.email,
            "list_ids": seeded.list_ids,
            "field_ids": seeded.field_ids,
            "senders": list(seeded.senders),
        }
    )


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


@control("POST", "faults")
def add_fault(req: ControlRequest) -> Reply:
    """Install one fault rule from the fields of `Emulator.inject_fault`."""
    args = req.args
    times = args.get("times")
    fault = req.emu.inject_fault(
        str(args.get("kind") or "error"),
        str(args.get("method") or "*"),
        code=str(args.get("code") or "retry_later"),
        message=str(args.get("message") or "Injected fault: temporary failure"),
        status=int(args.get("status") or 503),
        seconds=float(args.get("seconds") or 0),
        share=float(args.get("share") or 1.0),
        times=int(times) if times not in (None, "") else None,
        after=flag(args.get("after")),
    )
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
