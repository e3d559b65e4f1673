"""``selzy import FILE.csv --list ID --map column=field``: a CRM export into a Selzy list.

The command only adapts a file to the integration engine: the engine checks the mapping,
converts values, batches (500 rows a call), checkpoints and maps Selzy's per-row log back to
source rows. The file is streamed, so its size does not matter. Every failure is one line on
standard error: exit 2 for what the user can fix in the command or the file, 1 for Selzy.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from selzy.client import ClientValidationError, InvalidAPIKeyError, Selzy, SelzyError
from selzy.integration import (
    PHONE_COUNTRIES,
    DateFormat,
    FieldPlanError,
    ImportInterruptedError,
    ImportJob,
    ImportOutcome,
    IntegrationError,
    SelzyField,
    ensure_fields,
    import_records,
)

from ._checkpoint import CheckpointFileError, JsonCheckpointStore
from ._connection import connection_options, open_client
from ._csv_mapping import MapOption, MappingOptionError, ResolvedMapping, check_columns, resolve
from ._csv_source import CsvSource, SourceFileError, check_encoding
from ._import_report import print_dry_run, print_summary
from ._progress import Progress
from ._rejects import RejectsFile, RejectsStore
from ._resume import identity_of, open_checkpoints, save_at_unreadable, unreadable


class Failure(click.ClickException):
    """One line on standard error (``Error: ...``); exit code 2, the user can fix it."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))  # one line, whatever the cause's text


class SelzyFailure(Failure):
    """Selzy refused or could not be reached: exit code 1."""

    exit_code = 1


class Interrupted(Failure):
    """Ctrl-C: exit code 130, as a shell reports a process stopped by SIGINT."""

    exit_code = 130


@contextmanager
def _failures(checkpoint: Path | None) -> Iterator[None]:
    """Every expected error as a :class:`Failure`: no traceback, and never the key."""
    try:
        yield
    except (MappingOptionError, SourceFileError, CheckpointFileError) as exc:
        raise Failure(str(exc)) from None
    except (FieldPlanError, ClientValidationError) as exc:
        raise Failure(str(exc)) from None
    except ImportInterruptedError as exc:
        raise SelzyFailure(_stopped(exc.resume_position, exc.cause, checkpoint)) from None
    except InvalidAPIKeyError:
        raise SelzyFailure("Selzy refused the API key (invalid_api_key)") from None
    except (SelzyError, IntegrationError) as exc:
        raise SelzyFailure(f"{type(exc).__name__}: {exc}") from None
    except OSError as exc:
        raise Failure(f"{exc.filename or ''}: {exc.strerror or exc}") from None
    except KeyboardInterrupt:
        if checkpoint is None:
            where = "not saved (no --checkpoint): a new run starts over, which is safe"
        else:
            where = f"saved in {checkpoint}: run the same command to continue"
        raise Interrupted(f"interrupted; progress is {where}") from None


def _stopped(position: int, cause: BaseException, checkpoint: Path | None) -> str:
    then = (
        f"Progress is saved in {checkpoint}: run the same command to continue."
        if checkpoint is not None
        else "Without --checkpoint a new run starts over (importContacts updates, so it is safe)."
    )
    return f"the import stopped after {position:,} rows: {cause}. {then}"


def _delimiter(value: str) -> str:
    value = {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(value, value)
    if len(value) != 1:
        raise Failure(f"--delimiter must be one character (or 'tab'), got {value!r}")
    return value


def _values(
    strict: bool, decimal_comma: bool, date_format: str | None, phone_country: str | None
) -> dict[str, Any]:
    """The job's options reading the file's values, checked before anything is sent."""
    if date_format is not None:
        try:
            date_format = DateFormat.parse(date_format).pattern
        except ValueError as exc:
            raise Failure(f"--date-format: {exc}") from None
    if phone_country is not None:
        phone_country = phone_country.strip().upper()
        if phone_country not in PHONE_COUNTRIES:
            known = ", ".join(PHONE_COUNTRIES)
            raise Failure(f"--phone-country {phone_country!r}: use one of {known}")
    return {
        "invalid_values": "reject" if strict else "drop",
        "decimal_comma": decimal_comma,
        "date_format": date_format,
        "phone_country": phone_country,
        "id_name": "line",
    }


def _account_fields(client: Selzy, list_id: int) -> list[SelzyField]:
    """The account's user fields, after checking that the list exists (read-only calls)."""
    if all(item.id != list_id for item in client.get_lists()):
        raise Failure(f"--list {list_id}: the account has no such list (see: selzy call getLists)")
    return [SelzyField.from_api(f) for f in client.get_fields()]


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--list", "list_id", type=int, required=True, help="The Selzy list to import into.")
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="COLUMN=FIELD[:TYPE]",
    help="A column and its Selzy target: email, phone, tags or a user field; TYPE is string, "
    "text, number, date or bool. Repeat for each column.",
)
@click.option("--create-fields", is_flag=True, help="Create mapped user fields Selzy lacks.")
@click.option("--delimiter", default=",", show_default=True, help="One character, or 'tab'.")
@click.option(
    "--encoding",
    default="utf-8-sig",
    show_default=True,
    help="The file's encoding, e.g. cp1251 for an old Windows export.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 16),
    default=4,
    show_default=True,
    help="importContacts calls in flight at once (the rate limit still applies).",
)
@click.option(
    "--checkpoint",
    type=click.Path(path_type=Path, dir_okay=False),
    help="JSON file saved after each batch; a re-run with it continues where the last stopped.",
)
@click.option(
    "--rejects",
    type=click.Path(path_type=Path, dir_okay=False),
    help="CSV of the rejected and noted rows (line, email, phone, code, reason) "
    "[default: FILE with .rejects.csv, created when there are any].",
)
@click.option(
    "--strict",
    is_flag=True,
    help="A value that does not fit its field rejects the whole row (by default the value is "
    "left out, the row imported and noted in the rejects file).",
)
@click.option("--decimal-comma", is_flag=True, help="Numbers are written 1 234,56 or 1.234,56.")
@click.option(
    "--date-format",
    metavar="FORMAT",
    help="Order of dates with slashes or without a year: MM/DD/YYYY, DD/MM/YYYY, MM/DD...",
)
@click.option(
    "--phone-country",
    metavar="CC",
    help="Country of phones written without + (RU: 8 912 345-67-89 is +79123456789).",
)
@click.option("--dry-run", is_flag=True, help="Count what would be sent and skipped; send nothing.")
@connection_options
def import_command(
    file: Path,
    list_id: int,
    maps: tuple[str, ...],
    create_fields: bool,
    delimiter: str,
    encoding: str,
    concurrency: int,
    checkpoint: Path | None,
    rejects: Path | None,
    strict: bool,
    decimal_comma: bool,
    date_format: str | None,
    phone_country: str | None,
    dry_run: bool,
    api_key: str | None,
    platform: str,
    base_url: str,
    lang: str,
    max_retries: int,
) -> None:
    """Import a CSV export (with a header row) into a Selzy list.

    \b
    selzy import crm.csv --list 3 --map Email=email --map "First name=Name"
    selzy import crm.csv --list 3 --map E-mail=email --map Born=Birthday:date \\
        --create-fields --checkpoint crm.checkpoint.json

    Rows are read one at a time and sent 500 a call. Rows with a bad email are skipped, values
    that do not fit their field left out (--strict: the row skipped); both are listed in the
    rejects file with their line and reason. Existing contacts are updated; statuses are never
    sent, so an unsubscribed contact stays unsubscribed.
    """
    with _failures(checkpoint):
        options = [MapOption.parse(m) for m in maps]
        if not options:
            raise Failure("give the columns to import: --map COLUMN=email (or phone), ...")
        values = _values(strict, decimal_comma, date_format, phone_country)
        try:
            check_encoding(encoding)
        except LookupError:
            raise Failure(f"--encoding {encoding!r}: Python knows no such encoding") from None
        if not api_key:
            raise Failure("no API key: set SELZY_API_KEY (or give --api-key)")
        if not file.is_file():
            raise Failure(f"{file}: no such file")
        with (
            CsvSource(file, delimiter=_delimiter(delimiter), encoding=encoding) as source,
            open_client(api_key, platform, base_url, lang, max_retries) as client,
        ):
            check_columns(options, source.header)
            fields = _account_fields(client, list_id)
            resolved = resolve(options, fields, create_fields=create_fields)
            if dry_run:
                job = _job(resolved, (*fields, *resolved.planned_fields), list_id, values)
                print_dry_run(job, source.records(), planned=resolved.plan.new_fields)
                return
            identity = identity_of(source, resolved, list_id)
            # Before anything changes in Selzy: a checkpoint of another import stops the run.
            checkpoints = open_checkpoints(checkpoint, identity, source)
            if resolved.plan.new_fields:
                ensure_fields(client, resolved.plan)
                fields = [SelzyField.from_api(f) for f in client.get_fields()]
            rejects_file = RejectsFile(rejects or file.with_suffix(".rejects.csv"))
            job = _job(resolved, fields, list_id, values)
            try:
                outcome = _run(
                    client, source, job, checkpoints, concurrency=concurrency, rejects=rejects_file
                )
            except ImportInterruptedError as exc:
                if not isinstance(exc.cause, SourceFileError):
                    raise
                store = checkpoints or JsonCheckpointStore(
                    file.with_suffix(".checkpoint.json"), identity
                )
                saved = save_at_unreadable(exc, source, store, rejects_file)
                message = unreadable(exc, store.path if saved else None, given=bool(checkpoint))
                raise Failure(message) from None
        print_summary(
            outcome,
            rejected=rejects_file.rows,
            rejects_path=str(rejects_file.path),
            created=resolved.plan.new_fields,
        )


def _job(
    resolved: ResolvedMapping,
    fields: Sequence[SelzyField],
    list_id: int,
    values: dict[str, Any],
) -> ImportJob:
    return ImportJob.build(
        resolved.mapping, fields, list_id=list_id, source_fields=resolved.source_fields, **values
    )


def _run(
    client: Selzy,
    source: CsvSource,
    job: ImportJob,
    checkpoints: JsonCheckpointStore | None,
    *,
    concurrency: int,
    rejects: RejectsFile,
) -> ImportOutcome:
    """The engine's run over the file, resumed from the checkpoint when there is one."""
    start = checkpoints.load() if checkpoints is not None else None
    state = checkpoints.extra.get("rejects") if checkpoints is not None else None
    if start is None or not state or not rejects.resume(state):
        if state and state.get("rows"):
            click.echo(f"note: rows rejected before the resume are in {state['path']}", err=True)
        rejects.path.unlink(missing_ok=True)  # a stale list from an earlier import would mislead
    with rejects, Progress(source, sys.stderr, bar=sys.stderr.isatty()) as progress:
        return import_records(
            client,
            job,
            source.records,
            store=RejectsStore(rejects, checkpoints),
            concurrency=concurrency,
            on_progress=progress,
            keep_rejections=False,
        )
