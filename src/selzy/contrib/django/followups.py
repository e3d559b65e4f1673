"""Follow-ups: a campaign's recipients who did not open it (or did not click), as a segment.

A follow-up is a segment whose key names the campaign and what its recipients did not do,
``follow-up:<campaign pk>:not-opened`` or ``...:not-clicked`` (keys of this shape are the
module's: a source's own segments never take them). It is chosen on the campaign form like a
source's segments, stored in ``Campaign.segment``, and reaches Selzy the same way: a signed,
expiring ``contacts_url`` (:func:`.jobs.segment_url`) whose file :func:`emails` writes when Selzy
downloads it.

Its addresses are the source's contacts that
- the campaign went to: any activity of theirs in it (:mod:`.activity` keeps ``sent`` for every
  address the delivery report lists);
- did not open it (no ``opened`` or ``clicked``), or did not click (no ``clicked``);
- Selzy has not marked since: unsubscribed, undeliverable or complained, in the ledger's status
  cache or in that campaign's own activity;
- the source still imports (its filter), as any segment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from django.db.models import Count

from .models import Campaign, ContactActivity, ContactState
from .sources import ContactSource

Missing = Literal["opened", "clicked"]
#: What a follow-up can be about, by the word forms and keys use.
MISSING: dict[str, Missing] = {"opened": "opened", "clicked": "clicked"}

_KEY = re.compile(r"follow-up:(\d{1,18}):not-(opened|clicked)")
#: Activity in the campaign that takes an address out of any follow-up.
_ENDED = frozenset({"unsubscribed", "hard_bounce", "complaint"})
#: What counts as having done what the follow-up is about.
_DONE: dict[str, frozenset[str]] = {
    "opened": frozenset({"opened", "clicked"}),  # a click opened the letter too
    "clicked": frozenset({"clicked"}),
}
#: Ledger rows read per step of the file (each step is three queries).
CHUNK = 900  # the addresses of a step go into one IN (...): under SQLite's 999 parameters


@dataclass(frozen=True)
class FollowUp:
    """The recipients of campaign ``campaign_pk`` (a Campaign row) who did not do ``missing``."""

    campaign_pk: int
    missing: Missing

    @property
    def key(self) -> str:
        """The segment key ``Campaign.segment`` and the signed token carry."""
        return f"follow-up:{self.campaign_pk}:not-{self.missing}"


def parse(segment: str) -> FollowUp | None:
    """The follow-up a segment key names, or None for any other key."""
    found = _KEY.fullmatch(segment or "")
    if found is None:
        return None
    return FollowUp(int(found.group(1)), MISSING[found.group(2)])


def campaign_of(follow_up: FollowUp) -> Campaign | None:
    """The campaign followed up, if it exists, was created in Selzy and its activity fetched:
    without the activity nobody is known to have opened it."""
    return (
        Campaign.objects.select_related("message")
        .filter(
            pk=follow_up.campaign_pk,
            campaign_id__isnull=False,
            activity_fetched_at__isnull=False,
        )
        .first()
    )


def label(follow_up: FollowUp, campaign: Campaign | None = None) -> str:
    """How the form and the campaign page name it."""
    campaign = (
        campaign
        or Campaign.objects.select_related("message").filter(pk=follow_up.campaign_pk).first()
    )
    what = "open" if follow_up.missing == "opened" else "click"
    if campaign is None:
        return f"Those who did not {what} campaign #{follow_up.campaign_pk} (since deleted)"
    return (
        f"Those who did not {what} “{campaign.message.subject}” "
        f"(Selzy campaign {campaign.campaign_id})"
    )


def activity_counts(campaign: Campaign) -> dict[str, int]:
    """How many addresses have each kind of activity in the campaign."""
    if not campaign.campaign_id:
        return {}
    rows = (
        ContactActivity.objects.filter(campaign_id=campaign.campaign_id)
        .values_list("kind")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return dict(rows)


def emails(source: ContactSource, follow_up: FollowUp, *, chunk: int = CHUNK) -> Iterator[str]:
    """The follow-up's addresses as the ledger sent them, one per contact; nothing when the
    campaign is gone or its activity was never fetched.

    The ledger is read in steps of ``chunk`` rows (by pk), each matched with the campaign's
    activity by lowercased address and with the source's filter: a list of a million is
    streamed, never held.
    """
    campaign = campaign_of(follow_up)
    if campaign is None:
        return
    clean = ContactState.objects.filter(
        source=source.key,
        unsubscribed=False,
        undeliverable_at__isnull=True,
        complained_at__isnull=True,
    ).exclude(email="")
    last = 0
    while True:
        page = clean.filter(pk__gt=last).order_by("pk")
        step = list(page.values_list("pk", "source_id", "email")[:chunk])
        if not step:
            return
        last = step[-1][0]
        yield from _step(source, campaign, follow_up, [(sid, email) for _, sid, email in step])


def _step(
    source: ContactSource, campaign: Campaign, follow_up: FollowUp, rows: list[tuple[str, str]]
) -> Iterator[str]:
    """The addresses among one step's ledger rows (source id, email), in the ledger's order."""
    kinds: dict[str, set[str]] = {}
    activity = ContactActivity.objects.filter(
        campaign_id=campaign.campaign_id or 0,
        email__in={email.strip().lower() for _, email in rows},
    ).values_list("email", "kind")
    for address, kind in activity:
        kinds.setdefault(address, set()).add(kind)
    skip = _DONE[follow_up.missing] | _ENDED
    candidates = [
        (source_id, email.strip())
        for source_id, email in rows
        if (done := kinds.get(email.strip().lower())) is not None and not done & skip
    ]
    if not candidates:
        return
    ids = [source_id for source_id, _ in candidates]
    imported = source.queryset().order_by().filter(pk__in=ids).values_list("pk", flat=True)
    eligible = {str(pk) for pk in imported}
    seen: set[str] = set()  # two records with one address: one line
    for source_id, email in candidates:
        if source_id in eligible and email.lower() not in seen:
            seen.add(email.lower())
            yield email
