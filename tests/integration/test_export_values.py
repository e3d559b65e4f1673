"""Values as real exports write them: decimal commas, yes/no words, day/month orders, dates
without a year, national phone numbers, Mailchimp's quoted tags."""

from __future__ import annotations

import pytest

from selzy.integration import (
    PHONE_COUNTRIES,
    YEARLESS_YEAR,
    DateFormat,
    FieldMapping,
    ImportJob,
    InvalidValueError,
    SelzyField,
    SourceRecord,
    converters,
    dry_run,
    import_records,
    normalise_phone,
    normalise_tags,
    to_bool,
    to_date,
    to_number,
)
from selzy.integration._send import Contact

from ._fake import FakeSelzy


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("1234,56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),  # Excel's no-break space
        ("1\u202f234\u202f567,5", "1234567.5"),
        ("1.234,56", "1234.56"),
        ("1.234.567", "1234567"),
        ("-0,5", "-0.5"),
        ("1,234", "1.234"),  # with a decimal comma a comma is always the decimal sign
        ("12.5", "12.5"),  # a decimal point is still one
        ("0.125", "0.125"),  # no thousands start with 0
        ("2e3", "2000"),
        ("42", "42"),
    ],
)
def test_decimal_comma(value: str, cell: str) -> None:
    assert to_number(value, decimal_comma=True) == cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [("1,234.56", "1234.56"), ("1,234,567", "1234567"), ("1 234.5", "1234.5"), ("-3.5", "-3.5")],
)
def test_thousands_with_a_decimal_point(value: str, cell: str) -> None:
    assert to_number(value) == cell


@pytest.mark.parametrize(
    ("value", "decimal_comma", "reason"),
    [
        ("1,234", False, "ambiguous: thousands or decimals?"),
        ("1.234", True, "ambiguous: thousands or decimals?"),
        ("1234,56", False, "a decimal comma? turn the decimal comma option on"),
        ("1.234,56", False, "a decimal comma?"),
        ("1,234.56", True, "is not a number"),
        ("1 23", True, "is not a number"),
        ("12,3,4", True, "is not a number"),
        ("0.123.456", True, "is not a number"),
        ("1 234,56 ₽", True, "is not a number"),
    ],
)
def test_numbers_that_read_two_ways_or_none_are_refused(
    value: str, decimal_comma: bool, reason: str
) -> None:
    with pytest.raises(InvalidValueError) as caught:
        to_number(value, decimal_comma=decimal_comma)
    assert reason in caught.value.reason


@pytest.mark.parametrize(
    ("words", "cell"),
    [
        (["true", "Yes", "y", "T", "on", "1"], "1"),
        (["false", "No", "n", "F", "off", "0"], "0"),
        (["да", "Да", "ДА", "д", "истина"], "1"),
        (["нет", "Нет", "н", "ложь"], "0"),
        (["ja", "JA", "j", "wahr"], "1"),
        (["nein", "Nein", "falsch"], "0"),
        (["oui", "Oui", "vrai"], "1"),
        (["non", "Non", "faux"], "0"),
        (["sí", "Sí", "si", "verdadero"], "1"),
        (["no", "falso"], "0"),
    ],
)
def test_yes_and_no_in_five_languages(words: list[str], cell: str) -> None:
    assert {to_bool(word) for word in words} == {cell}


@pytest.mark.parametrize(
    ("value", "date_format", "cell"),
    [
        ("03/15/1990", None, "1990-03-15"),  # 15 cannot be a month
        ("15/03/1990", None, "1990-03-15"),
        ("3/5/2024", "MM/DD/YYYY", "2024-03-05"),
        ("3/5/2024", "DD/MM/YYYY", "2024-05-03"),
        ("05.03.2024", "DD.MM.YYYY", "2024-03-05"),
        ("05.03.2024", None, "2024-03-05"),
        ("2024-03-05", "MM/DD/YYYY", "2024-03-05"),  # year first is never ambiguous
        ("2024-03-05T23:30:00-02:00", None, "2024-03-06"),
        ("03/05/2024 10:30 AM", "MM/DD/YYYY", "2024-03-05"),
        ("05.03.2024 10:30:15", None, "2024-03-05"),
        ("12/25", "MM/DD", "1904-12-25"),  # Mailchimp's birthday
        ("02/29", "MM/DD", "1904-02-29"),
        ("12/25", None, "1904-12-25"),
        ("25/12", "DD/MM", "1904-12-25"),
        ("12/25/1990", "MM/DD", "1990-12-25"),
        ("2024/03/05", "YYYY/MM/DD", "2024-03-05"),
    ],
)
def test_dates(value: str, date_format: str | None, cell: str) -> None:
    assert to_date(value, date_format=date_format) == cell
    assert YEARLESS_YEAR == 1904


@pytest.mark.parametrize(
    ("value", "date_format", "reason"),
    [
        ("03/04/1990", None, "ambiguous: day/month or month/day? Give the date format"),
        ("13/25/1990", "MM/DD/YYYY", "is not a real date"),
        ("02/30", "MM/DD", "is not a real date"),
        ("03/04/90", "MM/DD/YYYY", "write the year with four digits"),
        ("03/04/1990", "YYYY/MM/DD", "is not a date in the format YYYY/MM/DD"),
        ("next week", "MM/DD", "is not a date"),
    ],
)
def test_bad_dates(value: str, date_format: str | None, reason: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        to_date(value, date_format=date_format)
    assert reason in caught.value.reason


@pytest.mark.parametrize("pattern", ["MM-YYYY", "DD/MM/YY", "MM/DD/YYYY/DD", "DD.MM/YYYY", "", "x"])
def test_a_date_format_is_checked(pattern: str) -> None:
    with pytest.raises(ValueError, match="write DD, MM and \\(optionally\\) YYYY"):
        DateFormat.parse(pattern)


def test_a_date_format_reads_in_any_case() -> None:
    assert DateFormat.parse("mm/dd/yyyy") == DateFormat("MM/DD/YYYY", "MD", False)
    assert DateFormat.parse("YYYY-MM-DD").year_first


@pytest.mark.parametrize(
    ("value", "country", "cell"),
    [
        ("8 (912) 345-67-89", "RU", "+79123456789"),
        ("8-912-345-67-89", "ru", "+79123456789"),
        ("9123456789", "RU", "+79123456789"),
        ("7 912 345 67 89", "RU", "+79123456789"),
        ("+7 912 345 67 89", "US", "+79123456789"),  # international stays as it is
        ("(555) 123-4567", "US", "+15551234567"),
        ("1 (555) 123-4567", "US", "+15551234567"),
        ("555.123.4567", "CA", "+15551234567"),
        ("0151 12345678", "DE", "+4915112345678"),
        ("0049 151 12345678", "DE", "+4915112345678"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("612 34 56 78", "ES", "+34612345678"),
        ("8 029 123-45-67", "BY", "+375291234567"),
        ("020 7946 0958", "GB", "+442079460958"),
    ],
)
def test_national_phone_numbers(value: str, country: str, cell: str) -> None:
    assert normalise_phone(value, country_code=country) == cell


def test_national_numbers_need_a_country_and_a_length_that_fits() -> None:
    with pytest.raises(InvalidValueError, match="not in international format"):
        normalise_phone("8 (912) 345-67-89")
    with pytest.raises(InvalidValueError, match="or a RU number"):
        normalise_phone("8 912 345-67", country_code="RU")
    with pytest.raises(ValueError, match="phone country 'SU' is not known"):
        normalise_phone("8 912 345-67-89", country_code="SU")
    assert normalise_phone(9123456789, country_code="RU") == "+79123456789"
    assert {"RU", "US", "DE", "FR", "ES", "GB"} <= set(PHONE_COUNTRIES)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('"vip","Новый клиент 🎉"', "vip,Новый клиент 🎉"),
        ('"a", "b c"', "a,b c"),
        ('"a,b",c', "a,b,c"),  # Selzy separates tags by commas: a comma inside splits them
        ('"unclosed', "unclosed"),
        ("plain, tags", "plain,tags"),
    ],
)
def test_mailchimp_quoted_tags(value: str, cell: str) -> None:
    assert normalise_tags(value) == cell


def test_converters_read_numbers_and_dates_as_told() -> None:
    plain = converters()
    told = converters(decimal_comma=True, date_format="MM/DD")
    assert told["number"]("1 234,5") == "1234.5"
    assert told["date"]("12/05") == "1904-12-05"
    assert plain["date"]("05.12.2024") == "2024-12-05"
    with pytest.raises(InvalidValueError):
        plain["number"]("1 234,5")


FIELDS = [
    {"id": 1, "name": "Name", "type": "string"},
    {"id": 2, "name": "Sum", "type": "number"},
    {"id": 3, "name": "Client", "type": "bool"},
    {"id": 4, "name": "Birthday", "type": "date"},
]
RUSSIAN_EXCEL = [
    {"Почта": "ivan@пример.рф", "Телефон": "8 (912) 345-67-89", "Имя": "Иван 🎉",
     "Сумма": "1 234,56", "Клиент": "да", "ДР": "05.03.1990"},
    {"Почта": "olga@example.com", "Телефон": "8 912 000", "Имя": "Ольга",
     "Сумма": "12 000", "Клиент": "нет", "ДР": "31.02.1990"},
    {"Почта": "petr@example.com", "Телефон": "", "Имя": "Пётр",
     "Сумма": "сто", "Клиент": "Да", "ДР": ""},
]  # fmt: skip


def russian_job(**options: object) -> ImportJob:
    mapping = FieldMapping(
        {"Почта": "email", "Телефон": "phone", "Имя": "Name", "Сумма": "Sum", "Клиент": "Client",
         "ДР": "Birthday"}
    )  # fmt: skip
    fields = [SelzyField(f["name"], f["type"]) for f in FIELDS]  # type: ignore[arg-type]
    return ImportJob.build(mapping, fields, list_id=5, **options)  # type: ignore[arg-type]


def test_a_russian_excel_export_gets_in_whole() -> None:
    server = FakeSelzy(fields=list(FIELDS))
    records = [SourceRecord(i + 2, row) for i, row in enumerate(RUSSIAN_EXCEL)]
    job = russian_job(decimal_comma=True, phone_country="RU", id_name="line")
    outcome = import_records(server.client(), job, records)
    assert [row["email"] for row in server.received] == [
        "ivan@xn--e1afmkfd.xn--p1ai",
        "olga@example.com",
        "petr@example.com",
    ]
    ivan, olga, petr = server.received
    assert (ivan["phone"], ivan["Sum"], ivan["Client"], ivan["Birthday"]) == (
        "+79123456789",
        "1234.56",
        "1",
        "1990-03-05",
    )
    assert ivan["Name"] == "Иван 🎉"
    assert (olga["phone"], olga["Sum"], olga["Client"], olga["Birthday"]) == ("", "12000", "0", "")
    assert (petr["Sum"], petr["Client"]) == ("", "1")
    notes = {r.source_id: r for r in outcome.rejections}
    assert sorted(notes) == [3, 4]
    assert all(r.code == "value_dropped" for r in notes.values())
    assert "Телефон -> phone: invalid phone: '8 912 000'" in notes[3].reason
    assert "ДР -> Birthday: '31.02.1990' is not a real date" in notes[3].reason
    assert "Сумма -> Sum: 'сто' is not a number" in notes[4].reason
    assert outcome.totals.notes == {"value_dropped": 2}
    assert outcome.totals.skipped_locally == 0

    strict = FakeSelzy(fields=list(FIELDS))
    before = import_records(strict.client(), russian_job(invalid_values="reject"), records)
    assert strict.received == []  # the same file, strict and without the options: all refused
    assert [r.code for r in before.rejections] == [
        "invalid_phone",
        "invalid_phone",
        "invalid_value",
    ]


def test_a_dry_run_counts_the_values_it_would_drop() -> None:
    records = [SourceRecord(i + 2, row) for i, row in enumerate(RUSSIAN_EXCEL)]
    contacts = (Contact(i, record, None) for i, record in enumerate(records))
    report = dry_run(russian_job(decimal_comma=True, phone_country="RU"), contacts)
    assert report.totals.notes == {"value_dropped": 2}
    assert report.totals.sent == 3
    assert [r.source_id for r in report.examples["value_dropped"]] == [3, 4]
