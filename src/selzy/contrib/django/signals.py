"""Signals the module sends, for the site's own code to hook into."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent once for every verified webhook event, when it is processed (after the webhook was
#: answered, on the task runner, in the order the events happened): ``sender`` is the view
#: class, ``event`` a :class:`selzy.WebhookEvent`, ``superseded`` True when a later event of the
#: same campaign or contact was applied first (the module then left this one without effect).
#: The module itself updates campaign statuses and the contacts' status from them (the
#: contact_* signals below, and the write-back rules, follow from it). A handler that
#: raises leaves the event waiting, to be processed (and signalled) again later.
webhook_event = Signal()

# What Selzy learned about a contact, sent once per source record it concerns, after the
# ledger and the record's write-back rule were applied (:mod:`.feedback`). ``sender`` is the
# source's model class; the arguments are ``source`` (its key), ``record_id`` (``str(pk)``),
# ``email`` (the address Selzy named, lowercased) and ``feedback`` (a
# :class:`selzy.integration.Feedback`: kind, time, origin "webhook", "delivery_stats" or
# "reconciliation", campaign_id, Selzy's status word, list_ids). They are sent inside the
# feedback's transaction: a handler that raises undoes what the feedback did (a webhook event
# then waits and is applied again, in full, later).

#: Every piece of feedback, engagement included (sent, delivered, opened, clicked...).
contact_feedback = Signal()
#: The person unsubscribed from the module's list (or from every list of the account).
contact_unsubscribed = Signal()
#: The person subscribed again.
contact_subscribed = Signal()
#: A letter bounced; ``hard`` is True when the address is undeliverable (a soft bounce, a full
#: mailbox or a retry, never disables the address).
contact_bounced = Signal()
#: The person marked a letter as spam.
contact_complained = Signal()
