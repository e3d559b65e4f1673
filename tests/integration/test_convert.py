"""Values converted to what importContacts accepts, per Selzy type; bad values explained."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from selzy.integration import (
    InvalidValueError,
    convert_value,
    normalise_email,
    normalise_phone,
    normalise_tags,
    to_bool,
    to_date,
    to_number,
    to_string,
    to_text,
)

MSK = dt.timezone(dt.timedelta(hours=3))


@pytest.mark.parametrize("type_", ["string", "text", "number", "date", "bool"])
@pytest.mark.parametrize("empty", [None, "", "   "])
def test_nothing_is_an_empty_cell(type_: str, empty: object) -> None:
    assert convert_value(empty, type_) == ""  # type: ignore[arg-type]


def test_unknown_type() -> None:
    with pytest.raises(ValueError, match="unknown Selzy field type"):
        convert_value("x", "integer")  # type: ignore[arg-type]


class TestText:
    def test_string_is_one_line(self) -> None:
        assert to_string("  Ann\r\n  Smith\nJr  ") == "Ann Smith Jr"
        assert to_string("a\u2028b") == "a b"

    def test_text_keeps_lines_and_tabs_drops_control_characters(self) -> None:
        assert to_text("line 1\r\nline\t2\rline 3\x00\x07\x1b\x7f\x85") == "line 1\nline\t2\nline 3"
        assert to_string("a\x00b\tc") == "ab\tc"

    def test_lone_surrogates_are_dropped(self) -> None:
        assert to_text("ok\ud800") == "ok"

    def test_other_types_as_text(self) -> None:
        assert to_string(42) == "42"
        assert to_string(Decimal("1.50")) == "1.50"
        assert to_string(1e-5) == "0.00001"
        assert to_string(True) == "yes"
        assert to_string(False) == "no"
        assert to_string(dt.date(2024, 2, 29)) == "2024-02-29"
        assert to_string(dt.datetime(2024, 1, 1, 1, 30, tzinfo=MSK)) == "2023-12-31 22:30:00"
        assert to_string(["a", 1]) == "a, 1"
        assert to_string(b"caf\xc3\xa9") == "café"


class TestNumber:
    @pytest.mark.parametrize(
        ("value", "cell"),
        [
            (42, "42"),
            (-7, "-7"),
            (Decimal("1234.5600"), "1234.5600"),
            (Decimal("1E+3"), "1000"),
            (Decimal("-0"), "0"),
            (2.5, "2.5"),
            (1e-5, "0.00001"),
            (1e20, "100000000000000000000"),
            ("  3.14 ", "3.14"),
            ("+10", "10"),
            ("-.5", "-0.5"),
            ("2e3", "2000"),
            (True, "1"),
            (False, "0"),
        ],
    )
    def test_numbers(self, value: object, cell: str) -> None:
        assert to_number(value) == cell

    @pytest.mark.parametrize(
        ("value", "reason"),
        [
            (float("nan"), "nan is not a number Selzy can store"),
            (float("inf"), "inf is not a number Selzy can store"),
            (Decimal("NaN"), "is not a number Selzy can store"),
            ("NaN", "'NaN' is not a number"),
            ("abc", "'abc' is not a number"),
            ("1 0000", "'1 0000' is not a number"),
            ("1,5", "a decimal comma? turn the decimal comma option on"),
            ("1,234", "'1,234' is ambiguous: thousands or decimals?"),
            ("1e999999", "out of range"),
            (10**40, "out of range"),
            (dt.date(2024, 1, 1), "is not a number"),
        ],
    )
    def test_bad_numbers(self, value: object, reason: str) -> None:
        with pytest.raises(InvalidValueError, match=None) as caught:
            to_number(value)
        assert reason in caught.value.reason


class TestDate:
    @pytest.mark.parametrize(
        ("value", "cell"),
        [
            ("01.02.1990", "1990-02-01"),
            ("01-02-1990", "1990-02-01"),
            ("1990.02.01", "1990-02-01"),
            ("1990-02-01", "1990-02-01"),
            ("1.2.1990", "1990-02-01"),
            (" 29.02.2024 ", "2024-02-29"),
            ("2024-03-01T01:00:00+03:00", "2024-02-29"),
            ("2024-03-01 23:59", "2024-03-01"),
            (dt.date(2000, 1, 1), "2000-01-01"),
            (dt.date(5, 1, 1), "0005-01-01"),
            (dt.datetime(2024, 3, 1, 1, 0, tzinfo=MSK), "2024-02-29"),
            (dt.datetime(2024, 3, 1, 1, 0), "2024-03-01"),
        ],
    )
    def test_dates(self, value: object, cell: str) -> None:
        assert to_date(value) == cell

    @pytest.mark.parametrize(
        ("value", "reason"),
        [
            ("31.02.2020", "'31.02.2020' is not a real date"),
            ("2020-13-01", "is not a real date"),
            ("02/01/1990", "is ambiguous: day/month or month/day? Give the date format"),
            ("1/2", "is ambiguous"),
            ("15.03", "use DD.MM.YYYY, DD-MM-YYYY, YYYY.MM.DD, YYYY-MM-DD or MM/DD/YYYY"),
            ("15.03.90", "write the year with four digits"),
            ("yesterday", "is not a date"),
            ("2024-03-01Tnonsense", "is not a date"),
            (1700000000, "1700000000 is not a date"),
        ],
    )
    def test_bad_dates(self, value: object, reason: str) -> None:
        with pytest.raises(InvalidValueError) as caught:
            to_date(value)
        assert reason in caught.value.reason


class TestBool:
    @pytest.mark.parametrize(
        ("value", "cell"),
        [
            (True, "1"),
            (False, "0"),
            (1, "1"),
            (0, "0"),
            ("yes", "1"),
            ("No", "0"),
            ("TRUE", "1"),
            ("false", "0"),
            ("1", "1"),
            ("0", "0"),
        ],
    )
    def test_bools(self, value: object, cell: str) -> None:
        assert to_bool(value) == cell

    @pytest.mark.parametrize("value", [2, "maybe", 1.0, dt.date(2024, 1, 1)])
    def test_bad_bools(self, value: object) -> None:
        with pytest.raises(InvalidValueError, match="not a yes/no value"):
            to_bool(value)


class TestEmail:
    @pytest.mark.parametrize(
        ("value", "cell"),
        [
            ("  Ann.Smith+news@Example.COM ", "Ann.Smith+news@example.com"),
            ("o'neil@mail.example.co.uk", "o'neil@mail.example.co.uk"),
            ("user@xn--80ak6aa92e.com", "user@xn--80ak6aa92e.com"),
            ("user@пример.рф", "user@xn--e1afmkfd.xn--p1ai"),
            (None, ""),
            ("", ""),
        ],
    )
    def test_valid(self, value: object, cell: str) -> None:
        assert normalise_email(value) == cell

    @pytest.mark.parametrize(
        "value",
        [
            "plainaddress",
            "@example.com",
            "user@",
            "user@localhost",
            "user@@example.com",
            "a b@example.com",
            ".user@example.com",
            "user.@example.com",
            "us..er@example.com",
            "user@-example.com",
            "user@example..com",
            "user@example.c",
            "user@127.0.0.1",
            "user@exa_mple.com",
            f"{'a' * 65}@example.com",
            f"user@{'a' * 250}.com",
            "user@exam\nple.com",
            12345,
        ],
    )
    def test_invalid(self, value: object) -> None:
        with pytest.raises(InvalidValueError) as caught:
            normalise_email(value)
        assert caught.value.reason.startswith("invalid email")


class TestPhone:
    @pytest.mark.parametrize(
        ("value", "cell"),
        [
            ("+7 (926) 123-23-23", "+79261232323"),
            ("+1.555.123.4567", "+15551234567"),
            ("+4915112345678", "+4915112345678"),
            ("+1234567", "+1234567"),
            ("+123456789012345", "+123456789012345"),
            ("+7\u00a0926\u00a01232323", "+79261232323"),
            (None, ""),
            (" ", ""),
        ],
    )
    def test_valid(self, value: object, cell: str) -> None:
        assert normalise_phone(value) == cell

    @pytest.mark.parametrize(
        "value",
        ["89261232323", "+123456", "+1234567890123456", "+0123456789", "+7 926 abc", 79261232323],
    )
    def test_invalid(self, value: object) -> None:
        with pytest.raises(InvalidValueError) as caught:
            normalise_phone(value)
        assert caught.value.reason.startswith("invalid phone")


class TestTags:
    def test_from_text_and_lists(self) -> None:
        assert normalise_tags(" vip, , newsletter ,vip") == "vip,newsletter"
        assert normalise_tags(["a", "b,c", " "]) == "a,b,c"
        assert normalise_tags({"b", "a"}) == "a,b"
        assert normalise_tags(None) == ""

    def test_more_than_ten(self) -> None:
        with pytest.raises(InvalidValueError, match="11 tags given; Selzy keeps at most 10"):
            normalise_tags([f"t{i}" for i in range(11)])
