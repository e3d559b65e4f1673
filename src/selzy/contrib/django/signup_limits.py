"""How many sign-ups a visitor may make: per IP and per address, counted in Django's cache.

Fixed windows (``SIGNUP_LIMIT_PER_IP``, ``SIGNUP_LIMIT_PER_EMAIL``: count per seconds) in the
cache ``SIGNUP_CACHE``: one ``add`` and one ``incr`` per check, nothing in the database, so a
flood costs a cache round-trip per post. The keys hold a hash of the IP or address, never the
thing itself. A cache that cannot be reached lets sign-ups through (logged): refusing every
visitor because a cache is down would lose the very sign-ups the queue keeps safe.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.core.cache import caches
from django.http import HttpRequest

from .conf import selzy_settings

logger = logging.getLogger("selzy.django")

_ALLOWED_ATTRIBUTE = "_selzy_signup_ip_allowed"


def client_ip(request: HttpRequest) -> str:
    """The visitor's IP: REMOTE_ADDR, or with ``SIGNUP_PROXIES`` = n the address the n-th
    proxy from the site saw in X-Forwarded-For (the ones before it are the visitor's to forge)."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    proxies = selzy_settings().signup_proxies
    if not proxies:
        return remote
    forwarded = [
        part.strip()
        for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        if part.strip()
    ]
    if len(forwarded) < proxies:
        return forwarded[0] if forwarded else remote
    return forwarded[-proxies]


def _within(scope: str, who: str, limit: tuple[int, int]) -> bool:
    """Count one more for ``who`` in the current window; whether it is still within ``limit``."""
    count, seconds = limit
    if count <= 0:
        return True
    window = int(time.time() // seconds)
    digest = hashlib.sha256(f"{scope}:{who}".encode()).hexdigest()[:32]
    key = f"selzy:signup:{scope}:{digest}:{window}"
    cache = caches[selzy_settings().signup_cache]
    try:
        cache.add(key, 0, timeout=seconds + 1)
        used = cache.incr(key)
    except ValueError:  # the key expired between add and incr: this is its first use
        cache.set(key, 1, timeout=seconds + 1)
        used = 1
    except Exception:  # a cache server down: see the module's docstring
        logger.exception("The sign-up limits' cache could not be used; the post is let through")
        return True
    return int(used) <= count


def allow_ip(request: HttpRequest) -> bool:
    """Count the request's post against its IP's limit (once per request); whether it is
    within it."""
    allowed = getattr(request, _ALLOWED_ATTRIBUTE, None)
    if allowed is None:
        allowed = _within("ip", client_ip(request), selzy_settings().signup_limit_per_ip)
        setattr(request, _ALLOWED_ATTRIBUTE, allowed)
    return bool(allowed)


def allow_email(email: str) -> bool:
    """Count a sign-up of ``email`` (however its case is written); whether it is within the
    address's limit."""
    return _within("email", email.strip().lower(), selzy_settings().signup_limit_per_email)
