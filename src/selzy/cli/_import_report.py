"""What ``selzy import`` prints at the end: the summary of a run, or of a dry run."""

from __future__ import annotations

from collections.abc import Iterable

import click

from selzy.integration import (
    Contact,
    ImportJob,
    ImportOutcome,
    NewField,
    SourceRecord,
    dry_run,
)

#: How the notes on rows that got in read (the rejects file lists them with these codes).
NOTES = {
    "value_dropped": "imported without a value",
    "duplicate": "replaced by a later row",
}


def print_summary(
    outcome: ImportOutcome, *, rejected: int, rejects_path: str | None, created: Iterable[NewField]
) -> None:
    """The totals of the whole import (resumed runs included) on standard output. ``rejected``
    counts the rejects file's rows, the notes on rows that got in included."""
    totals = outcome.totals
    for new in created:
        click.echo(f"created field: {new.name} ({new.type})")
    if outcome.resumed_from >= totals.total > 0:
        click.echo("nothing left to import: the checkpoint says this import is finished")
    elif outcome.resumed_from:
        click.echo(f"resumed after row {outcome.resumed_from:,} (checkpoint)")
    lines = (
        ("total", totals.total),
        ("sent", totals.sent),
        ("inserted", totals.inserted),
        ("updated", totals.updated),
        ("invalid", totals.invalid),
        ("skipped locally", totals.skipped_locally),
        ("importContacts calls", totals.batches),
    )
    for label, value in lines:
        click.echo(f"{label}: {value:,}")
    if totals.unaccounted:  # never expected: Selzy counts every row it is sent
        click.echo(f"not accounted for by Selzy: {totals.unaccounted:,} rows (see the warnings)")
    noted = sum(totals.notes.values())
    if rejected > noted:
        click.echo(f"rejected rows: {rejected - noted:,} (listed in {rejects_path})")
    for code, count in totals.notes.items():
        click.echo(f"{NOTES.get(code, code)}: {count:,} (listed in {rejects_path} as {code})")
    for warning in outcome.warnings:
        click.echo(f"warning: {warning}", err=True)


def print_dry_run(
    job: ImportJob, records: Iterable[SourceRecord], *, planned: Iterable[NewField]
) -> None:
    """Count what the import would do (the engine's dry run: nothing is sent) and print it,
    with a few example lines per reason."""
    contacts = (Contact(position, record, None) for position, record in enumerate(records))
    report = dry_run(job, contacts)
    totals = report.totals
    click.echo("dry run: nothing was sent")
    for new in planned:
        click.echo(f"would create field: {new.name} ({new.type})")
    click.echo(f"total: {totals.total:,}")
    click.echo(f"would send: {totals.sent:,} in {totals.batches:,} importContacts calls")
    click.echo(f"would skip locally: {totals.skipped_locally:,}")
    counts = {**totals.skipped, **totals.notes}
    # Skipped rows, then rows noted; most frequent first, a tie in the order first met.
    for code in sorted(report.examples, key=lambda code: (code in totals.notes, -counts[code])):
        kept = " (imported all the same, with a note)" if code in totals.notes else ""
        click.echo(f"  {code}: {counts[code]:,}{kept}")
        for example in report.examples[code]:
            click.echo(f"    line {example.source_id}: {example.reason}")
