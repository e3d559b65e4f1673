"""In-process adapters: an `httpx.MockTransport` handler and a WSGI application.

httpx is imported lazily inside `as_httpx_handler`, so the emulator package needs only the
standard library (and `selzy.protocol`) until someone asks for the httpx handler.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, urlsplit
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from ._core import Emulator


def _body_of(request: Any) -> bytes:
    try:
        content = request.content
    except Exception:  # httpx raises RequestNotRead for unread streaming bodies
        content = request.read()
    return bytes(content or b"")


def as_httpx_handler(emulator: Emulator, *, client_ip: str = "127.0.0.1") -> Callable[[Any], Any]:
    """A handler for ``httpx.MockTransport(handler)`` (sync and async clients alike).

    It reads only ``.method``, ``.url``, ``.headers`` and ``.content`` (or ``.read()``) of the
    request. An injected "drop" fault raises ``httpx.RemoteProtocolError``, which is what httpx
    raises when a real server closes the connection without answering.
    """
    import httpx

    def handler(request: Any) -> httpx.Response:
        parts = urlsplit(str(request.url))
        reply = emulator.handle(
            str(request.method),
            parts.path or "/",
            parts.query.encode("latin-1"),
            {str(k): str(v) for k, v in request.headers.items()},
            _body_of(request),
            client_ip=client_ip,
            base_url=f"{parts.scheme}://{parts.netloc}",
        )
        if reply.drop:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.",
                request=request if isinstance(request, httpx.Request) else None,
            )
        return httpx.Response(reply.status, headers=reply.headers, content=reply.body)

    return handler


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def make_wsgi_app(emulator: Emulator) -> WSGIApplication:
    """A WSGI application serving the API and the control plane.

    WSGI cannot drop a connection, so a "drop" fault answers 502 with an empty body.
    """

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        if raw_uri:
            path = str(raw_uri).split("?", 1)[0]
        else:
            path = quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""))
        headers = {
            key[5:].replace("_", "-").title(): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
        reply = emulator.handle(
            environ["REQUEST_METHOD"],
            path,
            environ.get("QUERY_STRING", "").encode("latin-1"),
            headers,
            body,
            client_ip=environ.get("REMOTE_ADDR", "127.0.0.1"),
            base_url=f"{environ.get('wsgi.url_scheme', 'http')}://{host}",
        )
        if reply.drop:
            start_response("502 Bad Gateway", [("Content-Length", "0")])
            return [b""]
        out_headers = [*reply.headers, ("Content-Length", str(len(reply.body)))]
        start_response(f"{reply.status} {_reason(reply.status)}", out_headers)
        return [reply.body]

    return app
