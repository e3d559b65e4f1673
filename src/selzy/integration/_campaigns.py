"""Campaigns, framework-neutral: the launch the guidelines describe, and statistics snapshots.

A host persists what these return (the Django module: its Campaign and CampaignStats rows);
the decisions (tracking on, now or at a time, the whole list or a segment file, what a refusal
or a lost answer means) live here.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, fields

from selzy.client import (
    APIConnectionError,
    APIError,
    APIStatusError,
    InvalidResponseError,
    Selzy,
    SelzyError,
)
from selzy.types import Campaign, CampaignCommonStats

#: The host's clock and Selzy's may disagree by this much (and Selzy keeps start times to the
#: minute): a campaign found up to this long before the launch began is still taken as its own.
CLOCK_SLACK = dt.timedelta(minutes=5)

#: Selzy's refusal of a message sent less than an hour ago (REFERENCE §5.6 documents the rule,
#: not its words; the emulator says "message N is already sent by campaign M at ...; the same
#: message cannot be sent twice within one hour").
_ALREADY_SENT = re.compile(r"already sent|sent twice|twice within|within (?:one|an) hour", re.I)

#: getCampaigns' largest page.
_PAGE = 10_000


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class LaunchKind(enum.StrEnum):
    """What a launch came to."""

    #: createCampaign answered: the campaign exists.
    CREATED = "created"
    #: createCampaign's answer was lost, and Selzy lists a campaign of the message created since
    #: the launch began: that one is the launch's.
    ADOPTED = "adopted"
    #: Selzy refused: the message was sent less than an hour ago. Trying again would send it
    #: twice once the hour has passed, so nothing is offered.
    ALREADY_SENT = "already_sent"
    #: Nothing was created (a refusal, or a lost answer after which Selzy lists no campaign):
    #: the launch may be tried again.
    FAILED = "failed"
    #: The answer was lost and Selzy could not be asked what it did: nothing may be offered
    #: until :func:`resolve_launch` gets an answer.
    UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True, slots=True)
class LaunchOutcome:
    """A launch's outcome: the campaign's id and first status when it exists in Selzy.

    ``began`` is when createCampaign was about to be sent (keep it: :func:`resolve_launch`
    needs it later); ``error`` says why there is no campaign (the refusal, the lost answer, or
    why Selzy could not be asked); ``answer_lost`` is True when createCampaign's answer never
    came back and the outcome was read from Selzy's list instead.
    """

    kind: LaunchKind
    began: dt.datetime
    campaign_id: int | None = None
    status: str = ""
    error: SelzyError | None = None
    answer_lost: bool = False

    @property
    def may_retry(self) -> bool:
        """Only a launch that provably created nothing may be tried again."""
        return self.kind is LaunchKind.FAILED


def _is_already_sent(error: SelzyError) -> bool:
    """Selzy's refusal of a message that was sent less than an hour ago."""
    return isinstance(error, APIError) and bool(_ALREADY_SENT.search(error.message))


def _answer_lost(error: SelzyError) -> bool:
    """The request reached Selzy but its answer did not come back: it may have taken effect.

    The client does not retry createCampaign then (the same rule decides its retries).
    """
    if isinstance(error, APIConnectionError):
        return error.request_sent
    if isinstance(error, APIStatusError):  # a proxy's 5xx or timeout, not Selzy's refusal
        return error.status_code >= 500 or error.status_code == 408
    return isinstance(error, InvalidResponseError)


def launch_campaign(
    client: Selzy,
    *,
    message_id: int,
    start_time: dt.datetime | None = None,
    contacts_url: str | None = None,
    known: Collection[int] = (),
    now: Callable[[], dt.datetime] = _utc_now,
) -> LaunchOutcome:
    """createCampaign with read and link tracking on (the guidelines ask for both).

    ``start_time`` None sends now, an aware datetime schedules it; ``contacts_url`` narrows the
    recipients to a segment file Selzy downloads. createCampaign is never retried after an
    ambiguous failure (the client's rule); when its answer is lost, Selzy is asked instead
    (:func:`resolve_launch`; ``known`` are the message's campaign ids the host already holds).
    """
    began = now()
    try:
        created = client.create_campaign(
            message_id=message_id,
            start_time=start_time,
            track_read=True,
            track_links=True,
            contacts_url=contacts_url,
        )
    except SelzyError as error:
        if _is_already_sent(error):
            return LaunchOutcome(LaunchKind.ALREADY_SENT, began, error=error)
        if not _answer_lost(error):
            return LaunchOutcome(LaunchKind.FAILED, began, error=error)
        return resolve_launch(
            client,
            message_id=message_id,
            began=began,
            start_time=start_time,
            known=known,
            error=error,
        )
    return LaunchOutcome(LaunchKind.CREATED, began, created.campaign_id, created.status)


def resolve_launch(
    client: Selzy,
    *,
    message_id: int,
    began: dt.datetime,
    start_time: dt.datetime | None = None,
    known: Collection[int] = (),
    error: SelzyError | None = None,
) -> LaunchOutcome:
    """What a launch whose answer was lost did, read from Selzy (getCampaigns).

    A campaign of the message created since ``began`` (and not in ``known``) is the launch's:
    ADOPTED. None: FAILED, and only then may it be tried again. Selzy not answering:
    UNCONFIRMED (ask again later). ``error`` is the lost answer's, kept for a FAILED outcome.
    """
    try:
        found = _find_launched(
            client, message_id=message_id, since=began, start_time=start_time, known=known
        )
    except SelzyError as lookup_error:
        return LaunchOutcome(LaunchKind.UNCONFIRMED, began, error=lookup_error, answer_lost=True)
    if found is None:
        return LaunchOutcome(LaunchKind.FAILED, began, error=error, answer_lost=True)
    campaign_id, status = found
    return LaunchOutcome(LaunchKind.ADOPTED, began, campaign_id, status, answer_lost=True)


def _find_launched(
    client: Selzy,
    *,
    message_id: int,
    since: dt.datetime,
    start_time: dt.datetime | None = None,
    known: Collection[int] = (),
) -> tuple[int, str] | None:
    """The id and status of the message's campaign created at or after ``since``, if any.

    getCampaigns filters by start time only: a campaign sent now starts when it is created, a
    scheduled one at ``start_time``; getCampaignStatus then tells each candidate's creation
    time, so an earlier campaign of the same message is never taken for this launch.
    """
    earliest = min(since, start_time or since) - CLOCK_SLACK
    for campaign in _campaigns_from(client, earliest):
        if campaign.message_id != message_id or campaign.id in known:
            continue
        status = client.get_campaign_status(campaign_id=campaign.id)
        created = status.creation_time or campaign.start_time
        if created is None or created >= since - CLOCK_SLACK:
            return campaign.id, status.status or campaign.status
    return None


def _campaigns_from(client: Selzy, earliest: dt.datetime) -> list[Campaign]:
    """Every campaign starting at or after ``earliest``, oldest id first, page by page."""
    found: list[Campaign] = []
    while True:
        page = list(client.get_campaigns(from_=earliest, limit=_PAGE, offset=len(found)))
        found += page
        if len(page) < _PAGE:
            return sorted(found, key=lambda campaign: campaign.id)


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
