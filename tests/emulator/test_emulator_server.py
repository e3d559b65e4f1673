"""The threaded server and the WSGI app: start, keep-alive, drops, control plane, stop."""

from __future__ import annotations

import http.client
import io
import socket
from wsgiref.util import setup_testing_defaults

import httpx
import pytest

from selzy.emulator import Emulator, ThreadedEmulatorServer, make_wsgi_app


def test_start_stop_and_free_port() -> None:
    server = ThreadedEmulatorServer().start()
    try:
        assert server.port > 0
        assert server.url == f"http://127.0.0.1:{server.port}"
        with httpx.Client(base_url=server.url) as client:
            assert client.get("/_emulator/clock").json() == {"now": "2025-01-06 09:00:00"}
    finally:
        server.stop()
    server.stop()  # idempotent
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", server.port), timeout=1),
    ):
        pass


def test_keep_alive_reuses_one_connection() -> None:
    emulator = Emulator()
    emulator.seed_account("k")
    with ThreadedEmulatorServer(emulator) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        try:
            for _ in range(3):
                conn.request(
                    "POST",
                    "/en/api/getLists?format=json",
                    body="api_key=k",
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                )
                response = conn.getresponse()
                assert response.version == 11
                assert response.getheader("Content-Type") == "application/json; charset=utf-8"
                assert response.read() == b'{"result":[{"id":100001,"title":"Newsletter"}]}'
            sock = conn.sock
            assert sock is not None
        finally:
            conn.close()


def test_stop_with_an_idle_keep_alive_client() -> None:
    server = ThreadedEmulatorServer().start()
    client = httpx.Client(base_url=server.url)
    try:
        client.get("/_emulator/clock")
        server.stop()  # must not hang on the idle connection
    finally:
        client.close()


def test_dropped_connection() -> None:
    emulator = Emulator()
    emulator.seed_account("k")
    emulator.inject_fault("drop", "getLists", times=1)
    with ThreadedEmulatorServer(emulator) as server, httpx.Client(base_url=server.url) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/en/api/getLists?format=json", data={"api_key": "k"})
        assert client.post("/en/api/getLists?format=json", data={"api_key": "k"}).json()["result"]


def test_injected_5xx_and_rate_limit_reply_over_http() -> None:
    emulator = Emulator()
    emulator.seed_account("k")
    with ThreadedEmulatorServer(emulator) as server, httpx.Client(base_url=server.url) as client:
        client.post("/_emulator/faults", json={"kind": "http", "status": 503, "times": 1})
        assert client.post("/en/api/getLists?format=json", data={"api_key": "k"}).status_code == 503
        for _ in range(300):
            client.post("/en/api/subscribe?format=json", data={"api_key": "k"})
        r = client.post("/en/api/subscribe?format=json", data={"api_key": "k"})
        assert r.status_code == 200
        assert r.json()["code"] == "api_call_limit_exceeded_for_api_key"
        client.post("/_emulator/rate-limits", data={"enabled": "0"})
        assert (
            client.post("/en/api/subscribe?format=json", data={"api_key": "k"}).json()["code"]
            == "invalid_arg"
        )


def test_control_plane_seed_reset_state() -> None:
    with ThreadedEmulatorServer() as server, httpx.Client(base_url=server.url) as client:
        seeded = client.post(
            "/_emulator/seed",
            data={"api_key": "abc", "lists": "A,B", "fields": "Name:string,Age:number"},
        ).json()
        assert list(seeded["list_ids"]) == ["A", "B"]
        assert list(seeded["field_ids"]) == ["Name", "Age"]
        state = client.get("/_emulator/state").json()
        assert state["accounts"][0]["senders"] == [
            {"email": "news@example.com", "is_checked": True}
        ]
        assert "abc" not in str(state)  # keys never appear in the dump
        assert client.get("/_emulator/").headers["content-type"].startswith("text/html")
        client.post("/_emulator/reset")
        assert client.get("/_emulator/state").json()["accounts"] == []
        assert client.get("/_emulator/nope").status_code == 404
        assert client.get("/_emulator/confirm/unknown").status_code == 404


def test_wsgi_app() -> None:
    emulator = Emulator()
    emulator.seed_account("k")
    app = make_wsgi_app(emulator)
    body = b"api_key=k&title=From+WSGI"
    environ: dict[str, object] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/en/api/createList",
        "QUERY_STRING": "format=json",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    setup_testing_defaults(environ)
    seen: list[str] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: object = None
    ) -> None:
        seen.append(status)

    out = b"".join(app(environ, start_response))  # type: ignore[arg-type]
    assert seen == ["200 OK"]
    assert out == b'{"result":{"id":100002}}'
