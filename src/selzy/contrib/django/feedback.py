"""What Selzy learned about an address, applied to the module's rows and the site's records.

One entry point, :func:`apply_feedback`, whoever heard it: a webhook event (:mod:`.events`), the
per-address delivery report, or the reconciliation that repairs a missed webhook. For one
:class:`selzy.integration.Feedback` it

1. keeps the activity (:class:`.models.ContactActivity`: each kind once per campaign);
2. updates the status cache of every ledger row with that address (:class:`.models.ContactState`,
   matched lowercased): an (un)subscription only when it is newer than the one applied
   (``status_at``), a hard bounce or a complaint once, a soft bounce counted once per campaign;
3. applies each source's write-back rule to the records whose cache changed (:mod:`.writeback`),
   without setting off a sync;
4. sends the signals of :mod:`.signals` for each of those records.

Feedback about an address the ledger does not know keeps its activity and changes nothing else.
Run it inside a transaction (the callers do): a signal handler that raises undoes it all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower
from django.dispatch import Signal

from selzy.integration import Feedback

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


@dataclass(frozen=True)
class Applied:
    """What one piece of feedback changed."""

    #: Ledger rows whose status cache changed (or, for engagement, that it concerned).
    states: int = 0
    #: Source records written by a write-back rule.
    written: int = 0
    #: False when it was heard before (the same kind for the same campaign): nothing done.
    new: bool = True


def states_of(emails: Iterable[str]) -> QuerySet[ContactState]:
    """The ledger rows holding any of the addresses, however their case was written."""
    lowered = list({email.strip().lower() for email in emails})
    return ContactState.objects.alias(email_lower=Lower("email")).filter(email_lower__in=lowered)


def apply_feedback(feedback: Feedback, *, list_id: int | None) -> Applied:
    """Apply one piece of feedback (see the module's docstring); ``list_id`` is the module's
    list, so an unsubscription from other lists only is kept as activity and nothing more."""
    new = _keep_activity(feedback)
    if not new:
        return Applied(new=False)
    changed = _update_states(feedback, list_id)
    if not changed:
        return Applied()
    written = 0
    by_source: dict[str, list[str]] = defaultdict(list)
    for source_key, source_id in changed:
        by_source[source_key].append(source_id)
    sources = _sources()
    for source_key, ids in by_source.items():
        source = sources.get(source_key)
        if source is None:
            continue  # a source no longer declared: its records are not ours to write
        written += source.write_back.apply(source.model, ids, feedback)
        for source_id in ids:
            _signal(source, source_id, feedback)
    return Applied(states=len(changed), written=written)


def _sources() -> dict[str, ContactSource]:
    try:
        return contact_sources()
    except ImproperlyConfigured:
        return {}  # the checks say what is wrong; the ledger is still kept


def _keep_activity(feedback: Feedback) -> bool:
    """Record the activity; False when the same kind was already heard for that campaign
    (a redelivery, or the report repeating a webhook) and so needs nothing more."""
    activity, created = ContactActivity.objects.get_or_create(
        email=feedback.email.strip().lower(),
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
        "email": feedback.email,
        "feedback": feedback,
    }
    contact_feedback.send(sender=source.model, **arguments)
    signal = _KIND_SIGNALS.get(feedback.kind)
    if signal is contact_bounced:
        arguments["hard"] = feedback.kind == "hard_bounce"
    if signal is not None:
        signal.send(sender=source.model, **arguments)
