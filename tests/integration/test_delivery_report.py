"""getCampaignDeliveryStats' file read as feedback: each row's kind and what it implies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from selzy.integration import (
    IMPLIED_KINDS,
    DeliveryReportError,
    read_delivery_report,
    report_address,
    row_feedback,
)

AT = dt.datetime(2025, 1, 6, 10, 30, 5, tzinfo=dt.UTC)


def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def test_a_row_gives_its_kind_last_after_the_kinds_it_implies() -> None:
    clicked = row_feedback("a@x.example", "ok_link_visited", AT, 7)
    assert [f.kind for f in clicked] == ["sent", "delivered", "opened", "clicked"]
    assert {(f.time, f.campaign_id, f.origin) for f in clicked} == {(AT, 7, "delivery_stats")}
    # Selzy's word goes with the kind it reported; the implied ones carry none.
    assert [f.status for f in clicked] == ["", "", "", "ok_link_visited"]


@pytest.mark.parametrize(
    ("status", "kinds"),
    [
        ("ok_sent", ["sent"]),
        ("ok_delivered", ["sent", "delivered"]),
        ("ok_read", ["sent", "delivered", "opened"]),
        # Neither one-click unsubscription nor "report spam" opens the letter.
        ("ok_unsubscribed", ["sent", "delivered", "unsubscribed"]),
        ("ok_spam_folder", ["sent", "delivered", "complaint"]),
        ("ok_fbl", ["sent", "delivered", "complaint"]),
        ("err_user_unknown", ["sent", "hard_bounce"]),
        ("ERR_MAILBOX_FULL ", ["sent", "soft_bounce"]),
        ("err_skip_letter", []),  # not sent at all: nothing happened to the address
        ("not_sent", []),
        ("something new", []),
    ],
)
def test_each_status_and_what_it_implies(status: str, kinds: list[str]) -> None:
    assert [f.kind for f in row_feedback("a@x.example", status, AT, 7)] == kinds


def test_every_kind_a_report_can_give_says_what_it_implies() -> None:
    assert set(IMPLIED_KINDS) == {
        "sent", "delivered", "opened", "clicked", "unsubscribed", "complaint", "soft_bounce",
        "hard_bounce",
    }  # fmt: skip
    for kind, implied in IMPLIED_KINDS.items():
        assert kind not in implied
        for earlier in implied:  # what an implied kind implies is implied too
            assert set(IMPLIED_KINDS[earlier]) <= set(implied), (kind, earlier)


def test_addresses_are_read_as_the_ledger_keeps_them() -> None:
    assert report_address(" Ivan.Petrov@Пример.РФ ") == "ivan.petrov@xn--e1afmkfd.xn--p1ai"
    assert report_address("MiXeD@Example.COM") == "mixed@example.com"
    assert report_address("Not An Address") == "not an address"  # kept, never dropped


def test_the_file_is_read_row_by_row_with_extra_columns_ignored() -> None:
    text = (
        "Email,Send_Result,Last_Update,Name\r\n"
        "Ann@Example.com,ok_read,2025-01-06 10:30:05,Анна\r\n"
        ",ok_read,2025-01-06 10:30:05,phone only\r\n"
        "bob@example.com,err_skip_letter,2025-01-06 10:31:00,\r\n"
    )
    rows = list(read_delivery_report(lines(text), 9))
    assert [(r.line, r.email, r.status, r.time) for r in rows] == [
        (2, "ann@example.com", "ok_read", AT),
        (4, "bob@example.com", "err_skip_letter", AT.replace(minute=31, second=0)),
    ]
    assert [f.kind for f in rows[0].feedback] == ["sent", "delivered", "opened"]
    assert rows[1].feedback == ()


def test_a_file_that_is_not_a_report_is_refused_by_name() -> None:
    with pytest.raises(DeliveryReportError, match="no send_result, last_update column"):
        list(read_delivery_report(lines("email,status\r\na@x.example,ok_read\r\n"), 1))
    with pytest.raises(DeliveryReportError, match="its columns: none"):
        list(read_delivery_report([], 1))


def test_an_unreadable_time_names_its_line() -> None:
    text = "email,send_result,last_update\na@x.example,ok_read,2025-01-06\n"
    with pytest.raises(DeliveryReportError, match=r"Line 2: last_update '2025-01-06' is not"):
        list(read_delivery_report(lines(text), 1))


def test_the_rows_are_read_lazily() -> None:
    def endless() -> Iterator[str]:
        yield "email,send_result,last_update\n"
        while True:
            yield "a@x.example,ok_sent,2025-01-06 10:30:05\n"

    rows = read_delivery_report(endless(), 1)
    assert next(rows).email == "a@x.example"
