"""Moving the world forward: replay campaign timelines up to "now" into contact side effects and
webhook events, complete async tasks, and schedule webhook redeliveries."""

from __future__ import annotations

from datetime import datetime

from ._call import Event
from ._handlers.tasks import task_result
from ._state import Account, Campaign, State
from ._webhooks import GIVE_UP_AFTER, RETRY_EVERY, Delivery, deliveries_for, status_group

_AVAILABILITY = {
    "err_user_unknown": "unreachable",
    "err_domain_inactive": "unreachable",
    "err_mailbox_full": "mailbox_full",
    "err_spam_rejected": "spam_rejected",
    # The recipient marked the letter as spam: getContact and the export say so (§4).
    "ok_spam_folder": "spam_folder",
}


def _replay(account: Account, campaign: Campaign, now: datetime, events: list[Event]) -> None:
    timeline = campaign.timeline
    i = campaign.cursor
    while i < len(timeline) and timeline[i].time <= now:
        ev = timeline[i]
        i += 1
        if ev.kind == "campaign_status":
            events.append(
                Event(
                    account.login,
                    "campaign_status",
                    ev.time,
                    {
                        "campaign_id": campaign.id,
                        "status": ev.status,
                        "contact_count": len(campaign.recipients),
                    },
                )
            )
            continue
        rec = campaign.recipients[ev.recipient]
        contact = account.contacts.get(rec.contact_id)
        if contact is not None:
            if ev.status == "ok_sent":
                contact.last_send_at = ev.time
            elif ev.status == "ok_delivered":
                contact.last_delivery_at = ev.time
            elif ev.status == "ok_read":
                contact.last_read_at = ev.time
            elif ev.status == "ok_link_visited":
                contact.last_click_at = ev.time
                contact.last_read_at = contact.last_read_at or ev.time
            elif ev.status == "ok_unsubscribed":
                member = contact.email_lists.get(campaign.list_id)
                if member is not None:
                    member.status = "unsubscribed"
                events.append(
                    Event(
                        account.login,
                        "unsubscribe",
                        ev.time,
                        {"email": rec.email, "unsubscribed_list_ids": [campaign.list_id]},
                    )
                )
            elif ev.status in _AVAILABILITY:
                contact.email_availability = _AVAILABILITY[ev.status]
        events.append(
            Event(
                account.login,
                "email_status",
                ev.time,
                {
                    "email": rec.email,
                    "status": ev.status,
                    "status_group": status_group(ev.status),
                    "campaign_id": campaign.id,
                },
            )
        )
    campaign.cursor = i


def advance_timelines(state: State, now: datetime) -> list[Delivery]:
    """Apply everything due by `now`; return the webhook deliveries to attempt."""
    out: list[Delivery] = []
    for account in state.accounts.values():
        events: list[Event] = []
        for campaign in account.campaigns.values():
            if campaign.cursor < len(campaign.timeline):
                _replay(account, campaign, now, events)
        if events and account.hooks:
            out.extend(deliveries_for(account, events, now))
        for task in account.tasks.values():
            if task.notify_url and not task.notified and now >= task.ready_at:
                task.notified = True
                out.append(Delivery(account.login, task.notify_url, task_result(task, now), 0, now))
    due = [r for r in state.retries if r.due is not None and r.due <= now]
    if due:
        state.retries = [r for r in state.retries if r not in due]
        out.extend(due)
    return out


def record_delivery(
    state: State, delivery: Delivery, status: int | None, error: str, now: datetime
) -> None:
    """Log an attempt; failed hook deliveries are retried every 10 minutes for 24 hours (§6.2)."""
    ok = status == 200
    state.webhook_log.append(
        {
            "time": now.isoformat(),
            "login": delivery.login,
            "url": delivery.url,
            "retry_count": delivery.retry_count,
            "events": delivery.events,
            "status": status,
            "error": error,
            "body": delivery.extra.get("body", ""),
        }
    )
    if ok or delivery.events == 0:  # notify_url callbacks are not retried
        return
    account = state.by_login.get(delivery.login)
    hook = account.hooks.get(delivery.url) if account else None
    if hook is None:
        return
    if now - delivery.first_attempt >= GIVE_UP_AFTER:
        hook.status = "stopped"
        return
    delivery.retry_count += 1
    delivery.due = now + RETRY_EVERY
    state.retries.append(delivery)
