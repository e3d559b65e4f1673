"""Making a contact do something now, as the person (or their mail server) would.

``POST /_emulator/contacts/act`` and `Emulator.act` call `perform`. An act on a campaign letter
edits that recipient's planned future and lets the timeline replay it (`_timeline.reschedule`),
so the contact, the statistics, the delivery report and the webhooks change exactly as if the
campaign model had planned it. With no fitting letter, an act changes the contact through the
same effects (`_effects`) and reports the same events.

===========  ================================================================================
action       effect
===========  ================================================================================
open         the newest delivered campaign letter is opened: ``ok_read`` (its first open)
click        ... and a tracked link in it clicked (``url``, default the first): ``ok_link_visited``
unsubscribe  the unsubscribe link of the newest delivered letter of one of the person's lists:
             ``ok_unsubscribed`` and ``unsubscribe`` for its list; without such a letter, the
             unsubscribe page: ``unsubscribe`` for ``list_id``, or for every list (the address
             becomes ``unsubscribed``)
subscribe    the person's own consent (an activation link): active again in ``list_id``, or in
             every list they left; ``subscribe``
hard_bounce  a letter bounces ``err_user_unknown``: the campaign letter still in flight, or one
             outside campaigns (no ``campaign_id`` in the event); availability ``unreachable``;
             letters planned but not sent yet will bounce too
soft_bounce  the same with ``err_mailbox_full``; availability ``mailbox_full``
complaint    the newest delivered letter is reported as spam (``ok_spam_folder``), or one outside
             campaigns; availability ``spam_folder``
===========  ================================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ._call import Event
from ._delivery import Recipient, links_of
from ._effects import (
    NOT_MAILABLE,
    apply_letter_status,
    email_status_event,
    resubscribe,
    subscribe_event,
    unsubscribe_event,
    unsubscribe_from,
)
from ._mail import fmt
from ._state import Account, Campaign, Contact, State
from ._timeline import replay_campaign, reschedule

ACTIONS = ("unsubscribe", "subscribe", "hard_bounce", "soft_bounce", "complaint", "open", "click")
HARD_BOUNCE = "err_user_unknown"
SOFT_BOUNCE = "err_mailbox_full"

#: Why a letter cannot take an act, or None when it can.
Need = Callable[[Recipient], str | None]


class ActRefused(ValueError):
    """An act that cannot happen; `status` is the HTTP status the control plane answers."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class Act:
    """What to make a contact do (the arguments of the route)."""

    email: str
    action: str
    list_id: int | None = None
    campaign_id: int | None = None
    #: The account, when the address is a contact of several.
    login: str | None = None
    #: The link a ``click`` follows.
    url: str | None = None


@dataclass(slots=True)
class _Doing:
    """One act under way: where it happens and what it reported."""

    act: Act
    account: Account
    contact: Contact
    now: datetime
    campaign: Campaign | None
    events: list[Event]

    @property
    def email(self) -> str:
        return self.contact.email or self.act.email

    def letter(self, need: Need, *, lists: list[int] | None = None) -> tuple[Campaign, int] | None:
        """The named campaign's letter (refused when it cannot take the act), else the newest
        sent letter that can (of a campaign to one of `lists`, when given), else None."""
        if self.campaign is not None:
            index = _index(self.campaign, self.contact)
            reason = need(self.campaign.recipients[index])
            if reason is not None:
                raise ActRefused(f"campaign {self.campaign.id}: {reason}", 409)
            return self.campaign, index
        for campaign, index in _letters(self.account, self.contact, self.now):
            if lists is not None and campaign.list_id not in lists:
                continue
            if need(campaign.recipients[index]) is None:
                return campaign, index
        return None

    def through_plan(self, campaign: Campaign, index: int) -> None:
        """Replay the edited plan of one letter now: its effects and events."""
        reschedule(campaign, index)
        self.events += replay_campaign(self.account, campaign, self.now)

    def outside_campaigns(self, status: str) -> None:
        """A letter the statistics do not know about reached `status`."""
        apply_letter_status(self.contact, status, self.now)
        self.events.append(
            email_status_event(self.account.login, self.email, status, self.now, None)
        )


def _index(campaign: Campaign, contact: Contact) -> int:
    for i, rec in enumerate(campaign.recipients):
        if rec.contact_id == contact.id:
            return i
    raise ActRefused(f"{contact.email} was not a recipient of campaign {campaign.id}")


def _letters(account: Account, contact: Contact, now: datetime) -> Iterator[tuple[Campaign, int]]:
    """The campaign letters sent to the contact by `now`, newest first."""
    newest = sorted(account.campaigns.values(), key=lambda c: (c.start, c.id), reverse=True)
    for campaign in newest:
        if campaign.canceled_at is not None:
            continue
        for i, rec in enumerate(campaign.recipients):
            if rec.contact_id == contact.id:
                if rec.sent_at <= now:
                    yield campaign, i
                break


def _delivered(now: datetime) -> Need:
    def need(rec: Recipient) -> str | None:
        if rec.sent_at > now:
            return f"the letter to {rec.email} is not sent yet"
        if rec.result_at > now:
            return f"the letter to {rec.email} is not delivered yet"
        if rec.result != "ok_delivered":
            return f"the letter to {rec.email} was not delivered ({rec.result})"
        return None

    return need


def _in_flight(now: datetime) -> Need:
    def need(rec: Recipient) -> str | None:
        if rec.sent_at > now:
            return f"the letter to {rec.email} is not sent yet"
        if rec.result_at <= now:
            return f"the letter to {rec.email} has its result already ({rec.result})"
        return None

    return need


def _and(first: Need, second: Callable[[Recipient], str | None]) -> Need:
    return lambda rec: first(rec) or second(rec)


def _opened_at(rec: Recipient, now: datetime) -> None:
    """The letter is open by now (a click or an unsubscription opens it first)."""
    if not any(at <= now for at in rec.reads):
        rec.reads = sorted([*rec.reads, now])


# ----------------------------------------------------------------- the actions


def _open(doing: _Doing) -> None:
    found = doing.letter(_delivered(doing.now))
    if found is None:
        raise ActRefused(f"no campaign letter was delivered to {doing.email} to open", 409)
    campaign, index = found
    rec = campaign.recipients[index]
    rec.reads = sorted([*rec.reads, doing.now])
    doing.through_plan(campaign, index)


def _click(doing: _Doing) -> None:
    found = doing.letter(_delivered(doing.now))
    if found is None:
        raise ActRefused(f"no campaign letter was delivered to {doing.email} to click in", 409)
    campaign, index = found
    message = doing.account.messages.get(campaign.message_id)
    links = links_of(message.body) if message is not None else []
    url = doing.act.url
    if url and url not in links:
        shown = ", ".join(links) or "none"
        raise ActRefused(f"url: not a tracked link of campaign {campaign.id} (links: {shown})")
    if not links:
        raise ActRefused(f"the letter of campaign {campaign.id} has no tracked links", 409)
    rec = campaign.recipients[index]
    _opened_at(rec, doing.now)
    rec.clicks = sorted([*rec.clicks, (doing.now, url or links[0])])
    doing.through_plan(campaign, index)


def _complaint(doing: _Doing) -> None:
    now = doing.now
    if doing.contact.email_availability == "spam_folder":
        raise ActRefused(f"{doing.email} has complained already", 409)

    def fresh(rec: Recipient) -> str | None:
        if rec.spam_at is not None and rec.spam_at <= now:
            return f"{rec.email} has complained about this letter already"
        return None

    found = doing.letter(_and(_delivered(now), fresh))
    if found is None:
        doing.outside_campaigns("ok_spam_folder")
        return
    campaign, index = found
    campaign.recipients[index].spam_at = now
    doing.through_plan(campaign, index)


def _bounce(doing: _Doing, status: str) -> None:
    now = doing.now
    found = doing.letter(_in_flight(now))
    if found is None:
        doing.outside_campaigns(status)
        return
    campaign, index = found
    rec = campaign.recipients[index]
    rec.result, rec.result_at = status, now
    rec.reads, rec.clicks, rec.unsubscribed_at, rec.spam_at = [], [], None, None
    if rec.deferred_at is not None and rec.deferred_at > now:
        rec.deferred_at = None
    doing.through_plan(campaign, index)


def _hard_bounce(doing: _Doing) -> None:
    if doing.contact.email_availability == "unreachable":
        raise ActRefused(f"{doing.email} is unreachable already (it bounced hard)", 409)
    _bounce(doing, HARD_BOUNCE)
    # Letters planned but not sent yet bounce too, as the model plans them for a dead address.
    for campaign in doing.account.campaigns.values():
        for index, rec in enumerate(campaign.recipients):
            if rec.contact_id == doing.contact.id and rec.sent_at > doing.now:
                rec.result, rec.deferred_at = HARD_BOUNCE, None
                rec.reads, rec.clicks, rec.unsubscribed_at, rec.spam_at = [], [], None, None
                reschedule(campaign, index)


def _soft_bounce(doing: _Doing) -> None:
    _bounce(doing, SOFT_BOUNCE)


def _unsubscribe(doing: _Doing) -> None:
    contact, now, list_id = doing.contact, doing.now, doing.act.list_id
    active = [lid for lid, m in contact.email_lists.items() if m.status == "active"]
    if list_id is not None and list_id not in active:
        raise ActRefused(f"{doing.email} is not subscribed to list {list_id}", 409)
    if list_id is None and not active and contact.email_status == "unsubscribed":
        raise ActRefused(f"{doing.email} is unsubscribed already", 409)
    targets = [list_id] if list_id is not None else active

    def linked(rec: Recipient) -> str | None:
        if rec.unsubscribed_at is not None and rec.unsubscribed_at <= now:
            return f"{rec.email} has used this letter's unsubscribe link already"
        return None

    if doing.campaign is not None and list_id not in (None, doing.campaign.list_id):
        raise ActRefused(
            f"campaign {doing.campaign.id} went to list {doing.campaign.list_id}, not {list_id}"
        )
    if doing.campaign is not None and doing.campaign.list_id not in active:
        raise ActRefused(
            f"{doing.email} is not subscribed to list {doing.campaign.list_id} of campaign "
            f"{doing.campaign.id}",
            409,
        )
    found = doing.letter(_and(_delivered(now), linked), lists=targets)
    if found is not None:
        campaign, index = found
        rec = campaign.recipients[index]
        _opened_at(rec, now)
        rec.unsubscribed_at = now
        doing.through_plan(campaign, index)
        return
    changed = unsubscribe_from(contact, targets)
    if list_id is None:
        contact.email_status = "unsubscribed"
    doing.events.append(unsubscribe_event(doing.account.login, doing.email, changed, now))


def _subscribe(doing: _Doing) -> None:
    contact, list_id = doing.contact, doing.act.list_id
    if list_id is not None:
        targets = [list_id]
    else:
        targets = [lid for lid, m in contact.email_lists.items() if m.status == "unsubscribed"]
        if not targets and contact.email_status in NOT_MAILABLE:
            targets = list(contact.email_lists)
    if not targets:
        if contact.email_lists:
            raise ActRefused(f"{doing.email} is subscribed already to its lists", 409)
        raise ActRefused(f"{doing.email} is in no list; name one with list_id", 409)
    before = contact.email_status
    joined = resubscribe(contact, targets, doing.now)
    if not joined and before == "active":
        raise ActRefused(f"{doing.email} is subscribed already", 409)
    doing.events.append(
        subscribe_event(doing.account.login, doing.email, joined or targets, doing.now)
    )


_ACTIONS: dict[str, Callable[[_Doing], None]] = {
    "open": _open,
    "click": _click,
    "complaint": _complaint,
    "hard_bounce": _hard_bounce,
    "soft_bounce": _soft_bounce,
    "unsubscribe": _unsubscribe,
    "subscribe": _subscribe,
}


# ----------------------------------------------------------------- entry point


def _account(state: State, email: str, login: str | None) -> Account:
    key = email.strip().lower()
    if login:
        account = state.by_login.get(login)
        if account is None:
            raise ActRefused(f"login: no account {login!r}", 404)
        return account
    holders = [a for a in state.accounts.values() if key in a.by_email]
    if not holders:
        raise ActRefused(f"no account has a contact {email!r}", 404)
    if len(holders) > 1:
        logins = ", ".join(a.login for a in holders)
        raise ActRefused(f"{email!r} is a contact of several accounts ({logins}); pass login")
    return holders[0]


def perform(state: State, now: datetime, act: Act) -> tuple[Account, list[Event], dict[str, Any]]:
    """Make the contact do `act` now (timelines replayed up to now first); returns the account,
    the events to deliver to its hooks and the route's JSON answer."""
    if act.action not in _ACTIONS:
        raise ActRefused(f"action: {act.action!r} is not one of {', '.join(ACTIONS)}")
    if not act.email.strip():
        raise ActRefused("email: required")
    account = _account(state, act.email, act.login)
    contact = account.by_email.get(act.email.strip().lower())
    if contact is None:
        raise ActRefused(f"account {account.login} has no contact {act.email!r}", 404)
    if act.list_id is not None and act.list_id not in account.lists:
        raise ActRefused(f"list_id: account {account.login} has no list {act.list_id}", 404)
    campaign = None
    if act.campaign_id is not None:
        campaign = account.campaigns.get(act.campaign_id)
        if campaign is None:
            raise ActRefused(
                f"campaign_id: account {account.login} has no campaign {act.campaign_id}", 404
            )
    doing = _Doing(act, account, contact, now, campaign, [])
    _ACTIONS[act.action](doing)
    answer = {
        "login": account.login,
        "email": doing.email,
        "action": act.action,
        "events": [
            {"event_name": e.name, "event_time": fmt(e.time), "event_data": e.data}
            for e in doing.events
        ],
        "contact": contact_summary(contact),
    }
    return account, doing.events, answer


def contact_summary(contact: Contact) -> dict[str, Any]:
    """A contact's standing as the act answer and the contacts page show it."""
    return {
        "email_status": contact.email_status,
        "email_availability": contact.email_availability,
        "email_lists": {str(lid): m.status for lid, m in contact.email_lists.items()},
    }
