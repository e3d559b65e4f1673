"""The control plane's route table and its dispatcher.

A route is an HTTP method (or ``*`` for any) and a path pattern below ``/_emulator/``; route
modules register one function per route with `control`, as the API handlers do with ``api``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote

from .._reply import Reply, json_reply
from ._args import content_type, read_args

if TYPE_CHECKING:
    from .._core import Emulator

#: The method of a route that answers every method not routed more specifically.
ANY = "*"


@dataclass(frozen=True, slots=True)
class ControlRequest:
    """One control-plane request as a route function sees it."""

    emu: Emulator
    #: Upper-case HTTP method.
    method: str
    #: Path parameters, e.g. ``{"token": ...}`` for ``confirm/{token}``.
    params: Mapping[str, str]
    #: Query, form or JSON-body arguments; empty for raw routes.
    args: Mapping[str, Any]
    headers: Mapping[str, str]
    body: bytes
    base_url: str

    @property
    def content_type(self) -> str:
        """The Content-Type header, "" when absent."""
        return content_type(self.headers)


ControlHandler = Callable[[ControlRequest], Reply]
H = TypeVar("H", bound=ControlHandler)


@dataclass(frozen=True, slots=True)
class Route:
    """One row of the table: method, pattern segments and the function that answers."""

    method: str
    #: Literal segments, ``{name}`` for one segment, ``{name*}`` (last) for the rest, maybe none.
    pattern: tuple[str, ...]
    handler: ControlHandler
    #: A raw route reads its body itself (a stored file), so it is never parsed as arguments.
    raw: bool

    def match(self, parts: list[str]) -> dict[str, str] | None:
        """The path parameters when `parts` fits the pattern, else None."""
        params: dict[str, str] = {}
        for i, segment in enumerate(self.pattern):
            if segment.endswith("*}"):
                params[segment[1:-2]] = "/".join(parts[i:])
                return params
            if i >= len(parts):
                return None
            if segment.startswith("{"):
                params[segment[1:-1]] = parts[i]
            elif segment != parts[i]:
                return None
        return params if len(parts) == len(self.pattern) else None


ROUTES: list[Route] = []


def control(method: str, pattern: str, *, raw: bool = False) -> Callable[[H], H]:
    """Register a function for `method` (or `ANY`) and `pattern` (``"outbox/{letter_id}"``)."""
    segments = tuple(s for s in pattern.split("/") if s)
    if any(s.endswith("*}") for s in segments[:-1]):
        raise ValueError(f"{pattern!r}: only the last segment may take the rest of the path")

    def register(fn: H) -> H:
        if any(r.method == method and r.pattern == segments for r in ROUTES):
            raise KeyError(f"two control routes for {method} {pattern!r}")
        ROUTES.append(Route(method, segments, fn, raw))
        return fn

    return register


def find(method: str, parts: list[str]) -> tuple[Route, dict[str, str]] | None:
    """The route for a request: one naming its method wins over an `ANY` one."""
    for wanted in (method, ANY):
        for route in ROUTES:
            if route.method == wanted:
                params = route.match(parts)
                if params is not None:
                    return route, params
    return None


def handle_control(
    emu: Emulator,
    method: str,
    path: str,
    query: bytes,
    headers: Mapping[str, str],
    body: bytes,
    base_url: str,
) -> Reply:
    """Route one control-plane request."""
    verb = method.upper()
    # The first segment is the /_emulator prefix; empty ones (a double or trailing "/") go.
    parts = [unquote(p) for p in path.split("/") if p][1:]
    found = find(verb, parts)
    try:
        # Arguments are read even for a miss: a malformed body is a 400 on any path.
        args = {} if found is not None and found[0].raw else read_args(headers, query, body)
        if found is None:
            return json_reply({"error": f"no control route {verb} {path}"}, 404)
        route, params = found
        return route.handler(ControlRequest(emu, verb, params, args, headers, body, base_url))
    except (ValueError, TypeError, KeyError) as exc:
        return json_reply({"error": f"bad control request: {exc}"}, 400)
