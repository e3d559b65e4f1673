"""The JSON state dump (``GET /_emulator/state``): readable, and free of API keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._call import Call
from ._handlers.stats import common_stats
from ._mail import fmt
from ._params import Params
from ._state import Account

if TYPE_CHECKING:
    from ._core import Emulator


def _account(emu: Emulator, account: Account) -> dict[str, Any]:
    now = emu.clock.now()
    names = {f.id: f.name for f in account.fields.values()}
    tags = {t.id: t.name for t in account.tags.values()}
    call = Call(
        method="dump",
        state=emu.state,
        params=Params({}),
        now=now,
        ip="",
        lang="en",
        base_url="",
        model=emu.model,
        fetch=emu.fetch,
        account_or_none=account,
    )
    return {
        "login": account.login,
        "email": account.email,
        # Enough to tell keys apart, never enough to use one (short test keys show nothing).
        "key_hint": ("..." + account.key[-4:]) if len(account.key) >= 16 else "...",
        "reseller": account.reseller,
        "parent_login": account.parent_login,
        "balance": round(account.balance, 2),
        "timezone": account.timezone,
        "platforms": dict(account.platforms),
        "lists": [
            {"id": lst.id, "title": lst.title, "has_optin_letter": lst.optin is not None}
            for lst in account.lists.values()
        ],
        "fields": [{"id": f.id, "name": f.name, "type": f.type} for f in account.fields.values()],
        "tags": [{"id": t.id, "name": t.name} for t in account.tags.values()],
        "contacts": [
            {
                "id": c.id,
                "email": c.email,
                "phone": c.phone,
                "email_status": c.email_status,
                "email_availability": c.email_availability,
                "email_lists": {str(k): m.status for k, m in c.email_lists.items()},
                "phone_lists": {str(k): m.status for k, m in c.phone_lists.items()},
                "fields": {names.get(k, str(k)): v for k, v in c.fields.items()},
                "tags": sorted(tags.get(t, str(t)) for t in c.tags),
            }
            for c in account.contacts.values()
        ],
        "senders": [
            {"email": s.email, "is_checked": s.is_checked} for s in account.senders.values()
        ],
        "messages": [
            {
                "id": m.id,
                "service_type": m.service_type,
                "list_id": m.list_id,
                "subject": m.subject,
                "sender_email": m.sender_email,
                "actual_id": m.actual_id,
                "sent": m.sent,
                "attachments": {a.name: len(a.content) for a in m.attachments},
            }
            for m in account.messages.values()
        ],
        "templates": [{"id": t.id, "title": t.title} for t in account.templates.values()],
        "campaigns": [
            {
                "id": c.id,
                "message_id": c.message_id,
                "list_id": c.list_id,
                "status": c.status_at(now),
                "created": fmt(c.created),
                "start_time": fmt(c.start),
                "track_read": c.track_read,
                "track_links": c.track_links,
                "stats": common_stats(c, call),
            }
            for c in account.campaigns.values()
        ],
        "hooks": [
            {"url": h.url, "events": sorted(h.events), "status": h.status}
            for h in account.hooks.values()
        ],
        "tasks": [
            {"uuid": t.uuid, "type": t.type, "ready": now >= t.ready_at}
            for t in account.tasks.values()
        ],
    }


def dump(emu: Emulator) -> dict[str, Any]:
    """Everything the emulator holds, as JSON-friendly data (caller holds the lock)."""
    state = emu.state
    return {
        "now": fmt(emu.clock.now()),
        "seed": state.seed,
        "rate_limits": emu.limiter.enabled,
        "faults": [f.as_dict() for f in emu.faults.rules()],
        "accounts": [_account(emu, a) for a in state.accounts.values()],
        "outbox": [
            {
                "id": letter.id,
                "kind": letter.kind,
                "to": letter.to,
                "subject": letter.subject,
                "sent_at": fmt(letter.sent_at),
                "links": [url for _, url in letter.links],
            }
            for letter in state.outbox
        ],
        "webhooks": list(state.webhook_log),
        "requests": [
            {
                "time": fmt(r.time),
                "method": r.method,
                "login": r.login,
                "platform": r.platform,
                "ip": r.ip,
                "outcome": r.outcome,
            }
            for r in state.requests
        ],
    }
