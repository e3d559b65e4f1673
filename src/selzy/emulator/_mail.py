"""Letters the "service" sends to people (sender confirmations, test emails, opt-in invitations).

They land in the outbox, which the control plane shows as HTML; confirmation links point back at
the emulator's own `/_emulator/confirm/<token>` route.
"""

from __future__ import annotations

import html
from datetime import datetime

from selzy.protocol import DATE_FORMAT, DATETIME_FORMAT

from ._state import Attachment, Letter, State


def fmt(when: datetime | None) -> str | None:
    """The API's output timestamp format (UTC), None stays None."""
    return None if when is None else when.strftime(DATETIME_FORMAT)


def fmt_date(when: datetime) -> str:
    """A date in the API's format."""
    return when.strftime(DATE_FORMAT)


def send_letter(
    state: State,
    *,
    login: str,
    kind: str,
    to: str,
    sender: str,
    subject: str,
    html_body: str,
    now: datetime,
    links: list[tuple[str, str]] | None = None,
    attachments: list[Attachment] | None = None,
) -> Letter:
    """Put a letter in the outbox and return it."""
    letter = Letter(
        id=state.next_id("letter"),
        login=login,
        kind=kind,
        to=to,
        sender=sender,
        subject=subject,
        html=html_body,
        sent_at=now,
        links=list(links or []),
        attachments=[(a.name, len(a.content)) for a in attachments or []],
    )
    state.outbox.append(letter)
    return letter


def confirmation_letter(
    state: State,
    *,
    base_url: str,
    login: str,
    purpose: str,
    subject_ref: str,
    to: str,
    now: datetime,
) -> Letter:
    """A letter with a one-click confirmation link (sender address, opt-in, registration)."""
    token = state.token(purpose)
    state.tokens[token] = (purpose, login, subject_ref)
    url = f"{base_url}/_emulator/confirm/{token}"
    texts = {
        "sender": (
            "Confirm your sender address",
            f"Someone asked to send campaigns from {html.escape(to)} through Selzy.",
        ),
        "register": (
            "Confirm your Selzy registration",
            f"An account was registered for {html.escape(to)}.",
        ),
    }
    subject, intro = texts.get(purpose, ("Confirm your subscription", "Please confirm."))
    body = (
        f"<p>{intro}</p>"
        f'<p><a href="{html.escape(url)}">Confirm</a></p>'
        "<p>If you did not ask for this, ignore this letter.</p>"
    )
    return send_letter(
        state,
        login=login,
        kind=f"{purpose}_confirmation",
        to=to,
        sender="Selzy <noreply@selzy.example>",
        subject=subject,
        html_body=body,
        now=now,
        links=[("Confirm", url)],
    )
