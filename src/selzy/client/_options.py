"""The client's validated settings, shared by the sync and async clients."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx

from selzy.protocol import PLATFORM_PATTERN

from ._clock import Clock
from ._exceptions import ClientValidationError
from ._keys import mask_key
from ._ratelimit import RateLimiter
from ._retry import RetryPolicy

_LANG = re.compile(r"[a-z]{2}")


def validate_platform(platform: str) -> str:
    """The guidelines' rule: the system's name in Latin letters, no spaces or special characters."""
    if not isinstance(platform, str) or not PLATFORM_PATTERN.fullmatch(platform):
        raise ClientValidationError(
            "platform must be your system's name in Latin letters and digits only, without "
            f"spaces or special characters, as agreed with Selzy (got {platform!r})"
        )
    return platform


def validate_base_url(base_url: str) -> str:
    url = httpx.URL(base_url)
    if url.scheme not in ("http", "https") or not url.host:
        raise ClientValidationError(f"base_url must be an http(s) URL, got {base_url!r}")
    if url.query or "api_key" in base_url:
        raise ClientValidationError("base_url must not carry a query string (or an API key)")
    return base_url.rstrip("/")


def validate_lang(lang: str) -> str:
    if not isinstance(lang, str) or not _LANG.fullmatch(lang):
        raise ClientValidationError(f"lang must be a two-letter language code, got {lang!r}")
    return lang


def validate_api_key(api_key: str | None) -> str | None:
    if api_key is None:
        return None
    if not isinstance(api_key, str) or not api_key.strip():
        raise ClientValidationError("api_key must be a non-empty string (or None to register)")
    if any(c.isspace() for c in api_key.strip()) or len(api_key) > 256:
        raise ClientValidationError("api_key has a form no Selzy key has; copy it again")
    return api_key.strip()


@dataclass(frozen=True, slots=True, repr=False)
class ClientOptions:
    """Everything that shapes a call. The key is held here and nowhere else."""

    api_key: str | None
    platform: str
    base_url: str
    lang: str
    timeout: httpx.Timeout
    retry: RetryPolicy
    rate_limiter: RateLimiter
    clock: Clock

    def endpoint(self, method: str) -> str:
        """The method's URL. Only ``format=json`` rides in the query (§1.2); never the key."""
        return f"{self.base_url}/{self.lang}/api/{method}?format=json"

    def common_params(self) -> dict[str, Any]:
        """What every request body starts with (the guidelines want platform on every call)."""
        params: dict[str, Any] = {}
        if self.api_key is not None:
            params["api_key"] = self.api_key
        params["platform"] = self.platform
        return params

    def __repr__(self) -> str:
        return (
            f"ClientOptions(api_key={mask_key(self.api_key)!r}, platform={self.platform!r}, "
            f"base_url={self.base_url!r}, lang={self.lang!r}, "
            f"max_retries={self.retry.max_retries})"
        )
