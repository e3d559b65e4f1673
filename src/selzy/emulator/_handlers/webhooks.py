"""§6 setHook / removeHook / listHooks (result shapes are the emulator's choice, §6.3)."""

from __future__ import annotations

import urllib.parse
from typing import Any

from .._call import Call, api
from .._errors import InvalidArg, Unspecified, missing
from .._params import text_of
from .._state import Hook

#: Event names the emulator emits.
EVENT_NAMES = ("email_status", "subscribe", "unsubscribe", "campaign_status")


def _events(call: Call) -> dict[str, frozenset[str] | None]:
    node = call.params.raw("events")
    out: dict[str, frozenset[str] | None] = {}
    if isinstance(node, dict):
        for key, value in node.items():
            text = text_of(value) or ""
            if key.isdigit():  # events[]=name or events[0]=name
                out[text.strip()] = None
            else:  # events[name]=* or events[name]=status,status
                values = {v.strip() for v in text.split(",") if v.strip()}
                out[key] = None if not values or "*" in values else frozenset(values)
    elif node:
        for name in (text_of(node) or "").split(","):
            if name.strip():
                out[name.strip()] = None
    if not out:
        raise missing("events")
    for name in out:
        if name not in EVENT_NAMES:
            raise InvalidArg(f"events: unknown event {name!r}; known: {', '.join(EVENT_NAMES)}")
    return out


def hook_dict(hook: Hook) -> dict[str, Any]:
    """A hook's settings as listHooks shows them."""
    return {
        "hook_url": hook.url,
        "events": {k: sorted(v) if v else "*" for k, v in hook.events.items()},
        "event_format": hook.event_format,
        "max_parallel": hook.max_parallel,
        "single_event": 1 if hook.single_event else 0,
        "status": hook.status,
    }


@api("setHook")
def set_hook(call: Call) -> dict[str, Any]:
    """Install a handler, or replace the one with the same URL."""
    url = call.params.req_text("hook_url").strip()
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise InvalidArg("hook_url: must be an http:// or https:// URL")
    hook = Hook(
        url=url,
        events=_events(call),
        event_format=call.params.choice(
            "event_format", ("json_post", "json_post_gzip"), "json_post"
        )
        or "json_post",
        max_parallel=call.params.integer("max_parallel", 10, lo=1, hi=100) or 10,
        single_event=call.params.flag("single_event"),
        status=call.params.choice("status", ("active", "disabled"), "active") or "active",
    )
    call.account.hooks[url] = hook
    return {"hook_url": hook.url, "status": hook.status}


@api("removeHook")
def remove_hook(call: Call) -> dict[str, Any]:
    """Remove a handler by URL."""
    url = call.params.req_text("hook_url").strip()
    if call.account.hooks.pop(url, None) is None:
        raise Unspecified(f"no webhook with hook_url {url}")
    return {}


@api("listHooks")
def list_hooks(call: Call) -> list[dict[str, Any]]:
    """Installed handlers."""
    return [hook_dict(h) for h in call.account.hooks.values()]
