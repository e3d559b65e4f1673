"""Connection settings shared by the commands that talk to Selzy (``call``, ``import``).

Each setting is an option with an environment variable behind it. Prefer the environment for the
key: command lines are visible to other users of the machine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from selzy.client import Selzy
from selzy.protocol import DEFAULT_BASE_URL, DEFAULT_LANG

DEFAULT_PLATFORM = "SelzyConnect"

F = TypeVar("F", bound=Callable[..., Any])

_OPTIONS = (
    click.option("--api-key", envvar="SELZY_API_KEY", help="API key [env: SELZY_API_KEY]."),
    click.option(
        "--platform",
        envvar="SELZY_PLATFORM",
        default=DEFAULT_PLATFORM,
        show_default=True,
        help="Your system's name, Latin letters and digits [env: SELZY_PLATFORM].",
    ),
    click.option(
        "--base-url",
        envvar="SELZY_BASE_URL",
        default=DEFAULT_BASE_URL,
        show_default=True,
        help="API host, e.g. the emulator's URL [env: SELZY_BASE_URL].",
    ),
    click.option("--lang", envvar="SELZY_LANG", default=DEFAULT_LANG, show_default=True),
    click.option("--max-retries", type=int, default=3, show_default=True),
)


def connection_options(command: F) -> F:
    """Add ``--api-key``, ``--platform``, ``--base-url``, ``--lang`` and ``--max-retries``."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def open_client(
    api_key: str | None, platform: str, base_url: str, lang: str, max_retries: int
) -> Selzy:
    """A client from the connection options (raises ``ClientValidationError`` on bad ones)."""
    return Selzy(
        api_key or None,
        platform=platform,
        base_url=base_url,
        lang=lang,
        max_retries=max_retries,
    )
