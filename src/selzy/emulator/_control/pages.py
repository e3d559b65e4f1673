"""Routes that answer HTML for a person: the index, the outbox, links from letters."""

from __future__ import annotations

import base64
import html

from .._handlers.stats import common_stats_at
from .._mail import fmt
from .._reply import HTML_TYPE, Reply, json_reply, text_reply
from ._table import ANY, ControlRequest, control

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.4rem;
text-align:left;vertical-align:top}}.letter{{border:1px solid #ccc;padding:1rem}}
.error{{color:#a00}}.done{{color:#060}}</style>
</head><body><p><a href="/_emulator/">Selzy emulator</a> · <a href="/_emulator/outbox">Outbox</a>
· <a href="/_emulator/contacts">Contacts</a> · <a href="/_emulator/state">State (JSON)</a></p>
<h1>{title}</h1>{body}</body></html>"""


def page(title: str, body: str, status: int = 200) -> Reply:
    """An HTML page in the control plane's frame."""
    return text_reply(_PAGE.format(title=html.escape(title), body=body), status, HTML_TYPE)


@control(ANY, "", raw=True)
def index(req: ControlRequest) -> Reply:
    """Links to the outbox, the contacts, the state dump and the webhook log."""
    return page(
        "Selzy emulator",
        "<ul><li><a href='/_emulator/outbox'>Outbox</a></li>"
        "<li><a href='/_emulator/contacts'>Contacts</a>: make one unsubscribe, bounce, "
        "complain or come back</li>"
        "<li><a href='/_emulator/state'>State (JSON)</a></li>"
        "<li><a href='/_emulator/webhooks'>Webhook deliveries (JSON)</a></li></ul>",
    )


@control(ANY, "outbox")
def outbox(req: ControlRequest) -> Reply:
    """The letters sent so far, newest first, with their links clickable."""
    rows = []
    for letter in reversed(req.emu.outbox()):
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


@control(ANY, "outbox.json")
def outbox_json(req: ControlRequest) -> Reply:
    """The outbox as in the state dump."""
    return json_reply(req.emu.state_dump()["outbox"])


@control(ANY, "outbox/{letter_id}")
def letter(req: ControlRequest) -> Reply:
    """One letter: its envelope, then its HTML as the recipient would see it."""
    for item in req.emu.outbox():
        if str(item.id) == req.params["letter_id"]:
            files = ", ".join(f"{html.escape(n)} ({size} bytes)" for n, size in item.attachments)
            head = (
                f"<p><b>From:</b> {html.escape(item.sender)}<br><b>To:</b> "
                f"{html.escape(item.to)}<br><b>Sent:</b> {fmt(item.sent_at)} UTC<br>"
                f"<b>Attachments:</b> {files or 'none'}</p>"
            )
            # The body is the letter's own HTML, shown as the recipient would see it.
            return page(item.subject, head + f'<div class="letter">{item.html}</div>')
    return page("Not found", "<p>No such letter.</p>", 404)


@control(ANY, "confirm/{token}")
def confirm(req: ControlRequest) -> Reply:
    """Follow a confirmation link (sender, opt-in, registration)."""
    try:
        text = req.emu.confirm(req.params["token"])
    except KeyError as exc:
        return page("Link not valid", f"<p>{html.escape(str(exc.args[0]))}</p>", 404)
    return page("Confirmed", f"<p>{html.escape(text)}</p>")


@control(ANY, "web/{campaign_id}")
def web_version(req: ControlRequest) -> Reply:
    """A campaign letter's web version: its message body as it is."""
    emu = req.emu
    with emu.lock:
        for account in emu.state.accounts.values():
            for campaign in account.campaigns.values():
                if str(campaign.id) == req.params["campaign_id"]:
                    msg = account.messages.get(campaign.message_id)
                    if msg is not None:
                        return text_reply(msg.body, 200, HTML_TYPE)
    return page("Not found", "<p>No such campaign.</p>", 404)


@control(ANY, "unsubscribed")
def unsubscribed(req: ControlRequest) -> Reply:
    """Where a letter's unsubscribe link lands."""
    return page("Unsubscribed", "<p>You are unsubscribed (emulated page).</p>")


@control(ANY, "campaigns/{campaign_id}")
def campaign_page(req: ControlRequest) -> Reply:
    """Where getCampaigns' ``stats_url`` points: a campaign's status and counters now."""
    emu, campaign_id = req.emu, _number(req.params["campaign_id"])
    with emu.lock:
        now = emu.now()
        for account in emu.state.accounts.values():
            campaign = account.campaigns.get(campaign_id) if campaign_id is not None else None
            if campaign is None:
                continue
            message = account.messages.get(campaign.message_id)
            counters = common_stats_at(campaign, now)
            rows = "".join(
                f"<tr><th>{html.escape(name)}</th><td>{value}</td></tr>"
                for name, value in counters.items()
            )
            subject = html.escape(message.subject if message else "")
            body = (
                f"<p><b>Subject:</b> {subject}<br><b>List:</b> {campaign.list_id}<br>"
                f"<b>Status:</b> {html.escape(campaign.status_at(now))} "
                f"(at {fmt(now)} UTC)</p><table>{rows}</table>"
            )
            return page(f"Campaign {campaign.id}", body)
    return page("Not found", "<p>No such campaign.</p>", 404)


#: A 1x1 grey PNG: the emulator renders no screenshots, yet ``screenshot_url`` must answer.
_PLACEHOLDER_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGO4BwAA6gDpw7zqJgAAAABJRU5ErkJggg=="
)


@control(ANY, "templates/{template_png}")
def template_screenshot(req: ControlRequest) -> Reply:
    """Where getTemplate's ``screenshot_url`` points: a placeholder image of a known template."""
    name = req.params["template_png"]
    template_id = _number(name.removesuffix(".png")) if name.endswith(".png") else None
    emu = req.emu
    with emu.lock:
        known = any(template_id in account.templates for account in emu.state.accounts.values())
    if not known:
        return page("Not found", "<p>No such template.</p>", 404)
    return Reply(200, [("Content-Type", "image/png")], _PLACEHOLDER_PNG)


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() else None
