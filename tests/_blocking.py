"""Call a sync or an async client the same way, so one test body covers both flavours."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any


class Blocking:
    """Wraps a client; async methods are run to completion, sync ones called as they are."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.client, name)
        if not callable(method):
            return method

        def run(*args: Any, **kwargs: Any) -> Any:
            if inspect.iscoroutinefunction(method):
                return asyncio.run(method(*args, **kwargs))
            return method(*args, **kwargs)

        return run
