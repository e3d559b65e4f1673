"""The control plane under ``/_emulator/``: the same operations as the Python methods, over HTTP.

GET  /_emulator/                      index page (HTML)
POST /_emulator/reset                 forget everything
POST /_emulator/seed                  account with a known key (JSON or form fields)
GET  /_emulator/state                 JSON dump
GET  /_emulator/clock                 {"now": ...}
POST /_emulator/clock/advance         seconds=, minutes=, hours=, days=
GET  /_emulator/faults                installed fault rules
POST /_emulator/faults                add one (kind, method, code, status, seconds, share,
                                      times, after)
POST /_emulator/faults/clear          remove all (DELETE /_emulator/faults too)
POST /_emulator/rate-limits           enabled=0|1
GET  /_emulator/outbox                letters as HTML; /outbox.json; /outbox/<id> one letter
GET  /_emulator/confirm/<token>       a confirmation link (sender, opt-in, registration)
GET  /_emulator/files/<name>          export files; PUT/POST stores one (for contacts_url)
GET  /_emulator/webhooks              webhook delivery log (JSON)
GET  /_emulator/web/<campaign_id>     a campaign letter's web version
GET  /_emulator/attachments/<message_id>/<name>
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ._mail import fmt
from ._params import build_tree, text_of, urlencoded_pairs
from ._reply import HTML_TYPE, Reply, json_reply, text_reply

if TYPE_CHECKING:
    from ._core import Emulator

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.4rem;
text-align:left;vertical-align:top}}.letter{{border:1px solid #ccc;padding:1rem}}</style>
</head><body><p><a href="/_emulator/">Selzy emulator</a> · <a href="/_emulator/outbox">Outbox</a>
· <a href="/_emulator/state">State (JSON)</a></p><h1>{title}</h1>{body}</body></html>"""


def page(title: str, body: str, status: int = 200) -> Reply:
    """An HTML page in the control plane's frame."""
    return text_reply(_PAGE.format(title=html.escape(title), body=body), status, HTML_TYPE)


def _args(headers: Mapping[str, str], query: bytes, body: bytes) -> dict[str, Any]:
    """Control-plane arguments: JSON body, or form/query fields as text."""
    ctype = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
    if "json" in ctype and body:
        data = json.loads(body.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        return data
    tree = build_tree(urlencoded_pairs(query))
    if body and "multipart" not in ctype:
        tree.update(build_tree(urlencoded_pairs(body)))
    out: dict[str, Any] = {}
    for key, node in tree.items():
        out[key] = (
            text_of(node) if not isinstance(node, dict) else [text_of(v) for v in node.values()]
        )
    return out


def _csv(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v.strip() for v in str(value).split(",") if v.strip()]


def _fields(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    out = {}
    for item in _csv(value):  # "Name:string,Age:number"
        name, _, ftype = item.partition(":")
        out[name.strip()] = (ftype or "string").strip()
    return out


def _flag(value: Any, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _outbox_page(emu: Emulator) -> Reply:
    rows = []
    for letter in reversed(emu.outbox()):
        links = " ".join(
            f'<a href="{html.escape(url)}">{html.escape(label)}</a>' for label, url in letter.links
        )
        rows.append(
            f"<tr><td>{letter.id}</td><td>{fmt(letter.sent_at)}</td>"
            f"<td>{html.escape(letter.kind)}</td><td>{html.escape(letter.to)}</td>"
            f'<td><a href="/_emulator/outbox/{letter.id}">{html.escape(letter.subject)}</a></td>'
            f"<td>{links}</td></tr>"
        )
    table = (
        "<table><tr><th>#</th><th>Sent (UTC)</th><th>Kind</th><th>To</th><th>Subject</th>"
        "<th>Links</th></tr>" + "".join(rows) + "</table>"
        if rows
        else "<p>No letters yet.</p>"
    )
    return page("Outbox", table)


def _letter_page(emu: Emulator, letter_id: str) -> Reply:
    for letter in emu.outbox():
        if str(letter.id) == letter_id:
            files = ", ".join(f"{html.escape(n)} ({size} bytes)" for n, size in letter.attachments)
            head = (
                f"<p><b>From:</b> {html.escape(letter.sender)}<br><b>To:</b> "
                f"{html.escape(letter.to)}<br><b>Sent:</b> {fmt(letter.sent_at)} UTC<br>"
                f"<b>Attachments:</b> {files or 'none'}</p>"
            )
            # The body is the letter's own HTML, shown as the recipient would see it.
            return page(letter.subject, head + f'<div class="letter">{letter.html}</div>')
    return page("Not found", "<p>No such letter.</p>", 404)


def handle_control(
    emu: Emulator,
    method: str,
    path: str,
    query: bytes,
    headers: Mapping[str, str],
    body: bytes,
    base_url: str,
) -> Reply:
    """Route one control-plane request."""
    parts = [unquote(p) for p in path.split("/") if p][1:]
    route = "/".join(parts)
    verb = method.upper()
    try:
        if route == "":
            return page(
                "Selzy emulator",
                "<ul><li><a href='/_emulator/outbox'>Outbox</a></li>"
                "<li><a href='/_emulator/state'>State (JSON)</a></li>"
                "<li><a href='/_emulator/webhooks'>Webhook deliveries (JSON)</a></li></ul>",
            )
        if route == "files" or (parts and parts[0] == "files"):
            name = "/".join(parts[1:])
            if verb in ("PUT", "POST"):
                ctype = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
                emu.state.files[name] = (ctype or "application/octet-stream", body)
                return json_reply({"url": f"{base_url}/_emulator/files/{name}"})
            # Served without the main lock: createCampaign may be downloading it under the lock.
            found = emu.state.files.get(name)
            if found is None:
                return text_reply("no such file", 404)
            return Reply(200, [("Content-Type", found[0])], found[1])
        args = _args(headers, query, body)
        if route == "reset" and verb == "POST":
            emu.reset()
            return json_reply({"ok": True})
        if route == "seed" and verb == "POST":
            seeded = emu.seed_account(
                str(args.get("api_key") or "test-api-key"),
                login=args.get("login") or None,
                email=str(args.get("email") or "owner@example.com"),
                lists=_csv(args["lists"]) if "lists" in args else ["Newsletter"],
                fields=_fields(args["fields"]) if "fields" in args else None,
                senders=_csv(args["senders"]) if "senders" in args else ["news@example.com"],
                reseller=_flag(args.get("reseller")),
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
        if route == "state":
            return json_reply(emu.state_dump())
        if route == "clock":
            return json_reply({"now": fmt(emu.now())})
        if route == "clock/advance" and verb == "POST":
            now = emu.advance(
                float(args.get("seconds") or 0),
                minutes=float(args.get("minutes") or 0),
                hours=float(args.get("hours") or 0),
                days=float(args.get("days") or 0),
            )
            return json_reply({"now": fmt(now)})
        if route == "faults" and verb == "GET":
            return json_reply([f.as_dict() for f in emu.faults.rules()])
        if (route == "faults" and verb == "DELETE") or (route == "faults/clear" and verb == "POST"):
            emu.clear_faults()
            return json_reply({"ok": True})
        if route == "faults" and verb == "POST":
            times = args.get("times")
            fault = emu.inject_fault(
                str(args.get("kind") or "error"),
                str(args.get("method") or "*"),
                code=str(args.get("code") or "retry_later"),
                message=str(args.get("message") or "Injected fault: temporary failure"),
                status=int(args.get("status") or 503),
                seconds=float(args.get("seconds") or 0),
                share=float(args.get("share") or 1.0),
                times=int(times) if times not in (None, "") else None,
                after=_flag(args.get("after")),
            )
            return json_reply(fault.as_dict())
        if route == "rate-limits" and verb == "POST":
            emu.set_rate_limits(_flag(args.get("enabled"), True))
            return json_reply({"rate_limits": emu.limiter.enabled})
        if route == "outbox":
            return _outbox_page(emu)
        if route == "outbox.json":
            return json_reply(emu.state_dump()["outbox"])
        if len(parts) == 2 and parts[0] == "outbox":
            return _letter_page(emu, parts[1])
        if len(parts) == 2 and parts[0] == "confirm":
            try:
                text = emu.confirm(parts[1])
            except KeyError as exc:
                return page("Link not valid", f"<p>{html.escape(str(exc.args[0]))}</p>", 404)
            return page("Confirmed", f"<p>{html.escape(text)}</p>")
        if route == "webhooks":
            return json_reply(emu.webhook_log())
        if len(parts) == 2 and parts[0] == "web":
            return _web_version(emu, parts[1])
        if len(parts) == 3 and parts[0] == "attachments":
            return _attachment(emu, parts[1], parts[2])
        if route == "unsubscribed":
            return page("Unsubscribed", "<p>You are unsubscribed (emulated page).</p>")
    except (ValueError, TypeError, KeyError) as exc:
        return json_reply({"error": f"bad control request: {exc}"}, 400)
    return json_reply({"error": f"no control route {verb} {path}"}, 404)


def _web_version(emu: Emulator, campaign_id: str) -> Reply:
    with emu.lock:
        for account in emu.state.accounts.values():
            for campaign in account.campaigns.values():
                if str(campaign.id) == campaign_id:
                    msg = account.messages.get(campaign.message_id)
                    if msg is not None:
                        return text_reply(msg.body, 200, HTML_TYPE)
    return page("Not found", "<p>No such campaign.</p>", 404)


def _attachment(emu: Emulator, message_id: str, name: str) -> Reply:
    with emu.lock:
        for account in emu.state.accounts.values():
            for msg in account.messages.values():
                if str(msg.id) != message_id:
                    continue
                for attachment in msg.attachments:
                    if attachment.name == name:
                        return Reply(
                            200, [("Content-Type", "application/octet-stream")], attachment.content
                        )
    return text_reply("no such attachment", 404)
