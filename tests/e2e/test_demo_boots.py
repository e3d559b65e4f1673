"""`make demo` boots: demo/run.py (what the target runs) migrates, seeds, starts the emulator and
the site, prints what a person needs, serves the admin, and stops everything on Ctrl-C."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import httpx

from ._processes import (
    DEMO,
    answers,
    child,
    demo_env,
    free_port,
    manage,
    port_open,
    stop,
    wait_for,
)

RUNNER = str(DEMO / "run.py")
DEMO_KEY = "demo0api0key0for0the0local0emulator"


def log_in(client: httpx.Client, site: str, username: str, password: str) -> httpx.Response:
    """The admin login form, as a browser posts it (CSRF cookie and token)."""
    form = client.get(f"{site}/admin/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert token, form.text[:500]
    return client.post(
        f"{site}/admin/login/?next=/admin/",
        data={"csrfmiddlewaretoken": token[1], "username": username, "password": password},
        headers={"Referer": f"{site}/admin/login/"},
    )


def test_demo_boots_serves_the_admin_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    site_port, emulator_port = free_port(), free_port()
    site, emulator = f"http://127.0.0.1:{site_port}", f"http://127.0.0.1:{emulator_port}"
    log = tmp_path / "demo.log"
    env = demo_env(tmp_path / "db.sqlite3")
    args = [
        *(sys.executable, RUNNER, "--leads", "150"),
        *("--site-port", str(site_port), "--emulator-port", str(emulator_port)),
    ]
    with child(args, env, log) as demo:
        wait_for(
            lambda: "Ctrl-C stops everything" in log.read_text(errors="replace"),
            timeout=120,
            what="the demo did not print its banner",
            log=log,
        )
        banner = log.read_text()
        assert f"{site}/admin/" in banner
        assert "admin / selzy-demo" in banner
        assert DEMO_KEY in banner
        assert f"{emulator}/_emulator/outbox" in banner
        assert "Seeded 150 leads" in banner

        with httpx.Client(timeout=10, follow_redirects=True) as client:
            home = log_in(client, site, "admin", "selzy-demo")
            assert home.url.path == "/admin/", home.text[:500]
            assert "Leads" in home.text
            assert "/admin/selzy/connection/" in home.text  # the module's entry
            leads = client.get(f"{site}/admin/crm/lead/", params={"q": "northwind"})
            assert leads.status_code == 200
            lists = client.post(
                f"{emulator}/en/api/getLists?format=json",
                data={"api_key": DEMO_KEY, "platform": "DemoBootTest"},
            )
            assert lists.json()["result"][0]["title"] == "Newsletter"

        stop(demo)
        assert demo.returncode == 0, log.read_text()
        assert "Demo stopped." in log.read_text()
        assert not port_open(site_port)
        assert not port_open(emulator_port)
    # Seeding again adds nothing (what a second `make demo` does).
    again = manage(env, "seed_demo", "--leads", "150", "--reset-selzy")
    assert "150 leads already there; none added." in again


def test_real_service_mode_starts_no_emulator(tmp_path: Path) -> None:
    site_port, emulator_port = free_port(), free_port()
    log = tmp_path / "demo.log"
    env = demo_env(
        tmp_path / "db.sqlite3",
        # Nothing listens there: the site must start without calling Selzy at all.
        SELZY_API_KEY="real0service0key0not0used0by0the0demo",
        SELZY_BASE_URL=f"http://127.0.0.1:{free_port()}",
    )
    args = [
        *(sys.executable, RUNNER, "--leads", "20"),
        *("--site-port", str(site_port), "--emulator-port", str(emulator_port)),
    ]
    with child(args, env, log) as demo:
        wait_for(
            lambda: "Ctrl-C stops everything" in log.read_text(errors="replace"),
            timeout=120,
            what="the demo did not print its banner",
            log=log,
        )
        banner = log.read_text()
        assert "real-service mode" in banner
        assert "real0service0key" not in banner  # the key is never printed
        assert "_emulator/outbox" not in banner
        assert answers(f"http://127.0.0.1:{site_port}/admin/login/")
        assert not port_open(emulator_port)
        stop(demo)
        assert demo.returncode == 0, log.read_text()
