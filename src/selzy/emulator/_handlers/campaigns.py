"""§5.6 Campaigns: creation with the documented checks, cancellation, listing, status."""

from __future__ import annotations

import urllib.parse
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from selzy.protocol import MAX_SCHEDULE_DAYS, SAME_MESSAGE_INTERVAL_SECONDS

from .._call import Call, api
from .._delivery import TimelineEvent, build_timeline, links_of, plan_campaign
from .._errors import InvalidArg, NotEnoughMoney, Unspecified
from .._mail import fmt
from .._params import parse_time
from .._state import Account, Campaign, Contact, Message
from ._common import get_message, norm_phone
from .messages import actual

CANCELLABLE = frozenset({"waits_censor", "censor_hold", "waits_schedule", "scheduled"})


def get_campaign(call: Call, campaign_id: int | None = None) -> Campaign:
    """The caller's campaign, or the documented refusals (§5.6 cancelCampaign)."""
    if campaign_id is None:
        campaign_id = call.params.req_int("campaign_id")
    campaign = call.account.campaigns.get(campaign_id)
    if campaign is not None:
        return campaign
    for other in call.state.accounts.values():
        if campaign_id in other.campaigns:
            raise Unspecified("Access denied to this resource")
    raise Unspecified(f"SB140212-01. [Burst not found. Provided Id: {campaign_id}]")


def stats_time(campaign: Campaign, now: datetime) -> datetime:
    """The instant statistics are read at: a cancelled campaign stops where it was cancelled."""
    if campaign.canceled_at is not None and campaign.canceled_at < now:
        return campaign.canceled_at
    return now


def _start_time(call: Call, account: Account) -> datetime:
    text = call.params.text("start_time")
    tz_name = call.params.text("timezone")
    if tz_name and tz_name.strip().upper() != "UTC":
        raise InvalidArg(f"timezone: only UTC is supported, got {tz_name!r}")
    if not text or not text.strip():
        return call.now
    try:
        local = parse_time(text, "start_time", seconds=False)
    except InvalidArg:
        local = parse_time(text, "start_time", seconds=True)
    if not tz_name and account.timezone != "UTC":
        try:
            zone = ZoneInfo(account.timezone)
        except ZoneInfoNotFoundError:  # pragma: no cover - register validates zones
            zone = None
        if zone is not None:
            local = local.replace(tzinfo=zone).astimezone(local.tzinfo)
    return local


def _restriction(call: Call) -> set[str] | None:
    contacts = call.params.csv("contacts")
    url = call.params.text("contacts_url")
    if contacts and url:
        raise InvalidArg("contacts and contacts_url cannot be used together")
    if url:
        scheme = urllib.parse.urlsplit(url).scheme.lower()
        if scheme not in ("http", "https", "ftp"):
            raise InvalidArg("contacts_url: must be an http://, https:// or ftp:// URL")
        try:
            content = call.fetch(url)
        except Exception as exc:
            raise InvalidArg(f"contacts_url: could not download {url}: {exc}") from None
        # One contact per line, \n or \r\n; a bare \r is not a line break (§5.6).
        contacts = [line.strip() for line in content.decode("utf-8", "replace").split("\n")]
    if not contacts and not url:
        return None
    return {c.strip().lower() if "@" in c else norm_phone(c) for c in contacts if c.strip()}


def _recipients(
    account: Account, msg: Message, restriction: set[str] | None
) -> list[tuple[str, int]]:
    tag = account.tag_by_name(msg.tag) if msg.tag else None
    if msg.tag and tag is None:
        return []
    out: list[tuple[str, int]] = []
    contact: Contact
    for contact in account.contacts.values():
        if tag is not None and tag.id not in contact.tags:
            continue
        if msg.service_type == "sms":
            member = contact.phone_lists.get(msg.list_id)
            address, status = contact.phone, contact.phone_status
            key = norm_phone(address or "")
        else:
            member = contact.email_lists.get(msg.list_id)
            address, status = contact.email, contact.email_status
            key = (address or "").lower()
        if address is None or member is None or member.status != "active":
            continue
        if status not in ("new", "active"):
            continue
        if restriction is not None and key not in restriction:
            continue
        out.append((address, contact.id))
    return out


def _unreachable(account: Account) -> list[int]:
    """Contacts whose address bounced hard: their next letters bounce too."""
    return [c.id for c in account.contacts.values() if c.email_availability == "unreachable"]


@api("createCampaign")
def create_campaign(call: Call) -> dict[str, Any]:
    """Send a message to its list now or at start_time; the outcome is planned right away."""
    account = call.account
    msg = get_message(account, call.params.req_int("message_id"))
    newest = actual(call, msg)
    if newest.id != msg.id:
        raise Unspecified(f"Unable to create campaign. The letter has a new version ({newest.id})")
    start = _start_time(call, account)
    if start < call.now - timedelta(minutes=5):
        raise InvalidArg(f"start_time: {fmt(start)} UTC is in the past")
    if start > call.now + timedelta(days=MAX_SCHEDULE_DAYS):
        raise InvalidArg(f"start_time: at most {MAX_SCHEDULE_DAYS} days ahead")
    start = max(start, call.now)
    for other in account.campaigns.values():
        if other.message_id != msg.id or other.canceled_at is not None:
            continue
        if abs((other.start - start).total_seconds()) < SAME_MESSAGE_INTERVAL_SECONDS:
            raise InvalidArg(
                f"message {msg.id} is already sent by campaign {other.id} at {fmt(other.start)}; "
                "the same message cannot be sent twice within one hour"
            )
    currency = call.params.text("payment_currency")
    if currency and currency.strip().upper() != "USD":
        raise InvalidArg("payment_currency: only USD is supported")
    limit_text = call.params.text("payment_limit")
    if limit_text:
        try:
            limit = float(limit_text)
        except ValueError:
            raise InvalidArg(f"payment_limit: {limit_text!r} is not a number") from None
        if limit > 0 and account.balance < limit:
            raise NotEnoughMoney(f"the balance {account.balance:.2f} USD is below payment_limit")
    track_read = call.params.flag("track_read")
    track_links = call.params.flag("track_links")
    track_ga = call.params.flag("track_ga")
    restriction = _restriction(call)
    campaign_id = call.state.next_id("campaign")
    sms = msg.service_type == "sms"
    recipients, statuses = plan_campaign(
        seed=call.state.seed,
        campaign_id=campaign_id,
        created=call.now,
        start=start,
        recipients=_recipients(account, msg, restriction),
        links=[] if sms else links_of(msg.body),
        model=call.model,
        unreachable=[] if sms else _unreachable(account),
    )
    if sms:
        for rec in recipients:
            rec.reads, rec.clicks, rec.unsubscribed_at, rec.spam_at = [], [], None, None
            rec.deferred_at = None
            if rec.result != "ok_delivered":
                rec.result = "err_delivery_failed"  # checkSms' word for any failure (§5.4)
    campaign = Campaign(
        id=campaign_id,
        message_id=msg.id,
        list_id=msg.list_id,
        created=call.now,
        start=start,
        track_read=track_read,
        track_links=track_links,
        track_ga=track_ga,
        recipients=recipients,
        statuses=statuses,
        timeline=build_timeline(recipients, statuses, track_read, track_links),
    )
    account.campaigns[campaign.id] = campaign
    msg.sent = True
    msg.last_campaign_at = start
    status = campaign.status_at(call.now)
    call.emit(
        "campaign_status",
        {"campaign_id": campaign.id, "status": status, "contact_count": len(recipients)},
    )
    # `count` is deprecated and always 0 (§5.6).
    return {"campaign_id": campaign.id, "status": status, "count": 0}


@api("cancelCampaign")
def cancel_campaign(call: Call) -> list[Any]:
    """Cancel a campaign that has not started sending."""
    campaign = get_campaign(call)
    status = campaign.status_at(call.now)
    if status not in CANCELLABLE:
        raise Unspecified(f'SF161129-03 [Campaign in status "{status}" can\'t be cancelled]')
    campaign.canceled_at = call.now
    campaign.statuses = [s for s in campaign.statuses if s[0] <= call.now] + [
        (call.now, "canceled")
    ]
    campaign.timeline = [
        *campaign.timeline[: campaign.cursor],
        TimelineEvent(call.now, "campaign_status", "canceled"),
    ]
    return []


def campaign_dict(call: Call, campaign: Campaign) -> dict[str, Any]:
    """The getCampaigns item."""
    msg = call.account.messages.get(campaign.message_id)
    return {
        "id": campaign.id,
        "start_time": fmt(campaign.start),
        "status": campaign.status_at(call.now),
        "message_id": campaign.message_id,
        "list_id": campaign.list_id,
        "subject": msg.subject if msg else "",
        "sender_name": msg.sender_name if msg else "",
        "sender_email": msg.sender_email if msg else "",
        "stats_url": call.link(f"/_emulator/campaigns/{campaign.id}"),
    }


@api("getCampaigns")
def get_campaigns(call: Call) -> list[dict[str, Any]]:
    """Campaigns by start time window."""
    start = call.params.time("from")
    end = call.params.time("to")
    limit = call.params.integer("limit", 10_000, lo=1, hi=10_000) or 10_000
    offset = call.params.integer("offset", 0, lo=0) or 0
    rows = [
        c
        for c in call.account.campaigns.values()
        if (start is None or c.start >= start) and (end is None or c.start <= end)
    ]
    return [campaign_dict(call, c) for c in rows[offset : offset + limit]]


@api("getCampaignStatus")
def get_campaign_status(call: Call) -> dict[str, Any]:
    """Current status with creation and start time."""
    campaign = get_campaign(call)
    return {
        "status": campaign.status_at(call.now),
        "creation_time": fmt(campaign.created),
        "start_time": fmt(campaign.start),
    }
