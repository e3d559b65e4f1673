"""The seeded model that decides, at campaign creation, what happens to every recipient and when.

Everything the statistics methods and the webhooks report is read back from this one plan, so
getCampaignCommonStats, getCampaignDeliveryStats, getVisitedLinks and the email_status webhooks can
never disagree. Randomness is `random.Random` seeded with a string (stable across processes and
PYTHONHASHSEED). Tags in an address force an outcome, so tests can ask for one precisely:
``+bounce`` (hard bounce), ``+softbounce`` (deferred, then given up), ``+mailboxfull`` (soft
bounce at once), ``+deferred`` (deferred, then delivered), ``+noread``, ``+read``, ``+click``,
``+unsub``, ``+spam``.

One letter's statuses, in the checkEmail vocabulary (REFERENCE.md §5.4), and their order:

=================  ==========================================================================
delivered          ok_sent -> ok_delivered [-> ok_read -> ok_link_visited] [-> ok_unsubscribed]
                   [-> ok_spam_folder]
deferred           ok_sent -> err_will_retry -> ok_delivered -> ... (as delivered)
hard bounce        ok_sent -> err_user_unknown | err_domain_inactive
soft bounce        ok_sent -> err_mailbox_full | err_spam_rejected
given up           ok_sent -> err_will_retry -> err_giveup (the documented transition)
=================  ==========================================================================
"""

from __future__ import annotations

import random
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

_HREF = re.compile(r"""href\s*=\s*["'](https?://[^"'\s>]+)["']""", re.IGNORECASE)
#: The address does not exist or its domain takes no mail: it is marked unreachable.
HARD_FAILURES = ("err_user_unknown", "err_domain_inactive")
#: This letter did not arrive; nothing lasting is known about the address. ``err_giveup`` comes
#: after an ``err_will_retry``.
SOFT_FAILURES = ("err_mailbox_full", "err_spam_rejected", "err_giveup")
#: The status a deferred letter shows while the service retries it.
DEFERRED = "err_will_retry"
#: Tags that make the letter fail.
_FAILING = frozenset({"bounce", "softbounce", "mailboxfull"})
_TAGS = (
    "bounce",
    "softbounce",
    "mailboxfull",
    "deferred",
    "noread",
    "read",
    "click",
    "unsub",
    "spam",
)


@dataclass(frozen=True, slots=True)
class OutcomeModel:
    """Probabilities and delays of the delivery model; every field is a documented choice."""

    delivered: float = 0.95
    #: Of the letters not delivered, the share that bounce hard (the rest bounce soft).
    hard_bounce: float = 0.5
    #: Of the delivered letters, the share deferred once (``err_will_retry``) before delivery.
    deferred: float = 0.02
    read: float = 0.45
    click: float = 0.4
    unsubscribe: float = 0.03
    spam: float = 0.01
    #: `waits_schedule` lasts this long ("usually 1-2 min", §5.6).
    queue_seconds: float = 60.0
    #: Sending pace and the shortest `in_progress` phase.
    seconds_per_recipient: float = 0.01
    min_send_seconds: float = 60.0
    #: `analysed` lasts this long; reads and clicks all happen before `completed`.
    analysis_seconds: float = 7200.0
    #: A deferred letter is retried (delivered or given up) this many seconds later, at most.
    retry_seconds: float = 3000.0


@dataclass(slots=True)
class Recipient:
    """One recipient's fixed future."""

    email: str
    contact_id: int
    sent_at: datetime
    result: str
    result_at: datetime
    reads: list[datetime] = field(default_factory=list)
    clicks: list[tuple[datetime, str]] = field(default_factory=list)
    unsubscribed_at: datetime | None = None
    spam_at: datetime | None = None
    ip: str = "198.51.100.1"
    #: When the first attempt was deferred (``err_will_retry``); the result comes later.
    deferred_at: datetime | None = None

    def history(self, track_read: bool, track_links: bool) -> list[tuple[datetime, str]]:
        """Visible status changes in time order (the checkEmail vocabulary); each status at
        most once."""
        out = [(self.sent_at, "ok_sent")]
        if self.deferred_at is not None:
            out.append((self.deferred_at, DEFERRED))
        out.append((self.result_at, self.result))
        if self.result == "ok_delivered":
            reads = self.reads if track_read else []
            clicks = self.clicks if track_links else []
            if reads:
                out.append((reads[0], "ok_read"))
            if clicks:
                out.append((clicks[0][0], "ok_link_visited"))
            if self.unsubscribed_at is not None:
                out.append((self.unsubscribed_at, "ok_unsubscribed"))
            if self.spam_at is not None:
                out.append((self.spam_at, "ok_spam_folder"))
        out.sort(key=lambda item: item[0])
        return out

    def status_at(self, now: datetime, track_read: bool, track_links: bool) -> tuple[str, datetime]:
        """(status, time of that status) as seen at `now`; before sending: not_sent."""
        status, when = "not_sent", self.sent_at
        for at, st in self.history(track_read, track_links):
            if at > now:
                break
            status, when = st, at
        return status, when


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """One moment in a campaign's life: a status change or a recipient's status change."""

    time: datetime
    kind: str  # "campaign_status" | "email_status"
    status: str
    recipient: int = -1


def links_of(html: str) -> list[str]:
    """The trackable links of a message body (http/https hrefs, substitution links excluded)."""
    seen: dict[str, None] = {}
    for url in _HREF.findall(html):
        seen.setdefault(url, None)
    return list(seen)


def forced_outcome(email: str) -> str | None:
    """The outcome an address tag forces (``ann+click@...`` -> ``"click"``), or None."""
    local = email.partition("@")[0].lower()
    for tag in _TAGS:
        if f"+{tag}" in local:
            return tag
    return None


def _failure(forced: str | None, rng: random.Random, model: OutcomeModel) -> str:
    if forced == "bounce":
        return "err_user_unknown"
    if forced == "softbounce":
        return "err_giveup"
    if forced == "mailboxfull":
        return "err_mailbox_full"
    if rng.random() < model.hard_bounce:
        return rng.choice(HARD_FAILURES)
    return rng.choice(SOFT_FAILURES)


def plan_campaign(
    *,
    seed: int,
    campaign_id: int,
    created: datetime,
    start: datetime,
    recipients: list[tuple[str, int]],
    links: list[str],
    model: OutcomeModel,
    unreachable: Collection[int] = (),
) -> tuple[list[Recipient], list[tuple[datetime, str]]]:
    """Decide every recipient's outcome; return the recipients and the campaign's status changes.

    `unreachable` holds the contact ids whose address already bounced hard: their letters bounce
    again, so a campaign never reports a dead address as delivered.
    """
    queue_end = created + timedelta(seconds=model.queue_seconds)
    send_start = max(start, queue_end)
    n = len(recipients)
    send_seconds = max(model.min_send_seconds, n * model.seconds_per_recipient)
    send_end = send_start + timedelta(seconds=send_seconds)
    completed_at = send_end + timedelta(seconds=model.analysis_seconds)
    last_moment = completed_at - timedelta(seconds=0.5)
    spacing = send_seconds / max(n, 1)
    dead = set(unreachable)

    planned: list[Recipient] = []
    for i, (email, contact_id) in enumerate(recipients):
        rng = random.Random(f"{seed}:{campaign_id}:{email}")  # noqa: S311 - a simulation
        sent = send_start + timedelta(seconds=i * spacing)
        forced = "bounce" if contact_id in dead else forced_outcome(email)
        result_at = sent + timedelta(seconds=rng.uniform(1.0, 30.0))
        delivered = forced not in _FAILING and (
            forced is not None or rng.random() < model.delivered
        )
        rec = Recipient(
            email=email,
            contact_id=contact_id,
            sent_at=sent,
            result="ok_delivered" if delivered else _failure(forced, rng, model),
            result_at=result_at,
            ip=f"198.51.100.{1 + rng.randrange(254)}",
        )
        planned.append(rec)
        deferred = (
            rec.result == "err_giveup"
            or forced == "deferred"
            or (delivered and forced is None and rng.random() < model.deferred)
        )
        if deferred:
            # The first attempt is deferred; the retry delivers or gives up before `completed`.
            rec.deferred_at = result_at
            retry = timedelta(seconds=rng.uniform(60.0, max(60.0, model.retry_seconds)))
            result_at = min(result_at + retry, last_moment)
            rec.result_at = result_at
        if not delivered:
            continue
        window = (completed_at - result_at).total_seconds() - 1.0

        def later(
            after: datetime,
            rng: random.Random = rng,
            window: float = window,
            result_at: datetime = result_at,
        ) -> datetime:
            # Reads, clicks and complaints all land before `completed`, so final stats are final.
            remaining = max(1.0, window - (after - result_at).total_seconds())
            at = after + timedelta(seconds=rng.uniform(0.5, min(remaining, 3600.0)))
            return min(at, last_moment)

        reads = forced in ("read", "click", "unsub") or (
            forced is None and rng.random() < model.read
        )
        if reads:
            first = later(result_at)
            rec.reads = [first]
            for _ in range(rng.randrange(3)):
                rec.reads.append(later(rec.reads[-1]))
            clicks = forced == "click" or (forced is None and rng.random() < model.click)
            if clicks and links:
                at = later(first)
                rec.clicks = [(at, rng.choice(links))]
                if rng.random() < 0.3:
                    rec.clicks.append((later(at), rng.choice(links)))
            unsub = forced == "unsub" or (forced is None and rng.random() < model.unsubscribe)
            if unsub:
                rec.unsubscribed_at = later(rec.reads[-1])
        spam = forced == "spam" or (forced is None and rng.random() < model.spam)
        if spam:
            rec.spam_at = later(result_at)

    statuses: list[tuple[datetime, str]] = []
    if start > queue_end:
        statuses.append((created, "scheduled"))
    else:
        statuses.append((created, "waits_schedule"))
    statuses += [
        (send_start, "in_progress"),
        (send_end, "analysed"),
        (completed_at, "completed"),
    ]
    return planned, statuses


def build_timeline(
    recipients: list[Recipient],
    statuses: list[tuple[datetime, str]],
    track_read: bool,
    track_links: bool,
) -> list[TimelineEvent]:
    """Every status change of the campaign and of each recipient, in time order."""
    events = [TimelineEvent(when, "campaign_status", status) for when, status in statuses[1:]]
    for index, rec in enumerate(recipients):
        for when, status in rec.history(track_read, track_links):
            events.append(TimelineEvent(when, "email_status", status, index))
    events.sort(key=lambda e: e.time)
    return events
