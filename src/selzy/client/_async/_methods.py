"""Every typed method of the client, one group per API section."""

from __future__ import annotations

from ._contacts import AsyncContactMethods
from ._lists import AsyncListMethods


class AsyncMethods(AsyncListMethods, AsyncContactMethods):
    """One snake_case method per RPC method; each docstring names the RPC method."""
