"""What ``selzy import`` prints at the end: the summary of a run, or of a dry run."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import click

from selzy.integration import ImportJob, ImportOutcome, NewField, Rejection, SourceRecord
from selzy.protocol import MAX_IMPORT_ROWS

_EXAMPLES = 3


def print_summary(
    outcome: ImportOutcome, *, rejected: int, rejects_path: str | None, created: Iterable[NewField]
) -> None:
    """The totals of the whole import (resumed runs included) on standard output."""
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
    if rejected:
        click.echo(f"rejected rows: {rejected:,} (listed in {rejects_path})")
    for warning in outcome.warnings:
        click.echo(f"warning: {warning}", err=True)


@dataclass
class DryRun:
    """Counts of what an import would do, from the same conversion the real run uses."""

    job: ImportJob
    rows: int = 0
    sent: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[Rejection]] = field(default_factory=dict)

    def run(self, records: Iterable[SourceRecord]) -> DryRun:
        """Convert every record; nothing is sent."""
        for position, record in enumerate(records):
            self.rows += 1
            row = self.job.convert(record, position)
            if isinstance(row, Rejection):
                self.reasons[row.code] += 1
                kept = self.examples.setdefault(row.code, [])
                if len(kept) < _EXAMPLES:
                    kept.append(row)
            else:
                self.sent += 1
        return self

    def print(self, *, planned: Iterable[NewField]) -> None:
        """The counts, with a few example lines per reason."""
        calls = -(-self.sent // MAX_IMPORT_ROWS)
        click.echo("dry run: nothing was sent")
        for new in planned:
            click.echo(f"would create field: {new.name} ({new.type})")
        click.echo(f"total: {self.rows:,}")
        click.echo(f"would send: {self.sent:,} in {calls:,} importContacts calls")
        click.echo(f"would skip locally: {self.rows - self.sent:,}")
        for code, count in self.reasons.most_common():
            click.echo(f"  {code}: {count:,}")
            for example in self.examples[code]:
                click.echo(f"    line {example.source_id}: {example.reason}")
