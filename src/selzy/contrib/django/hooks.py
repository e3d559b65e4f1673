"""The webhook's health: Selzy gives up on a hook after 24 hours of failed deliveries.

Once a site's endpoint failed for a day (a deploy that broke it, a firewall, an expired
certificate), Selzy sets the hook's status to ``stopped`` and sends nothing more: every later
unsubscription, bounce and complaint is missed until someone notices. The reconciliation job
(:mod:`.reconcile`) calls :func:`check_hook` first: listHooks, find this site's hook, store what
it showed on the :class:`~.models.Connection` (``hook_url``, ``hook_status``,
``hook_checked_at``), and re-arm a ``stopped`` or ``disabled`` hook with setHook (the same
events, status ``active``; ``hook_rearmed_at``), logging a warning. What was missed while it was
stopped is repaired by the same job's export. The overview shows :func:`hook_warning`.

This site's hook is the one at :func:`hook_url` of ``SITE_URL``, else the URL the **Receive
status updates** button registered (kept in ``Connection.hook_url``), else any hook at the
module's webhook path (the public one or the admin's older copy).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from selzy import Selzy
from selzy.types import Hook

from .conf import selzy_settings
from .models import Connection
from .public import public_path

logger = logging.getLogger("selzy.django")

#: Everything the module acts on: campaign statuses, (un)subscriptions, every delivery status
#: (delivered, read, clicked, bounces, complaints), each as Selzy's filter syntax "*".
HOOK_EVENTS = {"campaign_status": "*", "unsubscribe": "*", "subscribe": "*", "email_status": "*"}
#: Statuses of a hook that receives nothing, which the module re-arms.
REARMED_STATUSES = frozenset({"stopped", "disabled"})
#: ``Connection.hook_status`` when listHooks showed no hook of this site.
MISSING = "missing"


def hook_url(site_url: str) -> str:
    """The webhook endpoint's public address on the site at ``site_url``."""
    return f"{site_url.rstrip('/')}{public_path('webhook')}"


def register_hook(client: Selzy, url: str) -> None:
    """setHook for ``url`` with every event the module handles, and remember it as this site's
    hook (active, checked now)."""
    client.set_hook(hook_url=url, events=HOOK_EVENTS, event_format="json_post", status="active")
    Connection.objects.filter(pk=Connection.current().pk).update(
        hook_url=url, hook_status="active", hook_checked_at=timezone.now()
    )


@dataclass(frozen=True)
class HookHealth:
    """What one check found: the hook's URL ("" when unknown), its status as listHooks showed
    it (:data:`MISSING` when absent), and whether the check re-armed it."""

    url: str
    status: str
    rearmed: bool = False


def check_hook(client: Selzy) -> HookHealth:
    """listHooks; store what it shows of this site's hook; re-arm it when stopped or disabled.

    A SelzyError of listHooks or setHook is the caller's: the status found is stored before
    the re-arming is tried, so the overview warns either way.
    """
    connection = Connection.current()
    now = timezone.now()
    hook = _ours(client.list_hooks(), connection)
    if hook is None:
        expected = next(iter(_expected_urls(connection)), "")
        # A hook seen before (or just registered) that is gone is news; none ever is a choice.
        level = logging.WARNING if connection.hook_status not in ("", MISSING) else logging.INFO
        logger.log(
            level,
            "Selzy has no webhook for this site%s: only the reconciliation tells the module "
            "what happened (press Receive status updates in the admin)",
            f" ({expected})" if expected else "",
        )
        _store(hook_url=expected, hook_status=MISSING, hook_checked_at=now)
        return HookHealth(url=expected, status=MISSING)
    url = _url_of(hook)
    status = (hook.status or "active").strip().lower()
    _store(hook_url=url, hook_status=status, hook_checked_at=now)
    if status not in REARMED_STATUSES:
        return HookHealth(url=url, status=status)
    logger.warning(
        "Selzy had %s the webhook %s (it stops a hook after 24 hours of failed deliveries); "
        "re-arming it. The reconciliation repairs what was missed meanwhile.",
        status,
        url,
    )
    client.set_hook(
        hook_url=url,
        events=HOOK_EVENTS,
        event_format=hook.event_format or "json_post",
        status="active",
    )
    _store(hook_rearmed_at=timezone.now())
    return HookHealth(url=url, status=status, rearmed=True)


def hook_warning(connection: Connection) -> str:
    """What the overview warns about the webhook after the last check; "" when all is well."""
    if connection.hook_checked_at is None:
        return ""
    checked = _when(connection.hook_checked_at)
    if connection.hook_status == MISSING:
        return (
            f"Selzy had no webhook for this site when checked on {checked}: unsubscriptions, "
            "bounces and complaints reach this site only through the daily reconciliation. "
            "Press “Receive status updates” to register it."
        )
    if connection.hook_status not in REARMED_STATUSES:
        return ""
    found = (
        f"Selzy had {connection.hook_status} this site's webhook ({connection.hook_url}) when "
        f"checked on {checked}; it stops a webhook after 24 hours of failed deliveries."
    )
    rearmed = connection.hook_rearmed_at
    if rearmed is not None and rearmed >= connection.hook_checked_at:
        return (
            f"{found} The module re-armed it on {_when(rearmed)}, and the reconciliation "
            "repaired what was missed meanwhile. Check that Selzy can reach this site."
        )
    return f"{found} It could not be re-armed: press “Receive status updates”."


def _ours(hooks: Sequence[Hook], connection: Connection) -> Hook | None:
    by_url = {_url_of(hook): hook for hook in hooks}
    for url in _expected_urls(connection):
        if url in by_url:
            return by_url[url]
    paths = _webhook_paths()
    return next((hook for url, hook in by_url.items() if urlsplit(url).path in paths), None)


def _url_of(hook: Hook) -> str:
    # listHooks' shape is not documented (REFERENCE.md §6.4): "hook_url" as setHook takes it,
    # or "url".
    return hook.hook_url or str(hook.extra.get("url") or "")


def _expected_urls(connection: Connection) -> list[str]:
    site_url = selzy_settings().site_url
    urls = [hook_url(site_url)] if site_url else []
    if connection.hook_url and connection.hook_url not in urls:
        urls.append(connection.hook_url)
    return urls


def _webhook_paths() -> set[str]:
    paths = {public_path("webhook")}
    with suppress(NoReverseMatch):  # the admin's copy: hooks registered before the public URLs
        paths.add(reverse("admin:selzy_webhook"))
    return paths


def _store(**fields: object) -> None:
    # An UPDATE of these columns only: a setup screen may be saving the row at the same time.
    Connection.objects.filter(pk=Connection.current().pk).update(**fields)


def _when(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M} ({timezone.get_current_timezone_name()})"
