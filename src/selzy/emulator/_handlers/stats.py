"""§5.7 Statistics, all read from the campaign's planned outcome at the current instant."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from .._call import Call, api
from .._mail import fmt
from .._state import Campaign
from .campaigns import get_campaign, stats_time
from .tasks import create_task, to_csv


def common_stats(campaign: Campaign, call: Call) -> dict[str, int]:
    """getCampaignCommonStats counters at `call.now` (read_unique counts openers or clickers)."""
    return common_stats_at(campaign, call.now)


def common_stats_at(campaign: Campaign, now: datetime) -> dict[str, int]:
    """getCampaignCommonStats counters at `now` (also the control plane's campaign page)."""
    t = stats_time(campaign, now)
    out = dict.fromkeys(
        (
            "total",
            "sent",
            "delivered",
            "read_unique",
            "read_all",
            "clicked_unique",
            "clicked_all",
            "unsubscribed",
            "spam",
        ),
        0,
    )
    out["total"] = len(campaign.recipients)
    for rec in campaign.recipients:
        if rec.sent_at > t:
            continue
        out["sent"] += 1
        if rec.result != "ok_delivered" or rec.result_at > t:
            continue
        out["delivered"] += 1
        reads = sum(1 for r in rec.reads if r <= t) if campaign.track_read else 0
        clicks = sum(1 for c, _ in rec.clicks if c <= t) if campaign.track_links else 0
        if reads or clicks:
            out["read_unique"] += 1
            out["read_all"] += max(reads, 1)
        if clicks:
            out["clicked_unique"] += 1
            out["clicked_all"] += clicks
        if rec.unsubscribed_at is not None and rec.unsubscribed_at <= t:
            out["unsubscribed"] += 1
        if rec.spam_at is not None and rec.spam_at <= t:
            out["spam"] += 1
    return out


@api("getCampaignCommonStats")
def get_campaign_common_stats(call: Call) -> dict[str, int]:
    """Totals of a campaign."""
    return common_stats(get_campaign(call), call)


@api("async/getCampaignDeliveryStats")
def get_campaign_delivery_stats(call: Call) -> dict[str, Any]:
    """Per-address delivery status as a CSV task (email, send_result, last_update, fields)."""
    campaign = get_campaign(call)
    since = call.params.time("changed_since", seconds=True)
    field_ids = [int(x) for x in call.params.int_csv("field_ids") if int(x) in call.account.fields]
    fields = [call.account.fields[i] for i in field_ids]
    t = stats_time(campaign, call.now)
    contacts = call.account.contacts

    def rows() -> Iterator[list[Any]]:
        for rec in campaign.recipients:
            status, when = rec.status_at(t, campaign.track_read, campaign.track_links)
            if status == "not_sent" or (since is not None and when < since):
                continue
            contact = contacts.get(rec.contact_id)
            values = [contact.fields.get(f.id, "") if contact else "" for f in fields]
            yield [rec.email, status, fmt(when), *values]

    header = ["email", "send_result", "last_update", *(f.name for f in fields)]
    return create_task(call, "getCampaignDeliveryStats", to_csv(header, rows()))


@api("getCampaignAggregateStats")
def get_campaign_aggregate_stats(call: Call) -> dict[str, Any]:
    """Counts per delivery status (shape UNCONFIRMED, §5.7: the emulator's proposal)."""
    campaign = get_campaign(call)
    t = stats_time(campaign, call.now)
    counts: Counter[str] = Counter(
        rec.status_at(t, campaign.track_read, campaign.track_links)[0]
        for rec in campaign.recipients
    )
    return {"total": len(campaign.recipients), "data": dict(sorted(counts.items()))}


@api("getVisitedLinks")
def get_visited_links(call: Call) -> dict[str, Any]:
    """Clicks on tracked links; group=1 folds them into (email, url) rows with a count."""
    campaign = get_campaign(call)
    t = stats_time(campaign, call.now)
    group = call.params.flag("group")
    clicks: list[tuple[str, str, str, str]] = []
    if campaign.track_links:
        for rec in campaign.recipients:
            for when, url in rec.clicks:
                if when <= t:
                    clicks.append((rec.email, url, fmt(when) or "", rec.ip))
    clicks.sort(key=lambda c: c[2])
    if not group:
        return {"fields": ["email", "url", "request_time", "ip"], "data": [list(c) for c in clicks]}
    grouped: dict[tuple[str, str], list[Any]] = {}
    for email, url, at, ip in clicks:
        row = grouped.get((email, url))
        if row is None:
            grouped[(email, url)] = [email, url, at, ip, 1]
        else:
            row[4] += 1
    return {
        "fields": ["email", "url", "request_time", "ip", "count"],
        "data": list(grouped.values()),
    }
