"""Sign-ups accepted by the form's endpoint, and drained to Selzy, against the naive baseline.

The demo site (bench/forms_site.py: the demo's settings and SQLite file, DEBUG off, the visitor
limits off) runs under Django's development server (`manage.py runserver`, one process, a
thread per request); --concurrency client threads post the real form (CSRF token and all, a
distinct address each) as fast as they are answered. The emulator runs as `selzy emulator
serve` with --latency seconds (default 0.2) injected on every subscribe call and its rate
limits off. Phases:

  ours_down      N sign-ups posted to /selzy/signup/newsletter/ while Selzy cannot be reached
                 (the site points at a closed port): each is stored and queued, none is lost
  drain          Selzy is back: one send_signups() sends the N waiting sign-ups, in order, each
                 once (checked in the emulator), Selzy answering at once and the client's rate
                 limiter off: the queue's own cost (Selzy allows 300 subscribe calls a minute,
                 so for real at most 5 a second drain, --latency apart)
  naive_drain    the same N subscribe calls in a plain loop: no claim, no bookkeeping
  ours_up        N more sign-ups posted while Selzy answers (after --latency): the queue sends
                 them in the background, the visitor never waits for Selzy
  baseline_up    N sign-ups to the baseline handler (subscribe inside the request, Selzy's
                 WordPress plugin's way), Selzy answering after --latency
  baseline_down  the baseline while Selzy cannot be reached: how many sign-ups are lost (100
                 of them: each waits out the client's retries)

Prints one JSON line: sign-ups accepted per second and lost for each way, the drain rates, and
the ratios ours/baseline.

    python bench/forms.py [--signups 2000] [--concurrency 8] [--latency 0.2]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

# bench/sync.py's emulator process (this script's folder is on sys.path when it runs).
from sync import EmulatorProcess, free_port

ROOT = Path(__file__).resolve().parent.parent
KEY = "bench0sync0api0key0for0the0emulator"  # EmulatorProcess seeds this key
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM = "/selzy/signup/newsletter/"
BASELINE = "/baseline/subscribe/"
DOWN_SAMPLE = 100


# --- the parent: processes, posts, report ---------------------------------------------------


class Site:
    """The demo site under `runserver`, pointed at ``base_url``."""

    def __init__(self, env: dict[str, str], base_url: str, *, unmetered: bool = False) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        run_env = {**env, "SELZY_BASE_URL": base_url, "DEMO_SITE_URL": self.url}
        if unmetered:
            run_env["BENCH_NO_LIMITER"] = "1"
        self.process = subprocess.Popen(  # noqa: S603 - Django's development server
            [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            env=run_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}{FORM}", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("the site did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def post_many(site: str, path: str, count: int, concurrency: int, prefix: str) -> dict[str, Any]:
    """``count`` posts of the newsletter form to ``path``, ``concurrency`` at a time (each
    thread with its own CSRF cookie and token); how fast they were answered, and how."""
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    next_number = iter(range(count))

    def poster() -> None:
        with httpx.Client(base_url=site, timeout=60) as client:
            token = TOKEN.search(client.get(FORM).text)
            assert token is not None, "the form has no CSRF token"
            while True:
                with lock:
                    number = next(next_number, None)
                if number is None:
                    return
                data = {
                    "csrfmiddlewaretoken": token.group(1),
                    "email": f"{prefix}{number:06d}@bench.example",
                    "Name": f"Подписчик {number}",
                    "consent": "on",
                    "next": "/newsletter/",
                }
                response = client.post(path, data=data, headers={"Referer": site + FORM})
                with lock:
                    statuses[response.status_code] += 1

    threads = [threading.Thread(target=poster) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    accepted = statuses.get(302, 0)
    return {
        "posted": count,
        "accepted": accepted,
        "lost": count - accepted,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "seconds": round(seconds, 2),
        "accepted_per_s": round(accepted / seconds, 1),
    }


def run_phase(phase: str, env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--phase", phase, "--signups", str(args.signups)]
    done = subprocess.run(  # noqa: S603 - this very script
        command, env=env, capture_output=True, text=True, check=False, timeout=3600
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"phase {phase} failed")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def slow_subscribe(emulator: EmulatorProcess, seconds: float) -> None:
    """Selzy answers subscribe after ``seconds`` (0: at once)."""
    httpx.post(f"{emulator.url}/_emulator/faults/clear", timeout=5).raise_for_status()
    if seconds:
        httpx.post(
            f"{emulator.url}/_emulator/faults",
            data={"kind": "latency", "method": "subscribe", "seconds": str(seconds)},
            timeout=5,
        ).raise_for_status()


def main(args: argparse.Namespace) -> None:
    emulator = EmulatorProcess(args.latency)
    # Selzy's per-minute limits off: the module's own pace is measured, not Selzy's cap.
    httpx.post(
        f"{emulator.url}/_emulator/rate-limits", data={"enabled": "0"}, timeout=5
    ).raise_for_status()
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there: Selzy is down
    n, c = args.signups, args.concurrency
    # Each lost baseline post waits out the client's retries (about 3.5 s): a sample will do.
    sample = min(n, DOWN_SAMPLE)
    with tempfile.TemporaryDirectory(prefix="selzy-bench-forms-") as tmp:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT), str(ROOT / "demo")]),
            "DJANGO_SETTINGS_MODULE": "bench.forms_site",
            "DEMO_DB_PATH": str(Path(tmp) / "forms.sqlite3"),
            "SELZY_BASE_URL": emulator.url,
            "BENCH_EMULATOR_URL": emulator.url,
        }
        try:
            run_phase("setup", env, args)
            site = Site(env, closed)
            try:
                ours_down = post_many(site.url, FORM, n, c, "down")
                baseline_down = post_many(site.url, BASELINE, sample, c, "lost")
            finally:
                site.stop()
            stored = run_phase("count", env, args)
            slow_subscribe(emulator, 0)
            drain = run_phase("drain", {**env, "BENCH_NO_LIMITER": "1"}, args)
            naive = run_phase("naive_drain", {**env, "BENCH_NO_LIMITER": "1"}, args)
            slow_subscribe(emulator, args.latency)
            site = Site(env, emulator.url, unmetered=True)
            try:
                ours_up = post_many(site.url, FORM, n, c, "up")
                after = run_phase("count", env, args)
                baseline_up = post_many(site.url, BASELINE, n, c, "base")
            finally:
                site.stop()
        finally:
            emulator.stop()
    report = {
        "bench": "forms",
        "signups": n,
        "concurrency": c,
        "latency_s": args.latency,
        "server": "manage.py runserver (threaded), SQLite file",
        "ours_down": ours_down,
        "stored_while_down": stored,
        "drain": drain,
        "naive_drain": naive,
        "ours_up": {**ours_up, "sent_in_the_background_meanwhile": after.get("sent", 0) - n},
        "baseline_up": baseline_up,
        "baseline_down": baseline_down,
        "ratio_accepted_per_s_ours_to_baseline_up": round(
            ours_up["accepted_per_s"] / baseline_up["accepted_per_s"], 2
        ),
        "ratio_drain_ours_to_naive": round(drain["signups_per_s"] / naive["signups_per_s"], 2),
        "selzy_subscribe_ceiling_per_s": 5.0,  # 300 calls a minute per key (REFERENCE §3)
    }
    print(json.dumps(report))


# --- the children: one phase each -----------------------------------------------------------


def phase_setup(args: argparse.Namespace) -> dict[str, Any]:
    """Migrate; connect the module to the emulator's account and its Newsletter list; give the
    list its confirmation letter."""
    from django.core.management import call_command
    from django.utils import timezone

    from selzy.contrib.django.client import connected_client
    from selzy.contrib.django.models import Connection

    call_command("migrate", verbosity=0)
    connection = Connection.current()
    connection.set_api_key(KEY)
    connection.connected_at = timezone.now()
    connection.save()
    with connected_client() as client:
        list_id = next(x.id for x in client.get_lists() if x.title == "Newsletter")
        client.update_opt_in_email(
            list_id=list_id,
            sender_name="Bench",
            sender_email="news@example.com",
            subject="Please confirm",
            body='<a href="{{ConfirmUrl}}">Confirm</a>',
        )
    connection.list_id = list_id
    connection.save()
    return {"list_id": list_id}


def phase_count(args: argparse.Namespace) -> dict[str, Any]:
    """The sign-ups by status, and the consent records."""
    from django.db.models import Count

    from selzy.contrib.django.models import ConsentRecord, SignUp

    by_status = SignUp.objects.values_list("status").annotate(n=Count("pk"))
    return {**dict(by_status), "consent_records": ConsentRecord.objects.count()}


def phase_drain(args: argparse.Namespace) -> dict[str, Any]:
    """Every waiting sign-up due now, then one send_signups(); checked in the emulator."""
    from selzy.contrib.django.models import SignUp
    from selzy.contrib.django.signup_queue import send_signups

    waiting = SignUp.objects.filter(status="pending")
    count = waiting.count()
    waiting.update(next_attempt_at=None)
    started = time.perf_counter()
    sent = send_signups()
    seconds = time.perf_counter() - started
    state = httpx.get(f"{os.environ['BENCH_EMULATOR_URL']}/_emulator/state", timeout=60).json()
    in_selzy = Counter(
        c["email"].lower()
        for account in state["accounts"]
        for c in account["contacts"]
        if c["email"] and c["email"].startswith("down")
    )
    ids = list(SignUp.objects.order_by("created_at", "pk").values_list("person_id", flat=True))
    return {
        "waiting": count,
        "sent": sent,
        "in_selzy_once_each": len(in_selzy) == count and set(in_selzy.values()) == {1},
        "in_order": ids == sorted(ids),
        "seconds": round(seconds, 2),
        "signups_per_s": round(sent / seconds, 1),
    }


def phase_naive_drain(args: argparse.Namespace) -> dict[str, Any]:
    """The same number of subscribe calls in a plain loop, through the same client."""
    from selzy.contrib.django.client import connected_client
    from selzy.contrib.django.models import Connection

    list_id = int(Connection.current().list_id or 0)
    started = time.perf_counter()
    with connected_client() as client:
        for number in range(args.signups):
            client.subscribe(
                list_ids=[list_id],
                fields={"email": f"naive{number:06d}@bench.example", "Name": f"N {number}"},
                tags=["website"],
                double_optin=0,
                overwrite=0,
            )
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "signups_per_s": round(args.signups / seconds, 1)}


PHASES = {
    "setup": phase_setup,
    "count": phase_count,
    "drain": phase_drain,
    "naive_drain": phase_naive_drain,
}


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signups", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse()
    if arguments.phase:
        import django

        django.setup()
        print(json.dumps(PHASES[arguments.phase](arguments)))
    else:
        main(arguments)
