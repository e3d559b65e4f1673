"""The reconciliation of a large list: time and memory of the ``selzy.reconcile`` job.

The emulator runs as ``selzy emulator serve`` in its own process (rate limits off) and holds N
contacts in the module's list, imported with their statuses; the module's ledger (SQLite, or
PostgreSQL with --db postgres) holds a row for each. One contact in ``1/--differing`` differs
between the two, in turn: unsubscribed in Selzy, bounced hard, complained, or back in the list
while the ledger says unsubscribed; those have a lead record too, which the write-back rules
change. Each phase runs in a fresh child process:

  seed       migrate, the ledger rows and the differing leads, the Connection; the contacts
             imported into the emulator (500 a call)
  reconcile  the real job, ``reconcile.reconcile``, over HTTP: listHooks, exportContacts,
             getTaskResult, the file streamed and compared 2,000 rows a query

It checks that every difference and nothing else was repaired, and reports the job's wall time,
its process's CPU seconds, RSS before the job and peak RSS (the emulator's memory is its own
process's). ``run(contacts)`` does one size and returns the figures; the command line runs
--contacts and --compare-with (default 1,000,000 and 100,000) and prints both with the ratio of
their peak RSS: flat memory keeps it near 1.

    python bench/reconcile.py [--contacts 1000000] [--compare-with 100000] [--differing 100]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# bench/sync.py's emulator process, key and memory reading (this script's folder is on
# sys.path when it runs, and when bench/webhooks.py loads it).
from sync import KEY, EmulatorProcess, rss_mb

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "leads"
#: The differing contacts' kinds, in turn: (what Selzy says, how it is repaired).
KINDS = ("unsubscribed", "hard_bounce", "complaint", "subscribed")
AVAILABILITY = {"hard_bounce": "unreachable", "complaint": "spam_folder"}


# --- the parent: emulator and phases -------------------------------------------------------


def run_phase(phase: str, env: dict[str, str], contacts: int, differing: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--phase", phase, "--contacts", str(contacts)]
    command += ["--differing", str(differing)]
    done = subprocess.run(  # noqa: S603 - this very script
        command, env=env, capture_output=True, text=True, check=False, timeout=4 * 3600
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"phase {phase} failed")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(contacts: int, *, differing: int = 100, db: str = "sqlite") -> dict[str, Any]:
    """Reconcile a list of ``contacts`` of which one in ``differing`` differs; the figures.

    Starts its own emulator process and a fresh database (a temporary SQLite file, or the
    PostgreSQL database ``selzy_bench_reconcile``), each gone afterwards."""
    emulator = EmulatorProcess(None, rate_limits=False)
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
                    "TIMEOUT": 600,
                }
            ),
            "BENCH_EMULATOR_URL": emulator.url,
        }
        if db == "postgres":
            env.update({"SELZY_TEST_DB": "postgres", "PGDATABASE": "selzy_bench_reconcile"})
        try:
            seeded = run_phase("seed", env, contacts, differing)
            emulator_before = emulator.rss_mb()
            result = run_phase("reconcile", env, contacts, differing)
            emulator_after = emulator.rss_mb()
        finally:
            emulator.stop()
    return {
        "bench": "reconcile",
        "contacts": contacts,
        "differing": seeded["differing"],
        "db": db,
        "seed_s": seeded["seconds"],
        **result,
        "emulator_rss_mb": {"before": emulator_before, "after": emulator_after},
    }


def main(args: argparse.Namespace) -> None:
    big = run(args.contacts, differing=args.differing, db=args.db)
    print(json.dumps(big))
    if args.compare_with:
        small = run(args.compare_with, differing=args.differing, db=args.db)
        print(json.dumps(small))
        print(
            json.dumps(
                {
                    "bench": "reconcile",
                    "contacts": [args.compare_with, args.contacts],
                    "peak_rss_ratio": round(big["peak_rss_mb"] / small["peak_rss_mb"], 3),
                    "rss_growth_mb": [small["rss_growth_mb"], big["rss_growth_mb"]],
                    "contacts_per_s": [small["contacts_per_s"], big["contacts_per_s"]],
                }
            )
        )


# --- the children: one phase each ------------------------------------------------------------


def kind_of(i: int, differing: int) -> str | None:
    """What differs for contact ``i``, if anything."""
    if i % differing != differing // 2:
        return None
    return KINDS[(i // differing) % len(KINDS)]


def phase_seed(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.management import call_command
    from django.utils import timezone
    from tests.contrib_django.crm.models import Lead

    from selzy import Selzy
    from selzy.client import NoRateLimiter
    from selzy.contrib.django.models import Connection, ContactState

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    # The contacts go in unmetered (the emulator's limits are off): 2,000 calls for 1M.
    client = Selzy(
        KEY,
        platform="Bench",
        base_url=os.environ["BENCH_EMULATOR_URL"],
        rate_limiter=NoRateLimiter(),
        timeout=600,
    )
    list_id = client.get_lists()[0].id
    connection = Connection.current()
    connection.set_api_key(KEY)
    connection.connected_at = timezone.now()
    connection.source = SOURCE
    connection.list_id = list_id
    connection.save()

    now = timezone.now()
    long_ago = now - dt.timedelta(days=30)
    chunk = 20_000
    differing = 0
    for first in range(0, args.contacts, chunk):
        states, leads = [], []
        for i in range(first, min(first + chunk, args.contacts)):
            kind = kind_of(i, args.differing)
            back = kind == "subscribed"
            states.append(
                ContactState(
                    source=SOURCE,
                    source_id=str(i + 1),
                    email=f"c{i}@bench.example",
                    row_hash="0" * 64,
                    synced_at=now,
                    unsubscribed=back,
                    status_at=long_ago if back else None,
                )
            )
            if kind is not None:
                differing += 1
                leads.append(Lead(pk=i + 1, email=f"c{i}@bench.example", consent=not back))
        ContactState.objects.bulk_create(states)
        Lead.objects.bulk_create(leads)

    with client:
        fields = ["email", "email_list_ids", "email_unsubscribed_list_ids", "email_availability"]
        for first in range(0, args.contacts, 500):
            rows = []
            for i in range(first, min(first + 500, args.contacts)):
                kind = kind_of(i, args.differing)
                if kind == "unsubscribed":
                    rows.append([f"c{i}@bench.example", "", list_id, "available"])
                else:
                    availability = AVAILABILITY.get(kind or "", "available")
                    rows.append([f"c{i}@bench.example", list_id, "", availability])
            client.import_contacts(field_names=fields, data=rows)
    return {"seconds": round(time.perf_counter() - started, 2), "differing": differing}


class Steps(logging.Handler):
    """Keeps the job's own account of its steps (its INFO line: export, download, comparison)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.seconds: dict[str, float] = {}
        self.file_bytes = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("Selzy reconciliation #") and record.args:
            *_, export, download, size, comparison = record.args
            self.seconds = {
                "export": round(export, 2),
                "download": round(download, 2),
                "comparison": round(comparison, 2),
            }
            self.file_bytes = int(size)


def phase_reconcile(args: argparse.Namespace) -> dict[str, Any]:
    from selzy.contrib.django import reconcile
    from selzy.contrib.django.models import Reconciliation

    steps = Steps()
    job_log = logging.getLogger("selzy.django")
    job_log.addHandler(steps)
    job_log.setLevel(logging.INFO)

    expected: dict[str, int] = {}
    for i in range(args.contacts):
        kind = kind_of(i, args.differing)
        if kind is not None:
            expected[kind] = expected.get(kind, 0) + 1
    before = rss_mb()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    reconciliation, _ = reconcile.start(submit_job=False)
    reconciliation = reconcile.reconcile(reconciliation.pk)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    if reconciliation.status != Reconciliation.Status.COMPLETED:
        raise SystemExit(f"the reconciliation failed: {reconciliation.error}")
    if reconciliation.rows != args.contacts or reconciliation.repaired != expected:
        raise SystemExit(
            f"read {reconciliation.rows} and repaired {reconciliation.repaired}; "
            f"expected {args.contacts} and {expected}"
        )
    peak = round(usage.ru_maxrss / 1024, 1)
    return {
        "rows": reconciliation.rows,
        "repaired": reconciliation.repaired,
        "seconds": round(seconds, 2),
        "steps_s": steps.seconds,
        "file_mb": round(steps.file_bytes / 1e6, 1),
        "contacts_per_s": round(args.contacts / seconds),
        "cpu_s": round(usage.ru_utime + usage.ru_stime - cpu, 2),
        "rss_before_mb": before,
        "peak_rss_mb": peak,
        "rss_growth_mb": round(peak - before, 1),
    }


PHASES = {"seed": phase_seed, "reconcile": phase_reconcile}


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--compare-with", type=int, default=100_000, help="0: only --contacts")
    parser.add_argument(
        "--differing", type=int, default=100, help="one contact in this many differs"
    )
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    return parser.parse_args()


def setup_django(args: argparse.Namespace) -> None:
    if os.environ.get("SELZY_TEST_DB") == "postgres" and args.phase == "seed":
        import psycopg

        with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as c:
            c.execute("DROP DATABASE IF EXISTS selzy_bench_reconcile")
            c.execute("CREATE DATABASE selzy_bench_reconcile")
    import django

    django.setup()


if __name__ == "__main__":
    arguments = parse()
    if arguments.phase:
        setup_django(arguments)
        print(json.dumps(PHASES[arguments.phase](arguments)))
    else:
        main(arguments)
