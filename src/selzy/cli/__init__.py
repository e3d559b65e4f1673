"""The ``selzy`` command: call any API method, import a CSV export, serve the emulator.

Settings come from options or the environment: SELZY_API_KEY, SELZY_PLATFORM, SELZY_BASE_URL,
SELZY_LANG. Prefer the environment for the key: command lines are visible to other users.
"""

from ._main import main

__all__ = ["main"]
