"""Campaigns, framework-neutral: the launch the guidelines describe, and statistics snapshots.

A host persists what these return (the Django module: its Campaign and CampaignStats rows);
the decisions (tracking on, now or at a time, the whole list or a segment file) live here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields

from selzy.client import Selzy
from selzy.types import CampaignCommonStats


@dataclass(frozen=True, slots=True)
class CampaignLaunch:
    """A campaign created in Selzy: its id and first status."""

    campaign_id: int
    status: str


def launch_campaign(
    client: Selzy,
    *,
    message_id: int,
    start_time: dt.datetime | None = None,
    contacts_url: str | None = None,
) -> CampaignLaunch:
    """createCampaign with read and link tracking on (the guidelines ask for both).

    ``start_time`` None sends now, an aware datetime schedules it; ``contacts_url`` narrows the
    recipients to a segment file Selzy downloads. createCampaign is never retried after an
    ambiguous failure (the client's rule): a launch is never doubled.
    """
    created = client.create_campaign(
        message_id=message_id,
        start_time=start_time,
        track_read=True,
        track_links=True,
        contacts_url=contacts_url,
    )
    return CampaignLaunch(created.campaign_id, created.status)


#: getCampaignCommonStats' counters a snapshot keeps, in the order screens show them.
STATS_COUNTERS: tuple[str, ...] = tuple(
    f.name for f in fields(CampaignCommonStats) if f.name != "extra"
)


@dataclass(frozen=True, slots=True)
class StatsSnapshot:
    """A campaign's status and counters at one moment (a point of its statistics history)."""

    taken_at: dt.datetime
    status: str
    counters: Mapping[str, int]


def take_stats_snapshot(
    client: Selzy,
    campaign_id: int,
    *,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> StatsSnapshot:
    """getCampaignStatus and getCampaignCommonStats, read together as one snapshot."""
    status = client.get_campaign_status(campaign_id=campaign_id)
    stats = client.get_campaign_common_stats(campaign_id=campaign_id)
    counters = {name: int(getattr(stats, name)) for name in STATS_COUNTERS}
    return StatsSnapshot(now(), status.status, counters)
