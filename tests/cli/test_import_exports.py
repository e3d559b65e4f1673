"""`selzy import` on files shaped like real CRM exports: HubSpot, Mailchimp, a Russian Excel.

Each export used to be refused row by row (a US phone, a birthday without a year, a decimal
comma, да/нет); now a value that does not fit costs that value, the options read the file's
conventions, and a file that turns unreadable halfway resumes once fixed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from selzy.cli import main
from selzy.emulator import Emulator, ThreadedEmulatorServer

from .test_import_csv import rejects, summary

KEY = "cli0exports0key0that0must0not0show"
FIELDS = {
    "FirstName": "string",
    "Revenue": "number",
    "OptOut": "bool",
    "Birthday": "date",
    "Client": "bool",
    "Rating": "number",
}


class Sandbox:
    """The emulator behind the command, an account with the fields the exports map to."""

    def __init__(self, emulator: Emulator, url: str, tmp: Path) -> None:
        self.emulator = emulator
        self.account = emulator.seed_account(KEY, fields=FIELDS)
        self.list_id = self.account.list_ids["Newsletter"]
        self.env = {"SELZY_API_KEY": KEY, "SELZY_BASE_URL": url, "SELZY_PLATFORM": "CliTest"}
        self.tmp = tmp

    def run(self, path: Path, *args: str | Path) -> Result:
        command = ["import", str(path), "--list", str(self.list_id), *map(str, args)]
        result = CliRunner().invoke(main, command, env=self.env)
        assert "Traceback" not in result.stderr
        return result

    def calls(self, method: str = "importContacts") -> int:
        return sum(1 for r in self.emulator.state.requests if r.method == method)

    def contacts(self) -> dict[str, dict[str, Any]]:
        """Every contact by email: its phone, tags and field values by field name."""
        account = self.emulator.state.accounts[KEY]
        names = {f.id: f.name for f in account.fields.values()}
        return {
            c.email: {
                "phone": c.phone,
                "tags": sorted(account.tags[t].name for t in c.tags),
                **{names[k]: v for k, v in c.fields.items()},
            }
            for c in account.contacts.values()
        }


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    emulator = Emulator()
    with ThreadedEmulatorServer(emulator) as server:
        yield Sandbox(emulator, server.url, tmp_path)


def write(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]], **how: Any) -> Path:
    """A CSV as a spreadsheet saves it: ``delimiter``, ``encoding`` (UTF-8 with a BOM)."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=how.get("delimiter", ","), lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(text.getvalue().encode(how.get("encoding", "utf-8-sig")))
    return path


# --------------------------------------------------------------------------- HubSpot

HUBSPOT = ("Record ID", "First Name", "Email", "Phone Number", "Annual Revenue",
           "Unsubscribed from all email", "Create Date")  # fmt: skip


def hubspot_rows(n: int = 40) -> list[list[str]]:
    """Every fourth phone is written the US way, as people typed it into the CRM."""
    return [
        [
            str(1000 + i),
            f"Jane {i} 🎉" if i % 5 == 0 else f"Jane {i}",
            f"jane{i}@example.com",
            f"({200 + i}) 555-01{i:02d}" if i % 4 == 0 else f"+1 {200 + i} 555 01{i:02d}",
            "1,250,000.50" if i % 3 == 0 else "",
            "true" if i % 7 == 0 else "false",
            f"2024-01-{1 + i % 28:02d} 10:{i % 60:02d}",
        ]
        for i in range(n)
    ]


HUBSPOT_MAPS = (
    "--map", "Email=email", "--map", "Phone Number=phone", "--map", "First Name=FirstName",
    "--map", "Annual Revenue=Revenue", "--map", "Unsubscribed from all email=OptOut",
)  # fmt: skip


def test_a_hubspot_export_loses_only_the_us_phones_then_keeps_them_with_the_country(
    sandbox: Sandbox,
) -> None:
    path = write(sandbox.tmp / "hubspot.csv", HUBSPOT, hubspot_rows())
    result = sandbox.run(path, *HUBSPOT_MAPS)
    assert result.exit_code == 0, result.stderr
    contacts = sandbox.contacts()
    assert len(contacts) == 40  # a quarter of the export was refused before
    assert contacts["jane0@example.com"]["phone"] is None
    assert contacts["jane1@example.com"]["phone"] == "+12015550101"
    assert contacts["jane3@example.com"]["Revenue"] == "1250000.50"
    assert contacts["jane7@example.com"]["OptOut"] == "1"
    assert contacts["jane0@example.com"]["FirstName"] == "Jane 0 🎉"
    listed = rejects(path.with_suffix(".rejects.csv"))
    assert {r["code"] for r in listed} == {"value_dropped"}
    assert [int(r["line"]) for r in listed] == [2 + i for i in range(0, 40, 4)]
    assert "Phone Number -> phone: invalid phone: '(200) 555-0100'" in listed[0]["reason"]
    assert summary(result)["imported without a value"].startswith("10 (listed in")
    assert "rejected rows" not in result.output

    result = sandbox.run(path, *HUBSPOT_MAPS, "--phone-country", "us")
    assert result.exit_code == 0, result.stderr
    assert sandbox.contacts()["jane0@example.com"]["phone"] == "+12005550100"
    assert not path.with_suffix(".rejects.csv").exists()


def test_strict_refuses_the_rows_as_before(sandbox: Sandbox) -> None:
    path = write(sandbox.tmp / "hubspot.csv", HUBSPOT, hubspot_rows())
    result = sandbox.run(path, *HUBSPOT_MAPS, "--strict")
    assert result.exit_code == 0, result.stderr
    assert len(sandbox.contacts()) == 30
    assert summary(result)["rejected rows"].startswith("10 (listed in")
    assert {r["code"] for r in rejects(path.with_suffix(".rejects.csv"))} == {"invalid_phone"}


# --------------------------------------------------------------------------- Mailchimp

MAILCHIMP = ("Email Address", "First Name", "Birthday", "MEMBER_RATING", "OPTIN_TIME", "TAGS")
MAILCHIMP_ROWS = [
    ["ann@example.com", "Ann", "12/25", "4", "2023-05-01 10:00:00", '"VIP","Новый клиент 🎉"'],
    ["bob@example.com", "Bob", "03/04", "2", "2023-05-02 11:00:00", '"Newsletter"'],
    ["cid@example.com", "Сид", "02/29", "5", "2023-05-03 12:00:00", ""],
]
MAILCHIMP_MAPS = (
    "--map", "Email Address=email", "--map", "First Name=FirstName", "--map", "Birthday=Birthday",
    "--map", "MEMBER_RATING=Rating", "--map", "TAGS=tags",
)  # fmt: skip


def test_a_mailchimp_export_with_yearless_birthdays_and_quoted_tags(sandbox: Sandbox) -> None:
    path = write(sandbox.tmp / "members.csv", MAILCHIMP, MAILCHIMP_ROWS, encoding="utf-8")
    result = sandbox.run(path, *MAILCHIMP_MAPS)
    assert result.exit_code == 0, result.stderr
    contacts = sandbox.contacts()
    assert contacts["ann@example.com"]["tags"] == ["VIP", "Новый клиент 🎉"]  # no quote marks
    assert contacts["ann@example.com"]["Birthday"] == "1904-12-25"  # 25 cannot be a month
    assert "Birthday" not in contacts["bob@example.com"]  # 03/04: which is the month?
    [noted] = rejects(path.with_suffix(".rejects.csv"))
    assert (noted["line"], noted["code"]) == ("3", "value_dropped")
    assert "'03/04' is ambiguous: day/month or month/day?" in noted["reason"]

    result = sandbox.run(path, *MAILCHIMP_MAPS, "--date-format", "MM/DD")
    assert result.exit_code == 0, result.stderr
    contacts = sandbox.contacts()
    assert contacts["bob@example.com"]["Birthday"] == "1904-03-04"
    assert contacts["cid@example.com"]["Birthday"] == "1904-02-29"
    assert not path.with_suffix(".rejects.csv").exists()


# --------------------------------------------------------------------------- Russian Excel

EXCEL = ("Эл. почта", "Имя", "Телефон", "Сумма", "Клиент", "Дата рождения")
EXCEL_ROWS = [
    ["ivan@example.ru", "Иван 🎉", "8 (912) 345-67-89", "1 234,56", "да", "05.03.1990"],
    ["olga@example.ru", "Ольга", "8-912-000-11-22", "12 000", "нет", "31.12.1985"],
    ["petr@example.ru", "Пётр", "+7 912 111 22 33", "0,5", "Да", ""],
]
EXCEL_MAPS = (
    "--map", "Эл. почта=email", "--map", "Имя=FirstName", "--map", "Телефон=phone",
    "--map", "Сумма=Revenue", "--map", "Клиент=Client", "--map", "Дата рождения=Birthday",
)  # fmt: skip


def test_a_russian_excel_export_with_semicolons_and_decimal_commas(sandbox: Sandbox) -> None:
    path = write(sandbox.tmp / "клиенты.csv", EXCEL, EXCEL_ROWS, delimiter=";")
    hint = sandbox.run(path, *EXCEL_MAPS)
    assert hint.exit_code == 2
    assert hint.stderr.count("\n") == 1
    assert 'one column found, the header holds semicolons: try --delimiter ";"' in hint.stderr

    before = sandbox.run(path, *EXCEL_MAPS, "--delimiter", ";")
    assert before.exit_code == 0, before.stderr
    # Without the options the contacts get in all the same, without the values in question.
    assert summary(before)["imported without a value"].startswith("3 (listed in")
    assert sandbox.contacts()["ivan@example.ru"]["FirstName"] == "Иван 🎉"

    args = ("--delimiter", ";", "--decimal-comma", "--phone-country", "RU")
    result = sandbox.run(path, *EXCEL_MAPS, *args)
    assert result.exit_code == 0, result.stderr
    contacts = sandbox.contacts()
    ivan, olga, petr = (contacts[f"{n}@example.ru"] for n in ("ivan", "olga", "petr"))
    assert (ivan["phone"], ivan["Revenue"], ivan["Client"], ivan["Birthday"]) == (
        "+79123456789",
        "1234.56",
        "1",
        "1990-03-05",
    )
    assert (olga["phone"], olga["Revenue"], olga["Client"]) == ("+79120001122", "12000", "0")
    assert (petr["phone"], petr["Revenue"], petr["Client"]) == ("+79121112233", "0.5", "1")
    assert not path.with_suffix(".rejects.csv").exists()


def test_value_options_are_checked_before_anything_is_read(sandbox: Sandbox) -> None:
    path = write(sandbox.tmp / "x.csv", EXCEL, EXCEL_ROWS)
    for args, message in [
        (("--date-format", "DD/YYYY"), "--date-format: date format 'DD/YYYY': write DD, MM"),
        (("--phone-country", "XX"), "--phone-country 'XX': use one of RU, KZ"),
    ]:
        result = sandbox.run(path, "--map", "Эл. почта=email", *args)
        assert (result.exit_code, result.stderr.count("\n")) == (2, 1), result.stderr
        assert message in result.stderr
    assert list(sandbox.emulator.state.requests) == []


def test_a_dry_run_counts_the_values_it_would_leave_out(sandbox: Sandbox) -> None:
    path = write(sandbox.tmp / "hubspot.csv", HUBSPOT, hubspot_rows())
    result = sandbox.run(path, *HUBSPOT_MAPS, "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "  value_dropped: 10 (imported all the same, with a note)" in result.output
    assert "would send: 40 in 1 importContacts calls" in result.output
    assert sandbox.calls() == 0


# --------------------------------------------------------------------------- duplicates


def test_the_later_row_with_an_address_wins_across_batches(sandbox: Sandbox) -> None:
    rows = [[f"user{i}@example.com", f"User {i}"] for i in range(1200)]
    rows[1100] = ["USER10@example.com", "User 10, again"]  # a later batch
    rows[20] = ["user5@example.com", "User 5, again"]  # the same batch
    path = write(sandbox.tmp / "dups.csv", ("Email", "Name"), rows)
    result = sandbox.run(
        path, "--map", "Email=email", "--map", "Name=FirstName", "--concurrency", "4"
    )
    assert result.exit_code == 0, result.stderr
    contacts = sandbox.contacts()
    assert len(contacts) == 1198
    assert contacts["user10@example.com"]["FirstName"] == "User 10, again"
    assert contacts["user5@example.com"]["FirstName"] == "User 5, again"
    listed = rejects(path.with_suffix(".rejects.csv"))
    assert sorted((r["line"], r["code"], r["reason"]) for r in listed) == [
        ("12", "duplicate", "replaced by line 1102, which has the same email"),
        ("7", "duplicate", "replaced by line 22, which has the same email"),
    ]
    assert summary(result)["replaced by a later row"].startswith("2 (listed in")


# --------------------------------------------------------------------------- refusals


def test_a_refused_checkpoint_creates_no_field(sandbox: Sandbox) -> None:
    path = write(sandbox.tmp / "hubspot.csv", HUBSPOT, hubspot_rows(3))
    checkpoint = sandbox.tmp / "other.checkpoint.json"
    first = sandbox.run(path, "--map", "Email=email", "--checkpoint", checkpoint)
    assert first.exit_code == 0, first.stderr
    refused = sandbox.run(
        path, *HUBSPOT_MAPS, "--map", "Record ID=CrmId:number", "--create-fields",
        "--checkpoint", checkpoint,
    )  # fmt: skip
    assert refused.exit_code == 2
    assert "belongs to another import (different mapping)" in refused.stderr
    assert sandbox.calls("createField") == 0
    assert "CrmId" not in {f.name for f in sandbox.emulator.state.accounts[KEY].fields.values()}


# --------------------------------------------------------------------------- unreadable files


def mixed_file(path: Path, good: int, tail_encoding: str = "cp1251") -> Path:
    """A UTF-8 export whose last rows were appended by a tool writing cp1251."""
    head = "".join(f"user{i}@example.com,Имя {i}\r\n" for i in range(good))
    tail = "".join(f"late{i}@example.com,Пётр {i}\r\n" for i in range(5))
    path.write_bytes(("Email,Name\r\n" + head).encode("utf-8") + tail.encode(tail_encoding))
    return path


MAPS = ("--map", "Email=email", "--map", "Name=FirstName")


def test_a_file_that_turns_unreadable_says_what_was_sent_and_the_fixed_file_resumes(
    sandbox: Sandbox,
) -> None:
    path = mixed_file(sandbox.tmp / "crm.csv", 600)
    failed = sandbox.run(path, *MAPS)
    assert failed.exit_code == 2
    assert failed.stderr.count("\n") == 1
    saved = path.with_suffix(".checkpoint.json")
    assert "crm.csv: line 602 is not valid utf-8-sig (byte 0xf2); give the file's --encoding" in (
        failed.stderr
    )
    assert "The 600 rows before it are done" in failed.stderr
    assert f"run the same command with --checkpoint {saved} to continue" in failed.stderr
    assert len(sandbox.contacts()) == 600
    assert json.loads(saved.read_text())["position"] == 600
    calls = sandbox.calls()

    text = path.read_bytes()
    bad_at = text.index(b"late0")
    path.write_bytes(text[:bad_at] + text[bad_at:].decode("cp1251").encode("utf-8"))
    resumed = sandbox.run(path, *MAPS, "--checkpoint", saved)
    assert resumed.exit_code == 0, resumed.stderr
    assert "resumed after row 600" in resumed.output
    assert summary(resumed)["total"] == "605"
    assert sandbox.calls() == calls + 1  # only the five rows left
    assert sandbox.contacts()["late4@example.com"]["FirstName"] == "Пётр 4"

    again = sandbox.run(path, *MAPS, "--checkpoint", saved)
    assert "nothing left to import" in again.output


def test_the_same_file_resumes_with_the_right_encoding(sandbox: Sandbox) -> None:
    """A cp1251 export whose first rows are plain ASCII reads as UTF-8 up to the first letter
    in Cyrillic: with --encoding cp1251 the same file then continues from there."""
    rows = [[f"user{i}@example.com", f"User {i}"] for i in range(520)]
    rows += [[f"ru{i}@example.ru", f"Юзер {i}"] for i in range(3)]
    path = write(sandbox.tmp / "old.csv", ("Email", "Name"), rows, encoding="cp1251")
    checkpoint = sandbox.tmp / "old.json"
    failed = sandbox.run(path, *MAPS, "--checkpoint", checkpoint)
    assert failed.exit_code == 2
    assert "line 522 is not valid utf-8-sig" in failed.stderr
    then = "fix the file or its --encoding, then run the same command to continue."
    assert f"progress is saved in {checkpoint}: {then}" in failed.stderr
    resumed = sandbox.run(path, *MAPS, "--checkpoint", checkpoint, "--encoding", "cp1251")
    assert resumed.exit_code == 0, resumed.stderr
    assert "resumed after row 520" in resumed.output
    assert sandbox.contacts()["ru2@example.ru"]["FirstName"] == "Юзер 2"
    assert len(sandbox.contacts()) == 523


def test_another_file_cannot_take_over_the_checkpoint(sandbox: Sandbox) -> None:
    path = mixed_file(sandbox.tmp / "crm.csv", 600)
    assert sandbox.run(path, *MAPS).exit_code == 2
    other = write(
        sandbox.tmp / "crm.csv", ("Email", "Name"), [[f"x{i}@example.com", "X"] for i in range(700)]
    )
    refused = sandbox.run(other, *MAPS, "--checkpoint", path.with_suffix(".checkpoint.json"))
    assert refused.exit_code == 2
    assert "the first 600 rows of" in refused.stderr
    assert "are not those rows" in refused.stderr
    assert len(sandbox.contacts()) == 600


def test_nothing_read_nothing_saved(sandbox: Sandbox) -> None:
    path = mixed_file(sandbox.tmp / "crm.csv", 0)
    failed = sandbox.run(path, *MAPS)
    assert failed.exit_code == 2
    assert "line 2 is not valid utf-8-sig" in failed.stderr
    assert "Nothing was imported." in failed.stderr
    assert not path.with_suffix(".checkpoint.json").exists()
