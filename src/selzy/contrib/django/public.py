"""The addresses Selzy's servers call: the webhook and the segment files, outside the admin.

A site includes :mod:`selzy.contrib.django.urls` (:data:`INCLUDE_LINE`) so that they work where
the admin sits behind a VPN or an IP allow-list. Every URL the module hands to Selzy (setHook's
``hook_url``, createCampaign's ``contacts_url``) is built here, from those public routes. The
admin keeps answering at its old copies of both, so hooks registered before still arrive.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.urls import NoReverseMatch, reverse

NAMESPACE = "selzy"
INCLUDE_LINE = 'path("selzy/", include("selzy.contrib.django.urls"))'


def public_path(name: str, *args: str) -> str:
    """The path of the public route ``name`` ("webhook", "segment_contacts").

    A site that has not included the URLconf yet (check selzy.W005) gets the admin's copy, which
    still answers: an upgrade breaks nothing that worked before.
    """
    try:
        return reverse(f"{NAMESPACE}:{name}", args=args)
    except NoReverseMatch:
        return reverse(f"admin:selzy_{name}", args=args)


def urlconf_included() -> bool:
    """Whether the site's URLconf serves the public routes."""
    try:
        reverse(f"{NAMESPACE}:webhook")
    except NoReverseMatch:
        return False
    return True


def unreachable_host(site_url: str) -> str | None:
    """The host of ``site_url`` when Selzy's servers cannot reach it, else None.

    Only what the URL itself says: localhost names and loopback, private, link-local or
    otherwise non-global IP literals. A name is not resolved (a check must not wait on DNS).
    """
    host = (urlsplit(site_url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return host
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None  # a name: it may well be public
    return None if address.is_global else host
