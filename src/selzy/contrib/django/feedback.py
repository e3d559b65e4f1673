"""What Selzy learned about an address, applied to the module's rows and the site's records.

One entry point, :func:`apply_feedback`, whoever heard it: a webhook event (:mod:`.events`), the
per-address delivery report (:mod:`.activity`), or the reconciliation that repairs a missed
webhook. For one :class:`selzy.integration.Feedback` it

1. keeps the activity (:class:`.models.ContactActivity`: each kind once per campaign);
2. updates the status cache of every ledger row with that address (:class:`.models.ContactState`,
   matched lowercased, :func:`address_key`): an (un)subscription only when it is newer than the
   one applied (``status_at``), a hard bounce or a complaint once, a soft bounce counted once
   per campaign;
3. applies each source's write-back rule to the records whose cache changed (:mod:`.writeback`),
   without setting off a sync;
4. sends the signals of :mod:`.signals` for each of those records.

Feedback about an address the ledger does not know keeps its activity and changes nothing else.
It runs in one transaction (a savepoint inside the caller's): a write-back or a signal handler
that raises undoes it all, the activity included, so the same feedback applies in full when it
comes again. So does a broken ``CONTACT_SOURCES`` setting: the write-back is not skipped (it
would be lost for good), the feedback fails with the setting's error and waits for the fix.

:func:`record_engagement` is the same for engagement (sent, delivered, opened, clicked) in bulk:
a campaign's delivery report brings one to four of them per recipient, which one
``apply_feedback`` each would turn into several queries per recipient.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower
from django.dispatch import Signal
from django.utils import timezone

from selzy.integration import Feedback, FeedbackKind

from .ledger import chunked
from .models import ContactActivity, ContactState
from .signals import (
    contact_bounced,
    contact_complained,
    contact_feedback,
    contact_subscribed,
    contact_unsubscribed,
)
from .sources import ContactSource, contact_sources

#: The signal sent for each kind besides :data:`.signals.contact_feedback`.
_KIND_SIGNALS: dict[str, Signal] = {
    "unsubscribed": contact_unsubscribed,
    "subscribed": contact_subscribed,
    "hard_bounce": contact_bounced,
    "soft_bounce": contact_bounced,
    "complaint": contact_complained,
}


#: Kinds that only say what happened to a letter: they change no status, so they may be kept
#: in bulk (:func:`record_engagement`).
ENGAGEMENT_KINDS: frozenset[FeedbackKind] = frozenset({"sent", "delivered", "opened", "clicked"})

#: Engagement kept per transaction by :func:`record_engagement` (activities, before
#: de-duplication). The SELECT of what a chunk added names at most this many addresses: under
#: SQLite's 999 parameters a statement.
ENGAGEMENT_CHUNK = 900


@dataclass(frozen=True)
class Applied:
    """What one piece of feedback changed."""

    #: Ledger rows whose status cache changed (or, for engagement, that it concerned).
    states: int = 0
    #: Source records written by a write-back rule.
    written: int = 0
    #: False when it was heard before (the same kind for the same campaign): nothing done.
    new: bool = True


def address_key(email: str) -> str:
    """An address as the ledger holds it, lowercased: the sync sends an international domain
    IDNA-encoded (:func:`selzy.integration.normalise_email`), and Selzy may name it either way
    (``ivan@пример.рф`` or ``ivan@xn--e1afmkfd.xn--p1ai``)."""
    local, at, domain = email.strip().rpartition("@")
    if at and not domain.isascii():
        # A domain the sync could not have sent (UnicodeError) is matched as written.
        with contextlib.suppress(UnicodeError):
            domain = domain.encode("idna").decode("ascii")
    return f"{local}{at}{domain}".lower()


def states_of(emails: Iterable[str]) -> QuerySet[ContactState]:
    """The ledger rows holding any of the addresses, however their case was written."""
    # The ledger's addresses are ASCII (see address_key), so the database's Lower(), which
    # leaves non-ASCII letters alone on SQLite, matches Python's lower().
    lowered = list({address_key(email) for email in emails})
    return ContactState.objects.alias(email_lower=Lower("email")).filter(email_lower__in=lowered)


def apply_feedback(feedback: Feedback, *, list_id: int | None) -> Applied:
    """Apply one piece of feedback (see the module's docstring); ``list_id`` is the module's
    list, so an unsubscription from other lists only is kept as activity and nothing more."""
    with transaction.atomic():
        new = _keep_activity(feedback)
        if not new:
            return Applied(new=False)
        changed = _update_states(feedback, list_id)
        if not changed:
            return Applied()
        return _write_back(changed, feedback)


def _write_back(changed: list[tuple[str, str]], feedback: Feedback) -> Applied:
    """The rules and signals for the records whose status cache changed."""
    written = 0
    by_source: dict[str, list[str]] = defaultdict(list)
    for source_key, source_id in changed:
        by_source[source_key].append(source_id)
    # ImproperlyConfigured goes up: skipping the write-back would lose it for good.
    sources = contact_sources()
    for source_key, ids in by_source.items():
        source = sources.get(source_key)
        if source is None:
            continue  # a source no longer declared: its records are not ours to write
        written += source.write_back.apply(source.model, ids, feedback)
        for source_id in ids:
            _signal(source, source_id, feedback)
    return Applied(states=len(changed), written=written)


def _keep_activity(feedback: Feedback) -> bool:
    """Record the activity; False when the same kind was already heard for that campaign
    (a redelivery, or the report repeating a webhook) and so needs nothing more."""
    activity, created = ContactActivity.objects.get_or_create(
        email=address_key(feedback.email),
        campaign_id=feedback.campaign_id or 0,
        kind=feedback.kind,
        defaults={
            "status": feedback.status[:40],
            "happened_at": feedback.time,
            "origin": feedback.origin,
        },
    )
    if created:
        return True
    if feedback.campaign_id:
        return False
    # Outside a campaign a kind can happen again (unsubscribed, subscribed, unsubscribed...):
    # the row keeps the latest, and the ledger's status_at decides what still applies.
    if feedback.time <= activity.happened_at:
        return False
    activity.happened_at, activity.origin = feedback.time, feedback.origin
    activity.status = feedback.status[:40]
    activity.save(update_fields=["happened_at", "origin", "status"])
    return True


def _update_states(feedback: Feedback, list_id: int | None) -> list[tuple[str, str]]:
    """The ledger rows the feedback changed, as (source, source_id), after changing them."""
    states = states_of([feedback.email])
    kind, when = feedback.kind, feedback.time
    updates: dict[str, Any]
    if kind in ("unsubscribed", "subscribed"):
        if not feedback.concerns(list_id):
            return []
        states = states.filter(Q(status_at__isnull=True) | Q(status_at__lt=when))
        updates = {"unsubscribed": kind == "unsubscribed", "status_at": when}
    elif kind == "hard_bounce":
        states = states.filter(undeliverable_at__isnull=True)
        updates = {"undeliverable_at": when}
    elif kind == "complaint":
        states = states.filter(complained_at__isnull=True)
        updates = {"complained_at": when}
    elif kind == "soft_bounce":
        updates = {"soft_bounces": F("soft_bounces") + 1, "last_soft_bounce_at": when}
    else:  # engagement: the cache keeps no per-contact counters of it
        updates = {}
    changed = list(states.values_list("source", "source_id"))
    if changed and updates:
        ContactState.objects.filter(pk__in=states.values("pk")).update(**updates)
    return changed


def _signal(source: ContactSource, source_id: str, feedback: Feedback) -> None:
    arguments: dict[str, Any] = {
        "source": source.key,
        "record_id": source_id,
        "email": feedback.email.strip().lower(),
        "feedback": feedback,
    }
    contact_feedback.send(sender=source.model, **arguments)
    signal = _KIND_SIGNALS.get(feedback.kind)
    if signal is contact_bounced:
        arguments["hard"] = feedback.kind == "hard_bounce"
    if signal is not None:
        signal.send(sender=source.model, **arguments)


def record_engagement(feedback: Iterable[Feedback], *, chunk_size: int = ENGAGEMENT_CHUNK) -> int:
    """Keep engagement feedback of campaigns in bulk; how many activities were new.

    What :func:`apply_feedback` does for each, in a few queries per ``chunk_size`` of them
    rather than several each: the activities are inserted at once (an activity already kept,
    or kept by another process meanwhile, keeps its earlier time), and only the new ones go on
    to the write-back rules and :data:`.signals.contact_feedback` (the records' ledger rows are
    then read once per chunk; nothing is read when no source's rule wants these kinds and no
    handler listens). Each chunk is one transaction: a handler that raises undoes its chunk.

    Raises ValueError for a kind that changes a status (those need :func:`apply_feedback`) or
    for feedback without a campaign.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    new = 0
    for chunk in chunked(feedback, chunk_size):
        with transaction.atomic():
            new += _record_chunk(chunk)
    return new


def _record_chunk(chunk: list[Feedback]) -> int:
    # One row per (address, campaign, kind) within the chunk: the earliest time wins.
    earliest: dict[tuple[str, int, str], Feedback] = {}
    for item in chunk:
        if item.kind not in ENGAGEMENT_KINDS:
            raise ValueError(f"{item.kind!r} changes a status: apply it with apply_feedback")
        if not item.campaign_id:
            raise ValueError(f"{item.kind!r} feedback for {item.email!r} names no campaign")
        key = (address_key(item.email), item.campaign_id, item.kind)
        if key not in earliest or item.time < earliest[key].time:
            earliest[key] = item
    # The chunk's own mark: the rows carrying it are the ones this call added (an insert that
    # met an existing row, however it got there, added nothing and carries an older mark).
    stamp = timezone.now()
    ContactActivity.objects.bulk_create(
        [
            ContactActivity(
                email=email,
                campaign_id=campaign_id,
                kind=kind,
                status=item.status[:40],
                happened_at=item.time,
                origin=item.origin,
                recorded_at=stamp,
            )
            for (email, campaign_id, kind), item in earliest.items()
        ],
        ignore_conflicts=True,
    )
    added = ContactActivity.objects.filter(
        recorded_at=stamp,
        email__in={email for email, _, _ in earliest},
        campaign_id__in={campaign_id for _, campaign_id, _ in earliest},
    ).values_list("email", "campaign_id", "kind")
    sources = contact_sources()  # a broken setting undoes the chunk: nothing is lost
    kinds = {kind for _, _, kind in earliest}
    if not any(_followed(source, kinds) for source in sources.values()):
        return added.count()
    kept = set(added)
    # In the order they happened, as the webhooks would have told them.
    new = sorted((item for key, item in earliest.items() if key in kept), key=lambda f: f.time)
    _follow(new, sources)
    return len(new)


def _followed(source: ContactSource, kinds: set[str]) -> bool:
    """Whether anything acts on these kinds for the source's records: a write-back rule or
    a handler of the feedback signal."""
    wanted = any(source.write_back.wants(kind) for kind in kinds)
    return wanted or contact_feedback.has_listeners(source.model)


def _follow(new: list[Feedback], sources: dict[str, ContactSource]) -> None:
    """The write-back rules and signals of new engagement, for every record holding its address."""
    holders: dict[str, list[tuple[str, str]]] = defaultdict(list)
    rows = states_of(item.email for item in new).values_list("email", "source", "source_id")
    for email, source_key, source_id in rows:
        holders[address_key(email)].append((source_key, source_id))
    for item in new:
        by_source: dict[str, list[str]] = defaultdict(list)
        for source_key, source_id in holders.get(address_key(item.email), []):
            by_source[source_key].append(source_id)
        for source_key, ids in by_source.items():
            source = sources.get(source_key)
            if source is None:
                continue
            source.write_back.apply(source.model, ids, item)
            for source_id in ids:
                _signal(source, source_id, item)
