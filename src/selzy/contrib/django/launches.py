"""A campaign launches once: what the launch decisions read, and how an outcome is stored.

Every decision to launch (the campaign form, "Try again") is taken by :mod:`.jobs` in a
transaction holding the message's row lock (:func:`lock_message`), and the
``selzy_campaign_one_in_flight`` constraint backs it: two POSTs at once, or one sent twice, make
one Campaign row. A message that already went out is sent again only when the user confirms
it, and the confirmation names the campaign it repeats (:class:`PriorSend`): one given before
another send does not cover that one. The engine decides what a launch came to
(:class:`~selzy.integration.LaunchOutcome`); :func:`record_outcome` only stores it.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from selzy.integration import LaunchKind, LaunchOutcome

from .conf import selzy_settings
from .models import Campaign, ImportRun, Message

Stage = Campaign.Stage


def lock_message(message_pk: int) -> None:
    """Hold the message's row until the transaction ends: launch decisions for it queue up.

    ``SELECT ... FOR UPDATE`` where the database has it; SQLite has no row locks but lets one
    transaction write at a time, and the constraint refuses a second campaign in flight.
    """
    list(Message.objects.select_for_update().filter(pk=message_pk).values_list("pk", flat=True))


def in_flight(message: Message) -> Campaign | None:
    """The message's campaign whose launch is not over (importing, or not confirmed yet)."""
    return message.campaigns.filter(stage__in=Campaign.IN_FLIGHT).order_by("pk").first()


def known_ids(campaign: Campaign) -> list[int]:
    """The Selzy ids of the message's other campaigns: never taken for this launch's."""
    others = campaign.message.campaigns.exclude(pk=campaign.pk)
    return [pk for pk in others.values_list("campaign_id", flat=True) if pk is not None]


@dataclass(frozen=True, slots=True)
class PriorSend:
    """The message's latest send, in the words the confirmation of a new one repeats."""

    campaign: Campaign
    text: str


class ResendNotConfirmed(Exception):
    """The message already went out, and the form did not confirm sending it again."""

    def __init__(self, prior: PriorSend) -> None:
        self.prior = prior
        super().__init__(f"{prior.text} To send it again, confirm it below.")


def prior_send(message: Message) -> PriorSend | None:
    """The message's latest campaign Selzy has; without one, Selzy's latest refusal saying the
    message went out all the same (sent from elsewhere)."""
    campaigns = message.campaigns.order_by("-pk")
    earlier = campaigns.filter(campaign_id__isnull=False).first()
    earlier = earlier or campaigns.filter(stage=Stage.ALREADY_SENT).first()
    if earlier is None:
        return None
    return PriorSend(earlier, _describe(earlier))


def _describe(campaign: Campaign) -> str:
    """When and to how many the campaign sent the message (its latest statistics)."""
    if campaign.campaign_id is None:  # refused: Selzy says it went out, from elsewhere
        when = _local(campaign.launched_at or campaign.created_at, "")
        return (
            f"Selzy refused to send this message on {when} because it had already been sent "
            "(not by a campaign of this site): to how many contacts is not known here."
        )
    scheduled = not campaign.send_now and campaign.start_time is not None
    moment = campaign.start_time if scheduled else campaign.launched_at
    moment = moment or campaign.created_at
    when = _local(moment, campaign.timezone if scheduled else "")
    stats = campaign.latest_stats()
    if stats is None:
        count = "an unknown number of contacts (its statistics have not been read yet)"
    else:
        count = f"{stats.total:,} contact{'' if stats.total == 1 else 's'}"
    verb = "is scheduled to go out" if moment > timezone.now() else "already went out"
    return f"This message {verb} on {when} to {count} (Selzy campaign {campaign.campaign_id})."


def _local(moment: dt.datetime, zone_name: str) -> str:
    """``moment`` in the zone the user chose (the site's when none), the zone named."""
    zone: dt.tzinfo
    try:
        zone = zoneinfo.ZoneInfo(zone_name) if zone_name else timezone.get_current_timezone()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone, zone_name = dt.UTC, "UTC"
    local = moment.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} ({zone_name or local.tzname()})"


def may_retry(campaign: Campaign) -> bool:
    """Whether "Try again" is offered: only for a launch that provably created nothing, while
    it is the message's latest campaign and no other launch of it is in flight."""
    if campaign.stage != Stage.FAILED or campaign.campaign_id is not None:
        return False
    later = campaign.message.campaigns.filter(pk__gt=campaign.pk).exists()
    return not later and in_flight(campaign.message) is None


def record_outcome(campaign: Campaign, outcome: LaunchOutcome, *, expected: str) -> bool:
    """Store what the launch came to, if the campaign is still at the ``expected`` stage.

    The condition makes a second writer (the same job delivered twice, two checks at once) a
    no-op. Returns whether this call stored it; ``campaign`` is read again either way.
    """
    fields: dict[str, object] = {"error": ""}
    if outcome.campaign_id is not None:
        fields.update(campaign_id=outcome.campaign_id, status=outcome.status, stage=Stage.CREATED)
    elif outcome.kind is LaunchKind.ALREADY_SENT:
        fields.update(stage=Stage.ALREADY_SENT, error=str(outcome.error or ""))
    elif outcome.kind is LaunchKind.UNCONFIRMED:
        fields.update(stage=Stage.UNCONFIRMED, error=str(outcome.error or ""))
    else:
        fields.update(stage=Stage.FAILED, error=_failure(campaign, outcome))
    return _store(campaign, fields, expected)


def record_failure(campaign: Campaign, text: str, *, expected: str) -> bool:
    """Store a launch that stopped before createCampaign was sent (it may be tried again)."""
    return _store(campaign, {"stage": Stage.FAILED, "error": text}, expected)


def _store(campaign: Campaign, fields: dict[str, object], expected: str) -> bool:
    stored = Campaign.objects.filter(pk=campaign.pk, stage=expected).update(**fields)
    campaign.refresh_from_db()
    return bool(stored)


def _failure(campaign: Campaign, outcome: LaunchOutcome) -> str:
    if not outcome.answer_lost:
        return str(outcome.error or "The campaign could not be created.")
    since = _local(campaign.launched_at or outcome.began, "")
    lost = f" ({outcome.error})" if outcome.error is not None else ""
    return (
        f"Selzy's answer to createCampaign was lost{lost}. Selzy lists no campaign of this "
        f"message created since {since}, so none was created."
    )


#: Why :func:`release_stuck` ended a launch, before and during createCampaign.
STOPPED_BEFORE = (
    "The launch stopped before the campaign was created (its process ended). Nothing was sent: "
    "try again."
)
STOPPED_DURING = (
    "The launch stopped while createCampaign was being sent (its process ended): check with "
    "Selzy whether it created the campaign."
)


def release_stuck(now: dt.datetime | None = None) -> int:
    """End the launches whose process died: a campaign still "importing" while its import has
    been over (or silent) for longer than ``RUN_LEASE`` has no job left to finish it, and it
    would hold its message (one launch in flight) for ever. One whose createCampaign was never
    sent (``launched_at`` empty) fails, so **Try again** is offered; one stamped may have been
    created, so it waits for **Check with Selzy**. The periodic scan calls this; how many."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=selzy_settings().run_lease)
    working = (ImportRun.Status.QUEUED, ImportRun.Status.RUNNING)
    stuck = (
        Campaign.objects.filter(stage=Stage.IMPORTING, created_at__lt=cutoff)
        .exclude(import_run__status__in=working)
        .filter(
            Q(import_run__isnull=True)
            | Q(import_run__finished_at__lt=cutoff)
            | Q(import_run__finished_at__isnull=True, import_run__heartbeat_at__lt=cutoff)
            | Q(import_run__finished_at__isnull=True, import_run__heartbeat_at__isnull=True)
        )
    )
    released = 0
    for campaign in stuck.select_related("message"):
        if campaign.launched_at is None:
            released += record_failure(campaign, STOPPED_BEFORE, expected=Stage.IMPORTING)
        else:
            fields: dict[str, object] = {"stage": Stage.UNCONFIRMED, "error": STOPPED_DURING}
            released += _store(campaign, fields, Stage.IMPORTING)
    return released
