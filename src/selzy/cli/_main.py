"""Command definitions (click)."""

from __future__ import annotations

import json
import sys
from typing import Any

try:
    import click
except ImportError:  # pragma: no cover - only without the [cli] extra
    sys.stderr.write("The selzy command needs click: pip install 'selzy-connect[cli]'\n")
    raise SystemExit(2) from None

from selzy.client import SelzyError
from selzy.client._exceptions import APIError
from selzy.protocol import METHODS

from ._connection import connection_options, open_client
from ._import_csv import import_command


def parse_assignment(item: str) -> tuple[str, Any]:
    """``key=value`` (text) or ``key:=json`` (lists, objects, numbers) from the command line."""
    key, sep, _ = item.partition("=")
    if sep and key.endswith(":"):
        key, raw = item.split(":=", 1)
        try:
            return key, json.loads(raw)
        except ValueError as exc:
            raise click.BadParameter(f"{item!r}: the part after := is not JSON ({exc})") from None
    if not sep:
        raise click.BadParameter(f"{item!r}: write parameters as key=value or key:=json")
    key, _, value = item.partition("=")
    if not key:
        raise click.BadParameter(f"{item!r}: the parameter name is empty")
    return key, value


def _error_payload(error: SelzyError) -> dict[str, Any]:
    payload: dict[str, Any] = {"error": str(error), "type": type(error).__name__}
    if isinstance(error, APIError):
        payload.update(code=error.code, message=error.message, method=error.method)
    return payload


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="selzy-connect")
def main() -> None:
    """Selzy (formerly UniSender) from the command line."""


@main.command("call", context_settings={"ignore_unknown_options": True})
@click.argument("method")
@click.argument("params", nargs=-1)
@connection_options
def call_command(
    method: str,
    params: tuple[str, ...],
    api_key: str | None,
    platform: str,
    base_url: str,
    lang: str,
    max_retries: int,
) -> None:
    """Call METHOD (e.g. getLists) with key=value or key:=json PARAMS; print the result as JSON.

    \b
    selzy call getLists
    selzy call createList title="Newsletter"
    selzy call importContacts field_names:='["email","Name"]' data:='[["a@b.c","Ann"]]'
    """
    arguments = dict(parse_assignment(p) for p in params)
    if method not in METHODS:
        click.echo(f"note: {method} is not in the method catalogue; calling it anyway", err=True)
    try:
        with open_client(api_key, platform, base_url, lang, max_retries) as client:
            response = client.request(method, arguments)
    except SelzyError as error:
        click.echo(json.dumps(_error_payload(error), ensure_ascii=False), err=True)
        raise SystemExit(1) from None
    for warning in response.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(json.dumps(response.result, ensure_ascii=False, indent=2))


@main.command("methods")
def methods_command() -> None:
    """List the API methods the client knows, with their retry safety."""
    for spec in METHODS.values():
        limit = f"  {spec.rate_limit}/min" if spec.rate_limit else ""
        click.echo(f"{spec.group:<11} {spec.name:<32} {spec.safety.value}{limit}")


main.add_command(import_command)


@main.group("emulator")
def emulator_group() -> None:
    """The local Selzy emulator: a sandbox that keeps state and sends nothing."""


@emulator_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8025, show_default=True, type=int)
@click.option(
    "--api-key",
    envvar="SELZY_EMULATOR_API_KEY",
    help="Seed an account with this key and the emulator's default list, field and confirmed "
    "sender [env: SELZY_EMULATOR_API_KEY].",
)
@click.option(
    "--seed", type=int, help="Seed of ids, tokens and the outcome model [default: the emulator's]."
)
@click.option("--quiet", is_flag=True, help="Do not log each request.")
def emulator_serve(
    host: str, port: int, api_key: str | None, seed: int | None, quiet: bool
) -> None:
    """Serve the emulator over HTTP until Ctrl-C; its outbox is at /_emulator/outbox."""
    from selzy.emulator import serve

    # Only a given seed is passed: the default lives in the emulator, which is imported only
    # here so that other commands start without it.
    options = {} if seed is None else {"seed": seed}
    serve(host, port, api_key=api_key, verbose=not quiet, **options)
