"""What every method group needs from the client: one way to make a call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._response import APIResponse


class AsyncAPIBase:
    """The seam between the typed methods and the client's I/O loop."""

    async def request(self, method: str, params: Mapping[str, Any] | None = None) -> APIResponse:
        """Call ``method`` with ``params`` and return the whole response."""
        raise NotImplementedError

    async def call(self, method: str, **params: Any) -> Any:
        """Call any RPC method by name and return its raw ``result`` (the escape hatch).

        ``await client.call("getLists")``; arrays and mappings are encoded in bracket form,
        booleans as 1/0, ``None`` values are left out.
        """
        return (await self.request(method, params)).result

    async def _sleep(self, seconds: float) -> None:
        """Wait ``seconds`` on the client's clock (polling helpers use it; tests fake it)."""
        raise NotImplementedError

    def _now(self) -> float:
        """Seconds on the client's monotonic clock."""
        raise NotImplementedError


def params(**values: Any) -> dict[str, Any]:
    """The call's parameters without the ones left at None (the API's defaults apply then)."""
    return {k: v for k, v in values.items() if v is not None}
