"""Moving the world forward: replay campaign timelines up to "now" into contact side effects and
webhook events, complete async tasks, and schedule webhook redeliveries (and stop a hook whose
receiver keeps failing, as Selzy does, §6.2)."""

from __future__ import annotations

import html
from datetime import datetime

from ._call import Event
from ._delivery import TimelineEvent
from ._effects import apply_letter_status, email_status_event, unsubscribe_event, unsubscribe_from
from ._handlers.tasks import task_result
from ._mail import fmt, send_letter
from ._state import Account, Campaign, Hook, State
from ._webhooks import GIVE_UP_AFTER, RETRY_EVERY, Delivery, deliveries_for


def replay_campaign(account: Account, campaign: Campaign, now: datetime) -> list[Event]:
    """Apply the campaign's timeline up to `now` (once: a cursor remembers); its events."""
    events: list[Event] = []
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
        events.append(email_status_event(account.login, rec.email, ev.status, ev.time, campaign.id))
        contact = account.contacts.get(rec.contact_id)
        if contact is None:
            continue
        apply_letter_status(contact, ev.status, ev.time)
        if ev.status == "ok_unsubscribed":
            # The letter's unsubscribe link: its campaign's list only.
            unsubscribe_from(contact, [campaign.list_id])
            events.append(unsubscribe_event(account.login, rec.email, [campaign.list_id], ev.time))
    campaign.cursor = i
    return events


def reschedule(campaign: Campaign, index: int) -> None:
    """After recipient `index`'s plan was edited: its events not yet replayed follow the plan.

    Call it with the campaign replayed up to now, so every event left to replay lies in the
    future and an edit dated now is replayed next. A status already reported is not reported
    again (each appears at most once in a letter's history).
    """
    done = {
        e.status
        for e in campaign.timeline[: campaign.cursor]
        if e.kind == "email_status" and e.recipient == index
    }
    rec = campaign.recipients[index]
    rest = [e for e in campaign.timeline[campaign.cursor :] if e.recipient != index]
    rest += [
        TimelineEvent(when, "email_status", status, index)
        for when, status in rec.history(campaign.track_read, campaign.track_links)
        if status not in done
    ]
    rest.sort(key=lambda e: e.time)
    campaign.timeline[campaign.cursor :] = rest


def _hook_live(state: State, delivery: Delivery) -> bool:
    account = state.by_login.get(delivery.login)
    hook = account.hooks.get(delivery.url) if account else None
    return hook is not None and hook.status == "active"


def advance_timelines(state: State, now: datetime) -> list[Delivery]:
    """Apply everything due by `now`; return the webhook deliveries to attempt."""
    out: list[Delivery] = []
    for account in state.accounts.values():
        events: list[Event] = []
        for campaign in account.campaigns.values():
            if campaign.cursor < len(campaign.timeline):
                events += replay_campaign(account, campaign, now)
        if events and account.hooks:
            out.extend(deliveries_for(account, events, now))
        for task in account.tasks.values():
            if task.notify_url and not task.notified and now >= task.ready_at:
                task.notified = True
                out.append(Delivery(account.login, task.notify_url, task_result(task, now), 0, now))
    due = [r for r in state.retries if r.due is not None and r.due <= now]
    if due:
        state.retries = [r for r in state.retries if r not in due]
        # A hook removed, disabled or stopped meanwhile gets no more redeliveries.
        out.extend(r for r in due if _hook_live(state, r))
    return out


def record_delivery(
    state: State, delivery: Delivery, status: int | None, error: str, now: datetime
) -> None:
    """Log an attempt; failed hook deliveries are retried every 10 minutes for 24 hours (§6.2),
    then the hook is stopped and the account owner is told."""
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
    if delivery.events == 0:  # notify_url callbacks are not retried
        return
    account = state.by_login.get(delivery.login)
    hook = account.hooks.get(delivery.url) if account else None
    if account is None or hook is None:
        return
    if ok:
        hook.failing_since = None
        return
    if hook.failing_since is None:
        hook.failing_since = delivery.first_attempt
    if now - delivery.first_attempt >= GIVE_UP_AFTER:
        if hook.status == "active":
            _stop(state, account, hook, status, error, now)
        return
    delivery.retry_count += 1
    delivery.due = now + RETRY_EVERY
    state.retries.append(delivery)


def _stop(
    state: State, account: Account, hook: Hook, status: int | None, error: str, now: datetime
) -> None:
    """Stop the hook, drop its pending redeliveries and mail the owner the last response."""
    hook.status = "stopped"
    state.retries = [
        r for r in state.retries if not (r.login == account.login and r.url == hook.url)
    ]
    response = f"HTTP {status}" if status is not None else (error or "no answer")
    since = fmt(hook.failing_since) or fmt(now)
    send_letter(
        state,
        login=account.login,
        kind="hook_stopped",
        to=account.email,
        sender="Selzy <noreply@selzy.example>",
        subject="Your webhook handler has been stopped",
        html_body=(
            f"<p>Selzy could not deliver events to <code>{html.escape(hook.url)}</code> since "
            f"{since} UTC and has stopped the handler.</p>"
            f"<p>Last response: <code>{html.escape(response)}</code></p>"
            "<p>Events that happen while it is stopped are not delivered later. Fix the "
            "receiver, then call setHook with <code>status=active</code> to switch it on.</p>"
        ),
        now=now,
    )
