"""`selzy emulator serve` runs a real server process that answers and stops on Ctrl-C."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_and_stops_on_sigint() -> None:
    port = free_port()
    key = "serve0test0key0123456789abcdef"
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        [
            *(sys.executable, "-m", "selzy.cli", "emulator", "serve", "--port", str(port)),
            *("--api-key", key, "--quiet"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        answer = None
        for _ in range(100):  # bounded wait for the port, at most ~10 s
            try:
                answer = httpx.post(
                    f"http://127.0.0.1:{port}/en/api/getLists?format=json",
                    data={"api_key": key, "platform": "ServeTest"},
                    timeout=2,
                )
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert answer is not None, "the emulator did not start"
        assert answer.json()["result"][0]["title"] == "Newsletter"
        outbox = httpx.get(f"http://127.0.0.1:{port}/_emulator/outbox", timeout=2)
        assert outbox.status_code == 200
        assert "text/html" in outbox.headers["content-type"]
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr
    assert f"http://127.0.0.1:{port}" in stderr
