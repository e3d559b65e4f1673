"""`selzy call`: parameters parsed, results and errors printed, the key never echoed."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from selzy.cli import main
from selzy.cli._main import parse_assignment

KEY = "cli0secret0key0that0must0not0show"


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("title=News", ("title", "News")),
        ("title=a=b", ("title", "a=b")),
        ("ids:=[1,2]", ("ids", [1, 2])),
        ("flag:=true", ("flag", True)),
        ("field_names[0]=email", ("field_names[0]", "email")),
        ("empty=", ("empty", "")),
    ],
)
def test_parse_assignment(item: str, expected: tuple[str, object]) -> None:
    assert parse_assignment(item) == expected


@pytest.mark.parametrize("item", ["novalue", "=x", "ids:=[1,"])
def test_bad_assignments_are_refused(item: str) -> None:
    with pytest.raises(click.BadParameter):
        parse_assignment(item)


def test_connection_failure_is_reported_as_json_without_the_key() -> None:
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["call", "getLists", "--base-url", "http://127.0.0.1:9", "--max-retries", "0"],
        env={"SELZY_API_KEY": KEY},
    )
    assert result.exit_code == 1
    payload = json.loads(result.stderr.strip().splitlines()[-1])
    assert payload["type"] == "APIConnectionError"
    assert KEY not in result.output + result.stderr


def test_bad_platform_is_explained() -> None:
    result = CliRunner().invoke(
        main, ["call", "getLists", "--platform", "My Site"], env={"SELZY_API_KEY": KEY}
    )
    assert result.exit_code == 1
    assert "Latin letters and digits" in result.stderr


def test_methods_lists_the_catalogue() -> None:
    result = CliRunner().invoke(main, ["methods"])
    assert result.exit_code == 0
    assert "createCampaign" in result.output
    assert "unsafe" in result.output


def test_call_against_the_emulator_server() -> None:
    from selzy.emulator import Emulator, ThreadedEmulatorServer

    emulator = Emulator()
    emulator.seed_account(KEY)
    with ThreadedEmulatorServer(emulator) as server:
        env = {"SELZY_API_KEY": KEY, "SELZY_BASE_URL": server.url, "SELZY_PLATFORM": "CliTest"}
        runner = CliRunner()
        created = runner.invoke(main, ["call", "createList", "title=From the CLI"], env=env)
        assert created.exit_code == 0, created.stderr
        listed = runner.invoke(main, ["call", "getLists"], env=env)
        titles = [item["title"] for item in json.loads(listed.output)]
        assert titles == ["Newsletter", "From the CLI"]
        refused = runner.invoke(main, ["call", "createList", "title=From the CLI"], env=env)
        assert refused.exit_code == 1
        assert json.loads(refused.stderr)["type"] == "InvalidArgumentError"
        assert KEY not in created.output + listed.output + refused.stderr
