"""Signals the module sends, for the site's own code to hook into."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent for every verified webhook event: ``sender`` is the view class, ``event`` a
#: :class:`selzy.WebhookEvent`. The module itself updates campaign statuses from them.
webhook_event = Signal()
