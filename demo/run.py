"""What ``make demo`` runs: migrate, seed, start the Selzy emulator and the demo CRM, until Ctrl-C.

    python demo/run.py [--site-port 8000] [--emulator-port 8025] [--api-key KEY] [--leads 3000]

With ``SELZY_API_KEY`` set (real-service mode) no emulator is started: the site talks to
``SELZY_BASE_URL`` (default https://api.selzy.com) and the owner pastes the key on the Connect
screen. Both servers run as child processes and are stopped together: by Ctrl-C, by SIGTERM, or
when either of them dies.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType

DEMO_DIR = Path(__file__).resolve().parent
MANAGE = str(DEMO_DIR / "manage.py")
HOST = "127.0.0.1"
DEFAULT_API_KEY = "demo0api0key0for0the0local0emulator"
USERNAME, PASSWORD = "admin", "selzy-demo"
STARTUP_SECONDS = 60.0
STOP_SECONDS = 10.0
#: How often the periodic scan runs, as the cron line the README gives would
#: (``selzy_sync --incremental``: changes the signals missed, webhook events left waiting,
#: dead syncs taken over, and the reconciliation when it is due).
SCAN_SECONDS = 60.0


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own http URL
            return bool(response.status < 500)
    except urllib.error.HTTPError as error:
        return error.code < 500
    except (OSError, ValueError):
        return False


def _wait_until_up(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"The {what} exited with code {process.returncode} while starting.")
        if _answers(url):
            return
        time.sleep(0.2)
    raise SystemExit(f"The {what} did not answer at {url} within {STARTUP_SECONDS:.0f} s.")


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    # SIGTERM, not SIGINT: a child started in the background inherits an ignored SIGINT.
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=STOP_SECONDS)


def _manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, MANAGE, *args], env=env, check=True)  # noqa: S603


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--site-port", type=int, default=8000)
    parser.add_argument("--emulator-port", type=int, default=8025)
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help="the emulator account's key")
    parser.add_argument("--leads", type=int, default=3000, help="leads to seed on a new database")
    options = parser.parse_args(argv)

    real_service = bool(os.environ.get("SELZY_API_KEY"))
    site_url = f"http://{HOST}:{options.site_port}"
    emulator_url = f"http://{HOST}:{options.emulator_port}"
    env = dict(os.environ)
    env.setdefault("DEMO_SITE_URL", site_url)
    if real_service:
        env.setdefault("SELZY_BASE_URL", "https://api.selzy.com")
    else:
        env["SELZY_BASE_URL"] = emulator_url
    env["PYTHONUNBUFFERED"] = "1"

    ports = [options.site_port] + ([] if real_service else [options.emulator_port])
    busy = [port for port in ports if not _port_free(port)]
    if busy:
        print(
            f"Port {', '.join(map(str, busy))} on {HOST} is in use (is a demo already running?). "
            "Stop it, or choose others: make demo DEMO_SITE_PORT=8001 DEMO_EMULATOR_PORT=8026",
            file=sys.stderr,
        )
        return 2

    _manage("migrate", "--noinput", "--verbosity", "0", env=env)
    _manage(
        *("seed_demo", "--leads", str(options.leads)),
        *("--username", USERNAME, "--password", PASSWORD),
        *([] if real_service else ["--reset-selzy"]),
        env=env,
    )

    # Ctrl-C and SIGTERM both end in the clean-up below, even when this process was started
    # with SIGINT ignored (as a shell's background job is).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _on_sigterm)
    children: list[subprocess.Popen[bytes]] = []
    scan = None
    try:
        if not real_service:
            emulator = subprocess.Popen(  # noqa: S603 - our own CLI
                [
                    *(sys.executable, "-m", "selzy.cli", "emulator", "serve"),
                    *("--host", HOST, "--port", str(options.emulator_port)),
                    *("--api-key", options.api_key, "--quiet"),
                ],
                env=env,
            )
            children.append(emulator)
            _wait_until_up(f"{emulator_url}/_emulator/", emulator, "emulator")
        site = subprocess.Popen(  # noqa: S603 - Django's development server for the demo
            [sys.executable, MANAGE, "runserver", f"{HOST}:{options.site_port}", "--noreload"],
            env=env,
        )
        children.append(site)
        _wait_until_up(f"{site_url}/admin/login/", site, "demo site")
        _banner(options, site_url, emulator_url, env["SELZY_BASE_URL"], real_service)
        scan: subprocess.Popen[bytes] | None = None
        next_scan = time.monotonic() + SCAN_SECONDS
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
            if time.monotonic() >= next_scan and (scan is None or scan.poll() is not None):
                scan = _periodic_scan(env)
                next_scan = time.monotonic() + SCAN_SECONDS
        print("A demo server stopped on its own; stopping the rest.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        _stop(children + ([scan] if scan is not None else []))
        print("Demo stopped.", file=sys.stderr)


def _periodic_scan(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """One run of the periodic scan, in the background, its output kept off the console."""
    return subprocess.Popen(  # noqa: S603 - our own manage.py
        [sys.executable, MANAGE, "selzy_sync", "--incremental", "--verbosity", "0"],
        env=env,
        # Until the list is chosen the command says so and exits 1: not news every minute.
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _banner(
    options: argparse.Namespace,
    site_url: str,
    emulator_url: str,
    base_url: str,
    real_service: bool,
) -> None:
    lines = [
        "",
        "=" * 72,
        f"  Demo CRM:        {site_url}/admin/",
        f"  Admin login:     {USERNAME} / {PASSWORD}",
        f"  Selzy screens:   {site_url}/admin/selzy/connection/",
        f"  Newsletter page: {site_url}/newsletter/   (the public sign-up form)",
    ]
    if real_service:
        lines += [
            f"  Selzy API:       {base_url}  (real-service mode: SELZY_API_KEY is set,",
            "                   so no emulator was started; paste your key on Connect)",
        ]
    else:
        lines += [
            f"  Selzy emulator:  {emulator_url}",
            f"  API key:         {options.api_key}   (paste it on the Connect screen)",
            f"  Outbox:          {emulator_url}/_emulator/outbox   (letters the emulator 'sent')",
            f"  Contacts:        {emulator_url}/_emulator/contacts   (make one unsubscribe...)",
        ]
    lines += ["  Ctrl-C stops everything.", "=" * 72, ""]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:  # Ctrl-C before the servers started (during migrate or seed)
        raise SystemExit(130) from None
