"""Signals the module sends, for the site's own code to hook into."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent once for every verified webhook event, when it is processed (after the webhook was
#: answered, on the task runner, in the order the events happened): ``sender`` is the view
#: class, ``event`` a :class:`selzy.WebhookEvent`, ``superseded`` True when a later event of the
#: same campaign or contact was applied first (the module then left this one without effect).
#: The module itself updates campaign statuses and unsubscriptions from them. A handler that
#: raises leaves the event waiting, to be processed (and signalled) again later.
webhook_event = Signal()
