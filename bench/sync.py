"""Full and incremental contact sync from a database into the emulator, against a naive baseline.

The emulator runs as `selzy emulator serve` in its own process, with a latency of --latency
seconds (default 0.2) injected on every importContacts call, and Selzy's rate limits on. Each
phase runs in a fresh child process, so its CPU time and peak RSS are its own:

  seed         migrate a SQLite file (or PostgreSQL with --db postgres) and insert N leads
  ours         a full sync through the Django module's ledger: --workers threads claiming
               500-row batches, the client's rate limiter keeping within 1,200 calls a minute
  incremental  1,000 leads changed behind the signals' back (QuerySet.update), then the
               periodic scan and an incremental run
  baseline     the naive way the official modules do it: every row loaded first, then one
               500-row importContacts call at a time

Prints one JSON line: contacts/s, calls/s, peak RSS, CPU seconds per 1,000 contacts for ours
and the baseline, their ratio, and the incremental figures. Targets (issue 5): throughput at
least 90% of the rate-limit ceiling (10,000 contacts/s) and at least 8x the baseline; peak RSS
growing less than 20% from 100,000 to 1,000,000 contacts (run with --contacts 100000 and
--contacts 1000000 and compare); an incremental sync of 1,000 changes in at most 2 calls and
under 1 s of local work.

    python bench/sync.py [--contacts 200000] [--latency 0.2] [--workers 8] [--db sqlite|postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
KEY = "bench0sync0api0key0for0the0emulator"
SOURCE = "leads"
CHANGED = 1000
CEILING = 10_000  # contacts/s: 1,200 calls a minute of 500 rows


# --- the parent: emulator, phases, report ---------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmulatorProcess:
    """`selzy emulator serve` in a child process, driven through its control plane: each
    importContacts call slowed by ``latency`` seconds (none when None), Selzy's rate limits
    kept unless ``rate_limits`` is False."""

    def __init__(self, latency: float | None, *, rate_limits: bool = True) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.latency = latency
        self.process = subprocess.Popen(  # noqa: S603 - our own CLI
            [
                *(sys.executable, "-m", "selzy.cli", "emulator", "serve", "--quiet"),
                *("--port", str(self.port), "--api-key", KEY),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},  # this checkout's emulator
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/_emulator/clock", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError("the emulator did not start")
        if not rate_limits:
            httpx.post(
                f"{self.url}/_emulator/rate-limits", data={"enabled": "0"}, timeout=5
            ).raise_for_status()
        self.slow_down()

    def rss_mb(self) -> float:
        return rss_mb(self.process.pid)

    def slow_down(self) -> None:
        if self.latency is None:
            return
        httpx.post(
            f"{self.url}/_emulator/faults",
            data={"kind": "latency", "method": "importContacts", "seconds": str(self.latency)},
            timeout=5,
        ).raise_for_status()

    def reset(self) -> None:
        """Forget every contact (the baseline then inserts, as ours did), keep the account."""
        httpx.post(f"{self.url}/_emulator/reset", timeout=30).raise_for_status()
        httpx.post(
            f"{self.url}/_emulator/seed", json={"api_key": KEY}, timeout=5
        ).raise_for_status()
        self.slow_down()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory now (Linux /proc), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def run_phase(phase: str, env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--phase", phase, "--contacts", str(args.contacts)]
    command += ["--workers", str(args.workers), "--db", args.db]
    done = subprocess.run(  # noqa: S603 - this very script
        command, env=env, capture_output=True, text=True, check=False, timeout=4 * 3600
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"phase {phase} failed")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(args: argparse.Namespace) -> None:
    emulator = EmulatorProcess(args.latency)
    with tempfile.TemporaryDirectory(prefix="selzy-bench-") as tmp:
        env = {
            **os.environ,
            # This checkout's src/ first: a worktree benchmarks itself, not the editable install.
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            "DJANGO_SETTINGS_MODULE": "tests.contrib_django.settings",
            "SELZY_TEST_DB_PATH": str(Path(tmp) / "bench.sqlite3"),
            "SELZY_TEST_SELZY": json.dumps(
                {
                    "BASE_URL": emulator.url,
                    "CLIENT_FACTORY": None,
                    "TASK_RUNNER": "immediate",
                    "SYNC_DEBOUNCE": 0,
                    "TIMEOUT": 120,
                }
            ),
        }
        if args.db == "postgres":
            env.update({"SELZY_TEST_DB": "postgres", "PGDATABASE": "selzy_bench"})
        try:
            seeded = run_phase("seed", env, args)
            ours = run_phase("ours", env, args)
            incremental = run_phase("incremental", env, args)
            emulator.reset()
            baseline = run_phase("baseline", env, args) if not args.skip_baseline else None
        finally:
            emulator.stop()
    report: dict[str, Any] = {
        "bench": "sync",
        "contacts": args.contacts,
        "db": args.db,
        "latency_s": args.latency,
        "workers": args.workers,
        "seed_s": seeded["seconds"],
        "ours": ours,
        "baseline": baseline,
        "incremental": incremental,
        "ratio_throughput_ours_to_baseline": (
            round(ours["contacts_per_s"] / baseline["contacts_per_s"], 2) if baseline else None
        ),
        "share_of_rate_limit_ceiling": round(ours["contacts_per_s"] / CEILING, 3),
        "targets": {
            "share_of_ceiling_min": 0.9,
            "ratio_to_baseline_min": 8,
            "incremental_calls_max": 2,
            "incremental_local_cpu_s_max": 1.0,
        },
    }
    print(json.dumps(report))


# --- the children: one phase each -----------------------------------------------------------


def figures(contacts: int, calls: int, seconds: float, cpu_before: float) -> dict[str, Any]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    return {
        "contacts": contacts,
        "calls": calls,
        "seconds": round(seconds, 2),
        "contacts_per_s": round(contacts / seconds, 1) if seconds else None,
        "calls_per_s": round(calls / seconds, 2) if seconds else None,
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "cpu_s_per_1000": round(1000 * cpu / contacts, 4) if contacts else None,
        "cpu_s": round(cpu, 2),
    }


def cpu_now() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def setup_django(args: argparse.Namespace) -> None:
    if args.db == "postgres" and args.phase == "seed":
        import psycopg

        with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as c:
            c.execute("DROP DATABASE IF EXISTS selzy_bench")
            c.execute("CREATE DATABASE selzy_bench")
    import django

    django.setup()


def the_list_id() -> int:
    from selzy.contrib.django.client import connected_client

    with connected_client() as client:
        return next(x.id for x in client.get_lists() if x.title == "Newsletter")


def phase_seed(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.management import call_command
    from django.utils import timezone
    from tests.contrib_django.crm.models import Lead

    from selzy.contrib.django.models import Connection, MappedField

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    chunk = 20_000
    for first in range(0, args.contacts, chunk):
        Lead.objects.bulk_create(
            [
                Lead(
                    email=f"lead{i}@bench.example",
                    name=f"Lead {i}",
                    company="ACME" if i % 3 else "",
                    score=i % 100,
                    consent=True,
                )
                for i in range(first, min(first + chunk, args.contacts))
            ]
        )
    # A CRM table's rows were not all edited a moment ago: date them an hour back, so the
    # incremental phase's scan (which re-checks the last minutes for safety) sees only the
    # rows that phase changes.
    Lead.objects.update(updated_at=timezone.now() - timezone.timedelta(hours=1))
    connection = Connection.current()
    connection.set_api_key(KEY)
    connection.connected_at = timezone.now()
    connection.source = SOURCE
    connection.save()
    connection.list_id = the_list_id()
    connection.save()
    for source_field, target in (("email", "email"), ("name", "Name")):
        MappedField.objects.create(
            source=SOURCE, source_field=source_field, selzy_field=target, selzy_type="string"
        )
    return {"seconds": round(time.perf_counter() - started, 2)}


def sync_run(kind: str, workers: int, *, scan_first: bool = True) -> tuple[Any, float]:
    from selzy.contrib.django import jobs, ledger
    from selzy.contrib.django.models import Connection
    from selzy.contrib.django.worker import work

    connection = Connection.current()
    run = jobs.start_import(SOURCE, int(connection.list_id or 0), kind=kind, submit_workers=False)
    if run.scan_first != scan_first:
        run.scan_first = scan_first
        run.save(update_fields=["scan_first"])
    started = time.perf_counter()
    threads = [
        threading.Thread(target=work, args=(run.pk, f"{ledger.worker_name()}-{i}"))
        for i in range(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    run.refresh_from_db()
    if run.status != "completed":
        raise SystemExit(f"the {kind} run ended {run.status}: {run.error}")
    return run, seconds


def import_calls(run: Any) -> int:
    """importContacts calls the run made: its done batches that sent any row."""
    return sum(1 for totals in run.batches.values_list("totals", flat=True) if totals.get("sent"))


def phase_ours(args: argparse.Namespace) -> dict[str, Any]:
    cpu = cpu_now()
    run, seconds = sync_run("full", args.workers)
    return figures(args.contacts, import_calls(run), seconds, cpu)


def phase_incremental(args: argparse.Namespace) -> dict[str, Any]:
    """1,000 changes reported by the signals, then 1,000 made behind their back."""
    from django.db.models import F, Value
    from django.db.models.functions import Concat, Now
    from tests.contrib_django.crm.models import Lead

    from selzy.contrib.django.changes import mark_dirty

    step = max(1, args.contacts // (2 * CHANGED))
    picked = list(Lead.objects.order_by("pk").values_list("pk", flat=True)[::step][: 2 * CHANGED])
    by_signal, by_bulk = picked[::2], picked[1::2]

    # The signals' path: saved rows are marked in the ledger as they change (what the
    # post_save handler does), and the incremental run plans from those marks alone.
    Lead.objects.filter(pk__in=by_signal).update(name=Concat(F("name"), Value(" (edited)")))
    mark_dirty(SOURCE, by_signal)
    cpu = cpu_now()
    run, seconds = sync_run("incremental", 1, scan_first=False)
    signals = figures(len(by_signal), import_calls(run), seconds, cpu)

    # A bulk update bypasses the signals: only the scan by modification time finds it, so
    # this run scans the table first, and its local work includes the scan.
    Lead.objects.filter(pk__in=by_bulk).update(
        name=Concat(F("name"), Value(" (bulk)")), updated_at=Now()
    )
    cpu = cpu_now()
    run, seconds = sync_run("incremental", 1, scan_first=True)
    scanned = figures(len(by_bulk), import_calls(run), seconds, cpu)
    return {"table_rows": args.contacts, "after_signals": signals, "after_scan": scanned}


def phase_baseline(args: argparse.Namespace) -> dict[str, Any]:
    from tests.contrib_django.crm.models import Lead

    from selzy.contrib.django.client import connected_client

    list_id = the_list_id()
    cpu = cpu_now()
    started = time.perf_counter()
    rows = list(Lead.objects.filter(consent=True).order_by("pk").values("email", "name"))
    calls = 0
    with connected_client() as client:
        for first in range(0, len(rows), 500):
            chunk = rows[first : first + 500]
            client.import_contacts(
                field_names=["email", "Name", "email_list_ids"],
                data=[[r["email"], r["name"], list_id] for r in chunk],
            )
            calls += 1
    return figures(len(rows), calls, time.perf_counter() - started, cpu)


PHASES = {
    "seed": phase_seed,
    "ours": phase_ours,
    "incremental": phase_incremental,
    "baseline": phase_baseline,
}


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse()
    if arguments.phase:
        setup_django(arguments)
        print(json.dumps(PHASES[arguments.phase](arguments)))
    else:
        main(arguments)
