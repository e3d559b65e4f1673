"""Fixtures of the end-to-end tests: real Chromium, the emulator on a port, the demo site.

Browser tests skip (with the reason printed by ``-ra``) when Chromium or playwright is missing,
except under CI=true, where they fail instead: CI installs both (.ci/run, the dev extra).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from selzy.emulator import Emulator, SeededAccount, SystemClock, ThreadedEmulatorServer

from ._processes import MANAGE, answers, child, demo_env, free_port, manage, wait_for

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ACCOUNT_KEY = "e2e0browser0account0key0123456789"
ADMIN = ("admin", "selzy-demo")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required under CI=true; .ci/run installs it)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """A headless Chromium from the system's package, driven by playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install 'selzy-connect[e2e]')")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        _unavailable("Chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class DemoSite:
    url: str
    emulator: Emulator
    emulator_url: str
    account: SeededAccount
    log: Path


@pytest.fixture
def demo_site(tmp_path: Path) -> Iterator[DemoSite]:
    """The emulator (wall clock, a seeded account) on a free port, and the demo CRM in a
    runserver child process pointed at it, with its own migrated and seeded SQLite database."""
    emulator = Emulator(seed=4, clock=SystemClock())
    account = emulator.seed_account(ACCOUNT_KEY)
    with ThreadedEmulatorServer(emulator) as server:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = demo_env(tmp_path / "db.sqlite3", SELZY_BASE_URL=server.url, DEMO_SITE_URL=url)
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "seed_demo", "--leads", "300", "--username", ADMIN[0], "--password", ADMIN[1])
        log = tmp_path / "runserver.log"
        args = [sys.executable, MANAGE, "runserver", f"127.0.0.1:{port}", "--noreload"]
        with child(args, env, log):
            wait_for(
                lambda: answers(f"{url}/admin/login/"),
                timeout=60,
                what="the demo site did not answer",
                log=log,
            )
            yield DemoSite(url, emulator, server.url, account, log)


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """tests/e2e/artifacts/<test name>/ (ignored by git), emptied first."""
    folder = ARTIFACTS / request.node.name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder
