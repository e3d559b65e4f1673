"""`selzy import`: a CRM export into a list over the emulator server, resumable, clear errors."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from selzy.cli import main
from selzy.emulator import Emulator, SeededAccount, ThreadedEmulatorServer

KEY = "cli0import0key0that0must0not0show"
HEADER = ("Email", "First name", "Age", "Comment")
ROWS = 1203
#: Rows (0-based) whose email is malformed; the importer skips them locally.
BAD = (7, 250, 499, 500, 777, 1001, 1202)


def crm_row(i: int) -> list[str]:
    email = f"bad{i}@@example" if i in BAD else f"user{i}@example.com"
    comment = "two\nlines" if i == 3 else ""  # a quoted cell spanning lines shifts line numbers
    return [email, f"Person {i}", str(20 + i % 50), comment]


def line_of(i: int) -> int:
    """The file line where row ``i`` starts: the header is line 1, row 3 takes two lines."""
    return i + 2 + (1 if i > 3 else 0)


def write_csv(path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@dataclass
class Sandbox:
    emulator: Emulator
    account: SeededAccount
    env: dict[str, str]
    list_id: int
    tmp: Path

    def run(self, *args: str | Path, env: dict[str, str] | None = None) -> Result:
        result = CliRunner().invoke(
            main, ["import", *map(str, args)], env=self.env if env is None else env
        )
        assert KEY not in result.output + result.stderr
        assert "Traceback" not in result.stderr
        return result

    def calls(self, method: str = "importContacts") -> int:
        return sum(1 for r in self.emulator.state.requests if r.method == method)

    def contacts(self) -> list[dict[str, Any]]:
        return list(self.emulator.state.accounts[KEY].contacts.values())

    def field_types(self) -> dict[str, str]:
        return {f.name: f.type for f in self.emulator.state.accounts[KEY].fields.values()}


def make_sandbox(emulator: Emulator, tmp_path: Path) -> Iterator[Sandbox]:
    account = emulator.seed_account(KEY, fields={"Name": "string", "Years": "number"})
    with ThreadedEmulatorServer(emulator) as server:
        env = {"SELZY_API_KEY": KEY, "SELZY_BASE_URL": server.url, "SELZY_PLATFORM": "CliTest"}
        yield Sandbox(emulator, account, env, account.list_ids["Newsletter"], tmp_path)


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    yield from make_sandbox(Emulator(), tmp_path)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "crm.csv", [crm_row(i) for i in range(ROWS)])


def summary(result: Result) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in result.output.splitlines() if ": " in line)


def rejects(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


MAPS = ("--map", "Email=email", "--map", "First name=Name", "--map", "Age=Years")


def test_imports_an_export_in_batches_and_lists_the_rejects(sandbox: Sandbox, export: Path) -> None:
    result = sandbox.run(export, "--list", sandbox.list_id, *MAPS, "--concurrency", "2")
    assert result.exit_code == 0, result.stderr
    assert sandbox.calls() == 3  # 1,196 good rows: 500 + 500 + 196
    totals = summary(result)
    assert totals["total"] == "1,203"
    assert totals["sent"] == totals["inserted"] == "1,196"
    assert totals["skipped locally"] == "7"
    assert totals["importContacts calls"] == "3"
    assert totals["rejected rows"] == "7 (listed in " + str(tmp_rejects(export)) + ")"
    listed = rejects(tmp_rejects(export))
    assert [int(r["line"]) for r in listed] == [line_of(i) for i in BAD]
    assert {r["code"] for r in listed} == {"invalid_email"}
    assert listed[0]["email"] == "bad7@@example"
    contacts = {c.email: c for c in sandbox.contacts()}
    assert len(contacts) == 1196
    names = {f.id: f.name for f in sandbox.emulator.state.accounts[KEY].fields.values()}
    person = contacts["user5@example.com"]
    assert {names[k]: v for k, v in person.fields.items()} == {"Name": "Person 5", "Years": "25"}


def tmp_rejects(export: Path) -> Path:
    return export.with_suffix(".rejects.csv")


def test_a_clean_file_leaves_no_rejects_file(sandbox: Sandbox, tmp_path: Path) -> None:
    rows = [[f"a{i}@example.com", "A", "1", ""] for i in range(3)]
    clean = write_csv(tmp_path / "clean.csv", rows)
    tmp_rejects(clean).write_text("stale, from an earlier import\n")
    result = sandbox.run(clean, "--list", sandbox.list_id, "--map", "Email=email")
    assert result.exit_code == 0, result.stderr
    assert "rejected rows" not in result.output
    assert not tmp_rejects(clean).exists()


@pytest.fixture
def failing_sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """The second importContacts call fails (invalid_arg, not retried); later ones succeed.

    A zero-second latency fault applied after the first call took effect arms the error: the
    emulator "sleeps" through our hook, which injects it for the next call.
    """
    emulator = Emulator(
        sleep=lambda _: emulator.inject_fault(
            "error", "importContacts", code="invalid_arg", message="Injected refusal", times=1
        )
    )
    emulator.inject_fault("latency", "importContacts", after=True, times=1)
    yield from make_sandbox(emulator, tmp_path)


def test_a_rerun_resumes_from_the_checkpoint(failing_sandbox: Sandbox, export: Path) -> None:
    sandbox = failing_sandbox
    checkpoint = sandbox.tmp / "crm.checkpoint.json"
    args = (export, "--list", sandbox.list_id, *MAPS, "--concurrency", "1")
    failed = sandbox.run(*args, "--checkpoint", checkpoint)
    assert failed.exit_code == 1
    assert failed.stderr.count("\n") == 1
    assert "stopped after 504 rows" in failed.stderr  # 500 sent, 4 rejected among them
    assert "Injected refusal" in failed.stderr
    assert f"saved in {checkpoint}" in failed.stderr
    saved = json.loads(checkpoint.read_text())
    assert (saved["position"], saved["finished"]) == (504, False)
    assert len(sandbox.contacts()) == 500
    assert len(rejects(tmp_rejects(export))) == 4  # bad rows 7, 250, 499 and 500 so far

    resumed = sandbox.run(*args, "--checkpoint", checkpoint)
    assert resumed.exit_code == 0, resumed.stderr
    assert "resumed after row 504" in resumed.output
    assert sandbox.calls() == 3  # the refused call never took effect: 1 + 2
    totals = summary(resumed)
    assert (totals["total"], totals["sent"], totals["inserted"]) == ("1,203", "1,196", "1,196")
    assert totals["importContacts calls"] == "3"
    assert [int(r["line"]) for r in rejects(tmp_rejects(export))] == [line_of(i) for i in BAD]
    assert len(sandbox.contacts()) == 1196

    again = sandbox.run(*args, "--checkpoint", checkpoint)
    assert again.exit_code == 0
    assert "nothing left to import" in again.output
    assert sandbox.calls() == 3


def test_a_checkpoint_of_another_import_is_refused(sandbox: Sandbox, export: Path) -> None:
    checkpoint = sandbox.tmp / "cp.json"
    args = (export, "--list", sandbox.list_id, "--checkpoint", checkpoint)
    assert sandbox.run(*args, *MAPS).exit_code == 0
    other = sandbox.run(*args, "--map", "Email=email")
    assert other.exit_code == 2
    assert "belongs to another import (different mapping)" in other.stderr


def test_dry_run_counts_and_sends_nothing(sandbox: Sandbox, export: Path) -> None:
    result = sandbox.run(
        export,
        "--list",
        sandbox.list_id,
        *MAPS,
        "--map",
        "Comment=Note:text",
        "--create-fields",
        "--dry-run",
    )
    assert result.exit_code == 0, result.stderr
    assert sandbox.calls() == 0
    assert sandbox.calls("createField") == 0
    assert sandbox.contacts() == []
    assert "Note" not in sandbox.field_types()
    assert "would create field: Note (text)" in result.output
    totals = summary(result)
    assert totals["total"] == "1,203"
    assert totals["would send"] == "1,196 in 3 importContacts calls"
    assert totals["would skip locally"] == "7"
    assert totals["  invalid_email"] == "7"
    assert f"line {line_of(7)}: invalid email" in result.output
    assert not tmp_rejects(export).exists()


def test_create_fields_creates_them_with_the_given_type(sandbox: Sandbox, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "typed.csv",
        [["a@example.com", "1990-05-01", "x"], ["b@example.com", "not a date", "y"]],
        header=("Email", "Born", "Tag"),
    )
    result = sandbox.run(
        path,
        "--list",
        sandbox.list_id,
        "--map",
        "Email=email",
        "--map",
        "Born=Birthday:date",
        "--map",
        "Tag=Segment",
        "--create-fields",
    )
    assert result.exit_code == 0, result.stderr
    types = sandbox.field_types()
    assert (types["Birthday"], types["Segment"]) == ("date", "string")
    assert "created field: Birthday (date)" in result.output
    [noted] = rejects(tmp_rejects(path))  # the contact is in, without its birthday
    assert (noted["line"], noted["code"]) == ("3", "value_dropped")
    assert "Born -> Birthday" in noted["reason"]
    assert len(sandbox.contacts()) == 2
    assert "imported without a value: 1 (listed in" in result.output
    assert "rejected rows" not in result.output


def test_other_delimiters_and_encodings(sandbox: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("Почта;Имя\r\nivan@example.com;Иван\r\n".encode("cp1251"))
    args = ("--list", sandbox.list_id, "--map", "Почта=email", "--map", "Имя=Name")
    result = sandbox.run(path, *args, "--delimiter", ";", "--encoding", "cp1251")
    assert result.exit_code == 0, result.stderr
    [contact] = sandbox.contacts()
    assert contact.email == "ivan@example.com"
    wrong = sandbox.run(path, *args, "--delimiter", ";")  # the utf-8-sig default
    assert wrong.exit_code == 2
    assert "not valid utf-8-sig" in wrong.stderr
    assert "--encoding" in wrong.stderr


@pytest.mark.parametrize(
    ("maps", "message"),
    [
        (["--map", "Mail=email"], "the file has no column 'Mail' (columns: Email, First name"),
        (["--map", "email=email"], "did you mean 'Email'?"),
        (["--map", "Email=email:number"], "cannot be mapped to Selzy's 'email'"),
        (["--map", "First name=Name"], "Map a source field to 'email' or 'phone'"),
        (["--map", "Email"], "write column=field"),
        (["--map", "Email=email:integer"], "must be one of string, text, number, date, bool"),
        ([], "give the columns to import"),
        (
            ["--map", "Email=email", "--map", "Age=Years:date"],
            "cannot be mapped to the Selzy field 'Years'",
        ),
        (
            ["--map", "Email=email", "--map", "Age=Age"],
            "Selzy has no field 'Age' (names are case-sensitive); create it or choose another "
            "target for 'Age'. (--create-fields creates missing fields)",
        ),
        (
            ["--map", "Email=email", "--map", "Age=name", "--create-fields"],
            "Selzy already has the field 'Name'",
        ),
    ],
)
def test_mapping_errors_are_one_line_usage_errors(
    sandbox: Sandbox, export: Path, maps: list[str], message: str
) -> None:
    result = sandbox.run(export, "--list", sandbox.list_id, *maps)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.startswith("Error: ")
    assert result.stderr.count("\n") == 1
    assert sandbox.calls() == 0


def test_setting_errors(sandbox: Sandbox, export: Path, tmp_path: Path) -> None:
    args = ("--list", sandbox.list_id, *MAPS)
    env, bad_key = sandbox.env, "wrong0key0" + KEY[10:]
    cases = [
        ((tmp_path / "missing.csv", *args), env, 2, "no such file"),
        ((export, "--list", "999", *MAPS), env, 2, "--list 999: the account has no such list"),
        ((export, *args), {**env, "SELZY_API_KEY": ""}, 2, "no API key"),
        ((export, *args), {**env, "SELZY_API_KEY": bad_key}, 1, "refused the API key"),
        ((export, *args, "--delimiter", ";;"), env, 2, "one character"),
        ((export, *args, "--encoding", "klingon"), env, 2, "no such encoding"),
        ((export, *args, "--platform", "My Site"), env, 2, "Latin letters and digits"),
    ]
    for args, env, code, message in cases:
        result = sandbox.run(*args, env=env)
        assert (result.exit_code, result.stderr.count("\n")) == (code, 1), result.stderr
        assert message in result.stderr
    assert sandbox.calls() == 0


def test_selzy_unreachable_is_an_api_error(export: Path) -> None:
    env = {"SELZY_API_KEY": KEY, "SELZY_BASE_URL": "http://127.0.0.1:9"}
    result = CliRunner().invoke(
        main, ["import", str(export), "--list", "1", *MAPS, "--max-retries", "0"], env=env
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: APIConnectionError")
    assert result.stderr.count("\n") == 1


def test_ctrl_c_saves_progress_and_a_rerun_continues(tmp_path: Path) -> None:
    """A real process interrupted by SIGINT mid-import; the same command then finishes it."""
    emulator = Emulator()
    emulator.inject_fault("latency", "importContacts", seconds=0.2)  # time to interrupt
    export = write_csv(tmp_path / "crm.csv", [crm_row(i) for i in range(3000)])
    checkpoint = tmp_path / "cp.json"
    for sandbox in make_sandbox(emulator, tmp_path):
        command = [sys.executable, "-m", "selzy.cli", "import", str(export)]
        command += ["--list", str(sandbox.list_id), *MAPS, "--concurrency", "1"]
        command += ["--checkpoint", str(checkpoint)]
        env = {**os.environ, **sandbox.env}
        process = subprocess.Popen(  # noqa: S603 - our own CLI
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            deadline = time.monotonic() + 30
            while not checkpoint.exists() and time.monotonic() < deadline:
                time.sleep(0.02)
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        assert process.returncode == 130, stderr
        assert stderr.startswith("Error: interrupted; progress is saved in")
        assert "Traceback" not in stderr
        done = json.loads(checkpoint.read_text())["position"]
        assert 0 < done < 3000
        emulator.clear_faults()
        resumed = sandbox.run(export, *command[5:])
        assert resumed.exit_code == 0, resumed.stderr
        assert f"resumed after row {done:,}" in resumed.output
        assert summary(resumed)["total"] == "3,000"
        assert len(sandbox.contacts()) == 3000 - len(BAD)
        listed = [int(r["line"]) for r in rejects(tmp_rejects(export))]
        assert listed == [line_of(i) for i in BAD]


def test_people_sharing_a_phone_stay_apart(sandbox: Sandbox, tmp_path: Path) -> None:
    """A HubSpot-shaped export where phones repeat (a switchboard number, a family): each row
    with a new email and a phone an earlier row sent would update that earlier person's contact
    in Selzy. Every person keeps a contact of their own, and the rejects file says why a row
    was sent without its phone."""
    header = ["Record ID", "Email", "First Name", "Phone Number"]
    rows = [[str(i), f"u{i}@example.com", f"Имя {i}", f"+4930555{i % 4:04d}"] for i in range(12)]
    export = write_csv(tmp_path / "hubspot.csv", rows, header)
    maps = ("--map", "Email=email", "--map", "First Name=Name", "--map", "Phone Number=phone")
    result = sandbox.run(export, "--list", sandbox.list_id, *maps, "--concurrency", "3")
    assert result.exit_code == 0, result.stderr
    people = {c.email: c for c in sandbox.contacts()}
    assert len(people) == 12
    names = {f.id: f.name for f in sandbox.emulator.state.accounts[KEY].fields.values()}
    assert all(
        {names[k]: v for k, v in people[f"u{i}@example.com"].fields.items()} == {"Name": f"Имя {i}"}
        for i in range(12)
    )
    assert sorted(c.phone for c in people.values() if c.phone) == [
        f"+4930555{i:04d}" for i in range(4)
    ]
    noted = [r for r in rejects(tmp_rejects(export)) if r["code"] == "phone_shared"]
    assert [int(r["line"]) for r in noted] == list(range(6, 14))  # rows 4..11: lines 6..13
    assert noted[0]["reason"].startswith("phone +49305550000 belongs to line 2 (u0@example.com)")
