"""Servers in child processes for the end-to-end tests: free ports, bounded waits, sure stops."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo"
MANAGE = str(DEMO / "manage.py")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def demo_env(db_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a demo process: its own database, nothing inherited that would
    switch modes (a developer's SELZY_API_KEY must not send the tests to the real service)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SELZY_", "DEMO_"))}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update({"DEMO_DB_PATH": str(db_path), "PYTHONUNBUFFERED": "1", **extra})
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    """Run demo/manage.py; its output, or an assertion error that shows it."""
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, MANAGE, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stderr}"
    return result.stdout


def wait_for(
    check: Callable[[], bool], *, timeout: float, what: str, log: Path | None = None
) -> None:
    """Poll ``check`` until it is true; fail with the process log after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    shown = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
    raise AssertionError(f"{what} within {timeout:.0f} s\n{shown}")


def answers(url: str) -> bool:
    try:
        with httpx.Client(timeout=2) as client:
            return client.get(url).status_code < 500
    except httpx.TransportError:
        return False


@contextlib.contextmanager
def child(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[Any]]:
    """A child process in its own process group, output to ``log``; on exit SIGINT (what
    Ctrl-C sends), then SIGKILL to the whole group if anything is left after 20 s."""
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own programs
            args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield process
        finally:
            stop(process)


def stop(process: subprocess.Popen[Any], sig: int = signal.SIGINT) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
    # Whatever it started goes too, even if it died first.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    if process.poll() is None:
        process.wait(timeout=10)
