"""Routes that make a contact do something: ``POST contacts/act`` and the ``contacts`` page.

The page lists the contacts of every account with buttons ("Unsubscribe", "Hard bounce", ...)
that post to the same route a test calls, so a person in the demo and a browser test act exactly
as `Emulator.act` does. Everything a contact holds came from a user: every value is escaped.
Acts are POST only; the emulator is a sandbox, so there is no CSRF token.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from .._acts import ActRefused
from .._reply import Reply, json_reply
from .._state import Account, Contact
from ._table import ANY, ControlRequest, control
from .pages import page

PAGE_SIZE = 50
#: The page's buttons: action and label.
BUTTONS = (
    ("unsubscribe", "Unsubscribe"),
    ("hard_bounce", "Hard bounce"),
    ("soft_bounce", "Soft bounce"),
    ("complaint", "Spam complaint"),
    ("subscribe", "Resubscribe"),
)


def _number(args: Mapping[str, Any], name: str) -> int | None:
    value = args.get(name)
    if value is None or str(value).strip() == "":
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        raise ActRefused(f"{name}: {str(value)[:40]!r} is not a number") from None


def _text(args: Mapping[str, Any], name: str) -> str | None:
    value = args.get(name)
    if value is None:
        return None
    return str(value).strip() or None


@control("POST", "contacts/act")
def act(req: ControlRequest) -> Reply:
    """Make a contact do something now (`Emulator.act`); answers JSON, or sends the contacts
    page's form back to the page with the outcome."""
    args = req.args
    try:
        answer = req.emu.act(
            _text(args, "email") or "",
            _text(args, "action") or "",
            list_id=_number(args, "list_id"),
            campaign_id=_number(args, "campaign_id"),
            login=_text(args, "login"),
            url=_text(args, "url"),
        )
    except ActRefused as exc:
        if args.get("from_page"):
            return _back(args, error=exc.message)
        return json_reply({"error": exc.message}, exc.status)
    if args.get("from_page"):
        events = ", ".join(
            f"{e['event_name']} {e['event_data'].get('status', '')}".strip()
            for e in answer["events"]
        )
        return _back(
            args, message=f"{answer['email']}: {answer['action']} ({events or 'no events'})"
        )
    return json_reply(answer)


def _back(args: Mapping[str, Any], **outcome: str) -> Reply:
    """303 to the contacts page where the form was, with the outcome to show."""
    query = {k: str(args[k]) for k in ("q", "page") if args.get(k)}
    query.update(outcome)
    return Reply(303, [("Location", "/_emulator/contacts?" + urlencode(query))], b"")


@control(ANY, "contacts")
def contacts(req: ControlRequest) -> Reply:
    """The contacts of every account with their standing and the act buttons (``q`` filters by
    address, ``page`` pages by PAGE_SIZE)."""
    args = req.args
    q = str(args.get("q") or "").strip()
    try:
        number = max(1, int(str(args.get("page") or "1")))
    except ValueError:
        number = 1
    with req.emu.lock:
        found = [
            (account, contact)
            for account in req.emu.state.accounts.values()
            for contact in account.contacts.values()
            if contact.email and q.lower() in contact.email.lower()
        ]
        total = len(found)
        start = (number - 1) * PAGE_SIZE
        rows = [_row(a, c, q, number) for a, c in found[start : start + PAGE_SIZE]]
    notice = ""
    if args.get("error"):
        notice = f'<p class="error" role="alert">{html.escape(str(args["error"]))}</p>'
    elif args.get("message"):
        notice = f'<p class="done" role="status">{html.escape(str(args["message"]))}</p>'
    search = (
        '<form method="get" action="/_emulator/contacts"><label>Address contains '
        f'<input type="search" name="q" value="{html.escape(q)}"></label> '
        "<button>Search</button></form>"
    )
    if not rows:
        return page("Contacts", notice + search + "<p>No contacts.</p>")
    shown = f"<p>{start + 1}-{start + len(rows)} of {total}</p>"
    table = (
        "<table><tr><th>Account</th><th>Email</th><th>Status</th><th>Availability</th>"
        "<th>Lists</th><th>Make them</th></tr>" + "".join(rows) + "</table>"
    )
    return page("Contacts", notice + search + shown + table + _pager(q, number, total))


def _pager(q: str, number: int, total: int) -> str:
    links = []
    if number > 1:
        links.append(f'<a href="/_emulator/contacts?{_query(q, number - 1)}">Previous</a>')
    if number * PAGE_SIZE < total:
        links.append(f'<a href="/_emulator/contacts?{_query(q, number + 1)}">Next</a>')
    return f"<p>{' · '.join(links)}</p>" if links else ""


def _query(q: str, number: int) -> str:
    return html.escape(urlencode({"q": q, "page": number} if q else {"page": number}))


def _row(account: Account, contact: Contact, q: str, number: int) -> str:
    esc = html.escape
    lists = "<br>".join(
        f"{esc(account.lists[lid].title if lid in account.lists else str(lid))} "
        f"({lid}): {esc(m.status)}"
        for lid, m in contact.email_lists.items()
    )
    hidden = {
        "email": contact.email or "",
        "login": account.login,
        "from_page": "1",
        "q": q,
        "page": str(number),
    }
    fields = "".join(
        f'<input type="hidden" name="{name}" value="{esc(value)}">'
        for name, value in hidden.items()
    )
    buttons = " ".join(
        f'<button name="action" value="{action}">{label}</button>' for action, label in BUTTONS
    )
    return (
        f"<tr><td>{esc(account.login)}</td><td>{esc(contact.email or '')}</td>"
        f"<td>{esc(contact.email_status)}</td><td>{esc(contact.email_availability)}</td>"
        f'<td>{lists}</td><td><form method="post" action="/_emulator/contacts/act">'
        f"{fields}{buttons}</form></td></tr>"
    )
