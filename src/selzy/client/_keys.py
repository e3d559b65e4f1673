"""How much of an API key may be shown: the one rule, for the client's repr and for screens.

A key is a password to the whole account. Showing its last four characters lets a person tell
two keys apart; on a short key those four would be a large share of it, so a key shorter than
MIN_HINTED_LENGTH shows nothing at all. The Django module stores ``key_hint`` (it cannot decrypt
the key for every page) and draws its own bullets around it; the rule is this one.
"""

from __future__ import annotations

from typing import Final

#: Keys shorter than this show none of their characters. Selzy's keys are 40 characters.
MIN_HINTED_LENGTH: Final = 16
#: How many trailing characters of a long enough key may be shown.
HINT_LENGTH: Final = 4


def key_hint(api_key: str | None) -> str:
    """The part of a key that may be shown: its last four characters, "" for a short key."""
    if not api_key or len(api_key) < MIN_HINTED_LENGTH:
        return ""
    return api_key[-HINT_LENGTH:]


def mask_key(api_key: str | None, *, bullets: str = "****") -> str:
    """A key as it may be shown: ``bullets`` then its :func:`key_hint`; ``<none>`` without one."""
    if not api_key:
        return "<none>"
    return f"{bullets}{key_hint(api_key)}"
