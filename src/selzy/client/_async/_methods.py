"""Every typed method of the client, one group per API section."""

from __future__ import annotations

from ._account import AsyncAccountMethods
from ._campaigns import AsyncCampaignMethods
from ._contacts import AsyncContactMethods
from ._lists import AsyncListMethods
from ._messages import AsyncMessageMethods
from ._templates import AsyncTemplateMethods


class AsyncMethods(
    AsyncListMethods,
    AsyncContactMethods,
    AsyncMessageMethods,
    AsyncTemplateMethods,
    AsyncCampaignMethods,
    AsyncAccountMethods,
):
    """One snake_case method per RPC method; each docstring names the RPC method."""
