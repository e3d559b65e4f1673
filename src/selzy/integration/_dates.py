"""Dates as exports write them, read into :class:`datetime.date`.

Without a format (``date_format=None``) a value may be written in Selzy's own formats
(``DD.MM.YYYY``, ``DD-MM-YYYY``, ``YYYY.MM.DD``, ``YYYY-MM-DD``), in ISO 8601 with a time, or
with slashes (``MM/DD/YYYY`` or ``DD/MM/YYYY``) when the numbers leave only one reading: in
``03/15/1990`` 15 cannot be a month, while ``03/04/1990`` is refused as ambiguous. A
:class:`DateFormat` such as ``MM/DD/YYYY`` settles the order for every value. A time after the
date (``03/15/2024 10:30 AM``) is dropped; an ISO time with an offset first moves to UTC.

Mailchimp exports birthdays without a year (``MM/DD``). Selzy's date fields need one, so such a
date gets :data:`YEARLESS_YEAR`, a leap year (so 29 February fits) that reads as no real year.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

from ._errors import InvalidValueError

#: The year given to a date written without one (a Mailchimp birthday, ``MM/DD``).
YEARLESS_YEAR: Final = 1904

_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d")
# A time after the date: 10:30, 10:30:15, 10:30:15.123, 10:30 AM, 22:30:00+03:00 ...
_TIME = re.compile(
    r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?(?:Z|[+-]\d{2}:?\d{2})?)$"
)
_PARTS = re.compile(r"(\d{1,4})([./ -])(\d{1,2})(?:\2(\d{1,4}))?")
_TOKEN = re.compile(r"YYYY|MM|DD|[./ -]")
_SHOWN: Final = "DD.MM.YYYY, DD-MM-YYYY, YYYY.MM.DD, YYYY-MM-DD or MM/DD/YYYY"


@dataclass(frozen=True, slots=True)
class DateFormat:
    """The order of day, month and year in an export's dates: ``MM/DD/YYYY``, ``DD.MM.YYYY``,
    ``MM/DD`` (no year)... Values written year first (``1990-03-15``) are read too."""

    pattern: str
    #: "DM" or "MD": which of day and month comes first.
    order: str
    #: Whether the year, when written, comes first (``YYYY/MM/DD``) rather than last.
    year_first: bool = False

    @classmethod
    def parse(cls, pattern: str) -> DateFormat:
        """The format written with ``DD``, ``MM`` and ``YYYY`` and the separators ``. / - ``;
        a ValueError says what to write instead."""
        text = pattern.strip().upper()
        tokens = _TOKEN.findall(text)
        fields = [t for t in tokens if t[0] in "YMD"]
        seps = {t for t in tokens if t[0] not in "YMD"}
        if (
            "".join(tokens) != text
            or sorted(fields) not in (["DD", "MM"], ["DD", "MM", "YYYY"])
            or len(seps) != 1
            or fields[1] == "YYYY"
        ):
            raise ValueError(
                f"date format {pattern!r}: write DD, MM and (optionally) YYYY with one "
                "separator, e.g. MM/DD/YYYY, DD.MM.YYYY or MM/DD"
            )
        order = "".join(f[0] for f in fields if f != "YYYY")
        return cls(text, order, fields[0] == "YYYY")


def _moment(text: str) -> dt.date | None:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.astimezone(dt.UTC).date() if moment.tzinfo else moment.date()


def _date(text: str, year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise InvalidValueError(f"{text!r} is not a real date") from None


def parse_date(text: str, date_format: DateFormat | None = None) -> dt.date:
    """The date ``text`` (stripped, not empty) is written as; InvalidValueError otherwise."""
    if _ISO_DATETIME.match(text) and (moment := _moment(text)) is not None:
        return moment
    bare = _TIME.sub("", text) if ":" in text else text
    match = _PARTS.fullmatch(bare)
    if match is None:
        shown = text if len(text) <= 40 else f"{text[:37]}..."
        raise InvalidValueError(f"{shown!r} is not a date; use {_SHOWN}")
    first, sep, second, last = match.groups()
    if len(first) == 4:  # year first: never ambiguous
        if last is None or len(last) > 2:
            raise InvalidValueError(f"{text!r} is not a date; use {_SHOWN}")
        return _date(text, int(first), int(second), int(last))
    if date_format is not None and date_format.year_first and last is not None:
        raise InvalidValueError(f"{text!r} is not a date in the format {date_format.pattern}")
    if (last is not None and len(last) != 4) or len(first) > 2:
        raise InvalidValueError(f"{text!r} is not a date; write the year with four digits")
    year = int(last) if last is not None else YEARLESS_YEAR
    a, b = int(first), int(second)
    if date_format is not None:
        order = date_format.order
    elif sep in ".-" and last is not None:
        order = "DM"  # Selzy's own DD.MM.YYYY and DD-MM-YYYY
    elif sep == "/" and (a > 12 or b > 12 or a == b):
        order = "DM" if a > 12 else "MD"
    elif sep == "/":
        raise InvalidValueError(
            f"{text!r} is ambiguous: day/month or month/day? Give the date format (e.g. MM/DD/YYYY)"
        )
    else:
        raise InvalidValueError(f"{text!r} is not a date; use {_SHOWN}")
    month, day = (a, b) if order == "MD" else (b, a)
    return _date(text, year, month, day)
