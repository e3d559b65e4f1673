"""Webhook events ingested per second through the module's real endpoint, stored then processed.

Selzy allows 3 s for the answer and redelivers for 24 h whatever was not answered in time, so
the endpoint only verifies and stores (:func:`selzy.contrib.django.events.store`) and the task
runner processes afterwards (:func:`~selzy.contrib.django.events.process_events`: the ledger's
status cache, ContactActivity, the leads' write-back rules, the signals). Both are measured,
apart, over the same signed events posted to ``/selzy/webhook/`` with Django's test client (the
whole request path: middleware, URL resolution, the view; no HTTP server or socket):

  store       the HTTP answers: auth checked, the body read, the events stored. Processing is
              captured instead of run, as a broker would take it away (its ids kept)
  processing  process_events over what each answer queued, as the runner would call it
  verify      the baseline: the bare cost any handler pays, verify_webhook + json.loads
  inline      the other baseline: the answers with processing run before them (the immediate
              runner), what an endpoint that acts on each event at once would answer in

once with one event per payload (single_event=1) and once with --batch events per payload
(events_by_user). The events are shaped like a campaign's traffic to a CRM of --leads leads
with a ledger row each (delivered 45 %, read 20 %, clicked 10 %, soft bounce 5 %, hard bounce 5 %,
complaint 5 %, unsubscribe 5 %, an address the ledger does not know 5 %; one event per lead and
campaign, mixed-case addresses, Cyrillic names). Between measurements the tables are put back,
so each one does the same work.

Prints a table (events/s and the ratios) and one JSON line. SQLite file by default; --db
postgres uses the local server (database selzy_bench_webhooks, dropped and created).

    python bench/webhooks.py [--events 10000] [--batch 100] [--leads N] [--db sqlite|postgres]

The reconciliation's figures (issue 10.7: a 1M-contact export, time and peak RSS) come from
bench/reconcile.py: see :func:`reconcile_phase`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KEY = "bench0webhooks0api0key0for0the0module"
LIST = 1
FIRST_CAMPAIGN = 800_001
PG_DATABASE = "selzy_bench_webhooks"
START = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)

# One event in twenty of each kind, by position: (event_name, status); None: an address the
# ledger does not know.
MIX: list[tuple[str, str] | None] = [
    *[("email_status", "ok_delivered")] * 9,
    *[("email_status", "ok_read")] * 4,
    *[("email_status", "ok_link_visited")] * 2,
    ("email_status", "err_mailbox_full"),
    ("email_status", "err_user_unknown"),
    ("email_status", "ok_spam_folder"),
    ("unsubscribe", ""),
    None,
]


# --- set-up ---------------------------------------------------------------------------------


def setup_django(args: argparse.Namespace, tmp: str) -> None:
    # This checkout's src/ first: a worktree benchmarks itself, not the editable install.
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.contrib_django.settings"
    os.environ["SELZY_TEST_DB_PATH"] = str(Path(tmp) / "webhooks.sqlite3")
    os.environ["SELZY_TEST_SELZY"] = json.dumps({"TASK_RUNNER": "immediate"})
    if args.db == "postgres":
        import psycopg

        with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
            c.execute(f"CREATE DATABASE {PG_DATABASE}")
        os.environ.update({"SELZY_TEST_DB": "postgres", "PGDATABASE": PG_DATABASE})
    import django

    django.setup()


def seed(leads: int) -> None:
    """Migrate; leads synced once (a ledger row each, written as the CRM holds the address)."""
    from django.core.management import call_command
    from django.utils import timezone
    from tests.contrib_django.crm.models import Lead

    from selzy.contrib.django.models import Connection, ContactState

    call_command("migrate", verbosity=0)
    rows = Lead.objects.bulk_create(
        [Lead(email=lead_email(i), name=f"Лид {i} ✉", consent=True) for i in range(leads)],
        batch_size=5000,
    )
    ContactState.objects.bulk_create(
        [
            ContactState(
                source="leads",
                source_id=str(lead.pk),
                email=lead.email,
                row_hash="sent",
                synced_at=timezone.now(),
            )
            for lead in rows
        ],
        batch_size=5000,
    )
    connection = Connection.current()
    connection.set_api_key(KEY)
    connection.connected_at = timezone.now()
    connection.list_id = LIST
    connection.source = "leads"
    connection.save()


def lead_email(i: int) -> str:
    return f"Lead.{i}@Bench.Example" if i % 3 == 0 else f"lead.{i}@bench.example"


def reset() -> None:
    """The tables as seeded: no event, no activity, every lead and ledger row untouched."""
    from tests.contrib_django.crm.models import Lead

    from selzy.contrib.django.models import ContactActivity, ContactState, WebhookEvent

    WebhookEvent.objects.all().delete()
    ContactActivity.objects.all().delete()
    ContactState.objects.update(
        unsubscribed=False,
        status_at=None,
        undeliverable_at=None,
        complained_at=None,
        soft_bounces=0,
        last_soft_bounce_at=None,
        dirty=False,
    )
    Lead.objects.update(consent=True, email_undeliverable=False, consent_withdrawn_at=None)


# --- the events ---------------------------------------------------------------------------------


def events(count: int, leads: int) -> list[dict[str, Any]]:
    """``count`` events in batched form (event_name, event_time, event_data), in time order."""
    out = []
    for k in range(count):
        lead, round_ = k % leads, k // leads
        shape = MIX[(k + round_) % len(MIX)]  # each lead's campaigns end differently
        campaign = FIRST_CAMPAIGN + round_
        email = lead_email(lead).upper() if k % 7 == 0 else lead_email(lead).lower()
        at = (START + dt.timedelta(seconds=k)).strftime("%Y-%m-%d %H:%M:%S")
        if shape is None:
            name, data = "email_status", {"email": f"stranger.{k}@elsewhere.example"}
            data.update(status="ok_delivered", campaign_id=campaign)
        elif shape[0] == "unsubscribe":
            name, data = "unsubscribe", {"email": email, "unsubscribed_list_ids": [LIST]}
        else:
            name, data = "email_status", {"email": email, "status": shape[1]}
            data.update(status_group="success_group", campaign_id=campaign, email_id=10_000 + k)
        out.append({"event_name": name, "event_time": at, "event_data": data})
    return out


def bodies(all_events: list[dict[str, Any]], batch: int) -> list[bytes]:
    """Signed bodies: flat (one event, its data at the top level) or batched."""
    from selzy.emulator._webhooks import sign  # the emulator's signer: Selzy's own scheme

    if batch == 1:
        return [
            sign(
                {"login": "ID1", "event_name": e["event_name"], "event_time": e["event_time"]}
                | e["event_data"],
                KEY,
            )
            for e in all_events
        ]
    return [
        sign({"events_by_user": [{"login": "ID1", "events": all_events[i : i + batch]}]}, KEY)
        for i in range(0, len(all_events), batch)
    ]


# --- the measurements --------------------------------------------------------------------------


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds else 0.0


def measure_verify(payloads: list[bytes], count: int) -> float:
    from selzy import verify_webhook

    started = time.perf_counter()
    for body in payloads:
        if not verify_webhook(body, KEY):
            raise SystemExit("a body the bench signed does not verify")
        json.loads(body)
    return rate(count, time.perf_counter() - started)


@contextmanager
def processing_captured() -> Iterator[list[tuple[int, ...]]]:
    """events.submit replaced by a queue: the answers store, the processing waits (a broker)."""
    from selzy.contrib.django import events as module

    queued: list[tuple[int, ...]] = []
    real = module.submit

    def capture(function: Callable[..., Any], *ids: int) -> None:
        queued.append(ids)

    module.submit = capture  # type: ignore[assignment]
    try:
        yield queued
    finally:
        module.submit = real


def post_all(payloads: list[bytes]) -> float:
    from django.test import Client
    from django.urls import reverse

    client, url = Client(), reverse("selzy:webhook")
    started = time.perf_counter()
    for body in payloads:
        response = client.post(url, body, content_type="application/json")
        if response.status_code != 200:
            raise SystemExit(f"the endpoint answered {response.status_code}: {response.content!r}")
    return time.perf_counter() - started


def measure_mode(payloads: list[bytes], count: int) -> dict[str, Any]:
    from selzy.contrib.django.events import process_events
    from selzy.contrib.django.models import ContactActivity, WebhookEvent

    verify = measure_verify(payloads, count)

    reset()
    with processing_captured() as queued:
        store_s = post_all(payloads)
    if WebhookEvent.objects.count() != count:
        raise SystemExit("the store kept a different number of events")
    started = time.perf_counter()
    processed = sum(process_events(*ids) for ids in queued)
    process_s = time.perf_counter() - started
    if processed != count or WebhookEvent.objects.filter(processed_at=None).exists():
        raise SystemExit(f"processing applied {processed} of {count} events")
    outcome = applied_outcome()

    reset()
    inline_s = post_all(payloads)  # the immediate runner: processed before each answer
    if applied_outcome() != outcome:
        raise SystemExit("processing inline ended in another state than processing later")
    store, processing = rate(count, store_s), rate(count, process_s)
    return {
        "payloads": len(payloads),
        "events": count,
        "verify_events_per_s": verify,
        "store_events_per_s": store,
        "store_ms_per_answer": round(1000 * store_s / len(payloads), 2),
        "processing_events_per_s": processing,
        "inline_events_per_s": rate(count, inline_s),
        "inline_ms_per_answer": round(1000 * inline_s / len(payloads), 2),
        "ratio_store_to_verify": round(store / verify, 4) if verify else None,
        "ratio_store_to_inline": round(store / rate(count, inline_s), 2) if inline_s else None,
        "activity_rows": ContactActivity.objects.count(),
        "outcome": outcome,
    }


def applied_outcome() -> dict[str, int]:
    """What processing changed, to check both ways end alike (and that it did something)."""
    from tests.contrib_django.crm.models import Lead

    from selzy.contrib.django.models import ContactState

    return {
        "unsubscribed": ContactState.objects.filter(unsubscribed=True).count(),
        "undeliverable": ContactState.objects.exclude(undeliverable_at=None).count(),
        "complained": ContactState.objects.exclude(complained_at=None).count(),
        "soft_bounced": ContactState.objects.filter(soft_bounces__gt=0).count(),
        "leads_without_consent": Lead.objects.filter(consent=False).count(),
        "leads_undeliverable": Lead.objects.filter(email_undeliverable=True).count(),
    }


# --- the reconciliation ------------------------------------------------------------------------


def reconcile_phase(args: argparse.Namespace) -> dict[str, Any] | None:
    """Issue 10.7's second figure: bench/reconcile.py's ``run`` of a --contacts export (its own
    emulator and database, in child processes: time, peak RSS), printed under "reconcile";
    None with --skip-reconcile."""
    if args.skip_reconcile:
        return None
    from reconcile import run  # bench/reconcile.py: this script's folder is on sys.path

    result: dict[str, Any] = run(args.contacts, db=args.db)
    return result


# --- the report ---------------------------------------------------------------------------------


def table(modes: dict[str, dict[str, Any]]) -> str:
    head = (
        "| payloads | events | verify+parse ev/s | store ev/s (ms/answer) | processing ev/s "
        "| inline ev/s (ms/answer) | store / verify | store / inline |"
    )
    lines = [head, "|" + "---|" * 8]
    for name, m in modes.items():
        lines.append(
            f"| {name} x{m['payloads']:,} | {m['events']:,} | {m['verify_events_per_s']:,.0f} "
            f"| {m['store_events_per_s']:,.0f} ({m['store_ms_per_answer']}) "
            f"| {m['processing_events_per_s']:,.0f} "
            f"| {m['inline_events_per_s']:,.0f} ({m['inline_ms_per_answer']}) "
            f"| {m['ratio_store_to_verify']:.3f} | {m['ratio_store_to_inline']:.2f}x |"
        )
    return "\n".join(lines)


def main(args: argparse.Namespace) -> None:
    leads = args.leads or max(1, args.events // 4)
    with tempfile.TemporaryDirectory(prefix="selzy-bench-") as tmp:
        setup_django(args, tmp)
        started = time.perf_counter()
        seed(leads)
        seed_s = time.perf_counter() - started
        all_events = events(args.events, leads)
        modes = {
            "single": measure_mode(bodies(all_events, 1), args.events),
            f"batched {args.batch}": measure_mode(bodies(all_events, args.batch), args.events),
        }
    print(f"Webhook events through /selzy/webhook/ ({args.db}, {leads:,} leads in the ledger)")
    print(table(modes), flush=True)
    peak_rss = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    reconcile = reconcile_phase(args)
    if reconcile is not None:
        print(
            f"Reconciliation of {reconcile.get('contacts', args.contacts):,} contacts: "
            f"{reconcile.get('seconds')} s, peak RSS {reconcile.get('peak_rss_mb')} MB, "
            f"repaired {reconcile.get('repaired')}"
        )
    report = {
        "bench": "webhooks",
        "db": args.db,
        "events": args.events,
        "leads": leads,
        "batch": args.batch,
        "seed_s": round(seed_s, 2),
        "modes": modes,
        "peak_rss_mb": peak_rss,
        "reconcile": reconcile,
    }
    print(json.dumps(report))


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000, help="events per measurement")
    parser.add_argument("--batch", type=int, default=100, help="events per batched payload")
    parser.add_argument("--leads", type=int, default=0, help="ledger size (default events/4)")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--contacts", type=int, default=1_000_000, help="the reconciliation's export size"
    )
    parser.add_argument("--skip-reconcile", action="store_true")
    args = parser.parse_args()
    if args.events < 1 or args.batch < 1:
        parser.error("--events and --batch must be at least 1")
    return args


if __name__ == "__main__":
    main(parse())
