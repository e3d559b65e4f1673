"""``manage.py selzy_sync``: sync the contact source into the Selzy list, in the foreground.

::

    manage.py selzy_sync                    # full the first time, incremental afterwards
    manage.py selzy_sync --full             # look at every contact again
    manage.py selzy_sync --incremental      # scan for changes signals missed, send them
    manage.py selzy_sync --dry-run          # count what a full sync would do; send nothing
    manage.py selzy_sync --workers 4        # four workers (threads) share the run's batches
    manage.py selzy_sync --resume 42        # continue run 42 (interrupted, paused or failed)

The run is the same ledger run the admin starts (its page shows it too), worked here by
``--workers`` threads. A bar shows contacts done, batches, rate and time left on a terminal;
elsewhere a plain line every few seconds. Ctrl-C pauses the run once the workers' current
batches are recorded (``--resume`` continues it). Exit status 1 when the run fails, 130 when
interrupted.

First the command interrupts the runs whose workers died (:mod:`...leases`) and says so: the
contacts they held go to the sync it starts. A full sync of the list already under way is
joined (its batches are shared with the workers there), not started twice. With the thread
runner, run ``selzy_sync --incremental`` periodically (cron): it is the scan for changes the
signals cannot see, and what takes over a sync whose process died.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django import db
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count

from selzy import SelzyError
from selzy.integration import NOTE_CODES, format_duration

from ... import events, jobs, leases
from ...conf import selzy_settings
from ...dryrun import dry_run_job
from ...ledger import Progress, progress, worker_name
from ...models import Connection, ContactState, ImportRun
from ...sources import contact_sources
from ...worker import fail_run, prepare, work
from ..terminal import ProgressBar, table

POLL_SECONDS = 0.5
PLAIN_EVERY = 5.0  # seconds between progress lines when the output is not a terminal
Status = ImportRun.Status

CHANGES = ("new", "updated", "moved", "removed", "unchanged", "invalid")
SELZY = ("sent", "inserted", "updated", "deleted", "invalid")


def _eta(seconds: float | None) -> str:
    # Unknown until the first batches give a rate.
    return "…" if seconds is None else format_duration(seconds)


def describe(state: Progress) -> str:
    """Batches, rate and time left, for the bar and the plain lines."""
    rate = f"{state.rate:,.0f}/s" if state.rate else "…/s"
    return f"{state.batches_done}/{state.batches_total} batches {rate} ETA {_eta(state.eta)}"


class Command(BaseCommand):
    help = (
        "Sync the contact source into the Selzy list in the foreground: a full sync the first "
        "time, incremental afterwards; --dry-run counts without sending; --resume RUN_ID "
        "continues an interrupted, paused or failed run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", metavar="KEY", help="the contact source (SELZY setting)")
        parser.add_argument("--list", dest="list_id", type=int, metavar="ID", help="Selzy list")
        kind = parser.add_mutually_exclusive_group()
        kind.add_argument("--full", dest="kind", action="store_const", const="full")
        kind.add_argument("--incremental", dest="kind", action="store_const", const="incremental")
        parser.add_argument("--dry-run", action="store_true", help="count, send nothing")
        parser.add_argument("--workers", type=int, metavar="N", help="worker threads")
        parser.add_argument("--resume", type=int, metavar="RUN_ID", help="continue this run")

    def handle(self, *args: Any, **options: Any) -> None:
        # The cron job of a site on the thread runner: webhook events whose processing never
        # came (the process that stored them died) are applied here, in the foreground.
        if events.stale().exists():
            self.stdout.write(f"Applied {events.process_events()} waiting webhook events")
        for dead in leases.interrupt_stale():
            self.stdout.write(
                f"Sync #{dead.pk} ({dead.get_kind_display().lower()}) was interrupted: "
                f"{dead.error} Continue it with: selzy_sync --resume {dead.pk}"
            )
        run = self._resumed(options["resume"]) if options["resume"] else self._new(options)
        if run is None:
            return
        if run.dry_run:
            self._dry_run(run)
            return
        try:
            prepare(run)
        except (SelzyError, ImproperlyConfigured) as error:
            fail_run(run.pk, str(error))
        run.refresh_from_db()
        workers = max(1, options["workers"] or selzy_settings().import_concurrency)
        if run.status == Status.RUNNING:
            self._work(run, workers)
            run.refresh_from_db()
        self._summary(run)
        if run.status == Status.FAILED:
            raise CommandError(f"Sync #{run.pk} failed: {run.error}")
        if run.resumable:
            what = run.get_status_display()
            self.stdout.write(f"{what}. Continue with: selzy_sync --resume {run.pk}")

    # -- which run ----------------------------------------------------------------------------

    def _new(self, options: dict[str, Any]) -> ImportRun:
        connection = Connection.objects.filter(pk=1).first()
        source = options["source"] or (connection.source if connection else "")
        if not source:
            sources = list(contact_sources())
            if len(sources) != 1:
                raise CommandError(f"Choose the source with --source (one of {sources})")
            source = sources[0]
        list_id = options["list_id"] or (connection.list_id if connection else None)
        if not list_id:
            raise CommandError("Choose the list with --list ID (or select it in the admin)")
        run = jobs.start_import(
            source,
            int(list_id),
            kind=options["kind"],
            dry_run=options["dry_run"],
            submit_workers=False,
        )
        what = "Dry run" if run.dry_run else f"{run.get_kind_display()} sync"
        self.stdout.write(f"{what} #{run.pk} of {source!r} into list {list_id}")
        if run.joined:
            self.stdout.write(
                f"It is already {run.get_status_display().lower()}: this command joins it "
                "instead of starting a second full sync."
            )
        return run

    def _resumed(self, run_id: int) -> ImportRun | None:
        run = ImportRun.objects.filter(pk=run_id).first()
        if run is None:
            raise CommandError(f"There is no sync #{run_id}")
        if run.status == Status.COMPLETED:
            self.stdout.write(f"Sync #{run.pk} is already complete.")
            self._summary(run)
            return None
        if run.status == Status.CANCELLED:
            raise CommandError(f"Sync #{run.pk} was cancelled; start a new one")
        if run.resumable and not jobs.resume_run(run, submit_workers=False):
            raise CommandError(
                f"Sync #{run.pk} cannot resume while another sync of list {run.list_id} is "
                "under way (that one sends its contacts); cancel it or wait for the other"
            )
        self.stdout.write(f"Resuming sync #{run.pk} ({run.get_kind_display().lower()})")
        return run

    # -- the work -----------------------------------------------------------------------------

    def _work(self, run: ImportRun, count: int) -> None:
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                work(run.pk, worker_name())
            except BaseException as error:  # reported by the main thread
                errors.append(error)
            finally:
                db.connection.close()  # this thread's own connection

        threads = [
            threading.Thread(target=worker, name=f"selzy-sync-{i + 1}", daemon=True)
            for i in range(count)
        ]
        for thread in threads:
            thread.start()
        try:
            self._follow(run, threads)
        except KeyboardInterrupt:
            self.stderr.write("\nPausing: the workers finish the batches they are sending…")
            jobs.pause_run(run)
            for thread in threads:
                thread.join()
            raise CommandError(
                f"Interrupted; continue with: selzy_sync --resume {run.pk}", returncode=130
            ) from None
        if errors:
            raise CommandError(f"A worker stopped: {errors[0]!r}")

    def _follow(self, run: ImportRun, threads: list[threading.Thread]) -> None:
        run.refresh_from_db()
        bar = ProgressBar(self.stderr, run.expected or 0, label=f"Sync #{run.pk}", unit="contacts")
        last_line = time.monotonic()
        with bar:
            while any(thread.is_alive() for thread in threads):
                for thread in threads:
                    thread.join(timeout=POLL_SECONDS / len(threads))
                run.refresh_from_db()
                state = progress(run, with_totals=False)
                bar.update(state.contacts_done, describe(state))
                if not bar.enabled and time.monotonic() - last_line >= PLAIN_EVERY:
                    last_line = time.monotonic()
                    self.stderr.write(
                        f"Sync #{run.pk}: {state.contacts_done:,}/{state.contacts_total:,} "
                        f"contacts, {describe(state)}"
                    )

    # -- reports ------------------------------------------------------------------------------

    def _dry_run(self, run: ImportRun) -> None:
        run = dry_run_job(run.pk)
        if run.status != Status.COMPLETED:
            raise CommandError(f"Dry run #{run.pk} failed: {run.error}")
        report = run.summary
        counts = report.changes
        self.stdout.write(
            table(("Would be", "Contacts"), [(k, getattr(counts, k)) for k in CHANGES])
        )
        if report.skipped:
            self.stdout.write("")
            self.stdout.write(
                table(("Skipped because", "Contacts"), sorted(report.skipped.items()))
            )
        if report.notes:
            self.stdout.write("")
            self.stdout.write(
                table(("Imported with a note", "Contacts"), sorted(report.notes.items()))
            )
        self.stdout.write(f"\nimportContacts calls needed: {report.batches:,}")

    def _summary(self, run: ImportRun) -> None:
        state = progress(run)
        totals = state.totals
        rows = [(name, getattr(totals.changes, name)) for name in CHANGES]
        rows += [(f"Selzy: {name}", getattr(totals, name)) for name in SELZY]
        rows += [(f"noted: {code}", count) for code, count in sorted(totals.notes.items())]
        notes = run.rejections.filter(stage="local", code__in=NOTE_CODES)
        rows.append(("rejected rows", run.rejections.count() - notes.count()))
        self.stdout.write(table((f"Sync #{run.pk}", "Contacts"), rows))
        rate = f", {state.rate:,.0f} contacts/s" if state.rate else ""
        self.stdout.write(
            f"{run.get_status_display()}: {state.batches_done}/{state.batches_total} batches{rate}"
        )
        held = ContactState.objects.filter(
            source=run.source, dirty=True, taken_by__status__in=leases.WORKING
        ).exclude(taken_by=run)
        for other, count in held.values_list("taken_by").annotate(n=Count("pk")):
            # Not this run's to send: say so, rather than let "0/0 batches" read as "nothing".
            self.stdout.write(f"{count:,} changed contacts are being sent by sync #{other}.")
