"""Values converted to the text importContacts accepts for each Selzy field type.

Every converter takes a source value (str, int, Decimal, float, date, datetime, bool or None)
and returns the cell text, or raises :class:`InvalidValueError` with a reason a person can act
on. ``None`` and blank strings become ``""`` everywhere. Outputs are canonical (numbers with
``.``, dates as ``YYYY-MM-DD``, one of the date formats Selzy documents, booleans as ``1``/``0``)
so the same record always produces the same row, which is what lets an incremental sync compare
what it sent. How exports write values is read by ``_numbers`` (decimal commas, yes/no words),
``_dates`` (day/month orders, dates without a year) and ``_phones`` (national numbers).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Final

from selzy.protocol import DATETIME_FORMAT, MAX_TAGS_PER_CONTACT

from ._dates import DateFormat, parse_date
from ._errors import InvalidValueError
from ._fields import SelzyType
from ._numbers import FALSE_WORDS, TRUE_WORDS, number_text

# C0 controls but tab and newline, DEL, C1 controls, and lone surrogates (which cannot be
# encoded as UTF-8 and would fail the whole request, not just the row).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAK = re.compile("\r\n?|[\u2028\u2029]")
_UNCLEAN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_JOIN_LINES = re.compile(r"[ \t]*\n\s*")
# Beyond 10^30 (or below 10^-30) a "number" is almost surely an id or garbage; refusing it also
# keeps 1e999999 from becoming a million-digit cell.
_MAX_EXPONENT: Final = 30
_MAX_INT: Final = 10 ** (_MAX_EXPONENT + 1)
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# The common case in one match (an import checks every address): a dot-atom local part, then
# labels and a TLD of two or more characters that starts with a letter. Case is checked later.
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,61}[A-Za-z0-9]"
)
_UPPER = re.compile("[A-Z]")


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return to_number(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list | tuple):
        return ", ".join(_as_text(v) for v in value)
    return str(value)


def to_text(value: object) -> str:
    """A ``text`` cell: line breaks kept (as ``\\n``), control characters dropped."""
    if value is None:
        return ""
    text = _as_text(value)
    if _UNCLEAN.search(text) is None:  # the usual case: nothing to clean, no copies made
        return text.strip()
    text = _LINE_BREAK.sub("\n", text)
    return _CONTROL.sub("", text).strip()


def to_string(value: object) -> str:
    """A ``string`` cell: one line, so line breaks become single spaces."""
    text = to_text(value)
    return _JOIN_LINES.sub(" ", text) if "\n" in text else text


def to_number(value: object, *, decimal_comma: bool = False) -> str:
    """A ``number`` cell: a decimal with ``.`` and no exponent; NaN, infinity, text refused.

    Text may group thousands (``1 234``, ``1,234.5``); with ``decimal_comma`` its decimals
    follow a comma (``1234,56``, ``1 234,56``, ``1.234,56``). See ``_numbers`` for the rules.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        if -_MAX_INT < value < _MAX_INT:
            return str(value)
        number = Decimal(value)
    elif isinstance(value, float | Decimal):
        number = Decimal(repr(value)) if isinstance(value, float) else value
        if not number.is_finite():
            raise InvalidValueError(f"{_shown(value)} is not a number Selzy can store")
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return ""
        number = Decimal(number_text(text, decimal_comma=decimal_comma))
    else:
        raise InvalidValueError(f"{_shown(value)} is not a number")
    if number and not -_MAX_EXPONENT <= number.adjusted() <= _MAX_EXPONENT:
        raise InvalidValueError(f"{_shown(value)} is out of range for a Selzy number")
    return format(abs(number) if number.is_zero() else number, "f")


def to_date(value: object, *, date_format: DateFormat | str | None = None) -> str:
    """A ``date`` cell, ``YYYY-MM-DD``: from a date, a datetime (its UTC date when aware) or a
    string in Selzy's formats DD.MM.YYYY, DD-MM-YYYY, YYYY.MM.DD, YYYY-MM-DD, ISO 8601, an
    unambiguous MM/DD/YYYY or DD/MM/YYYY, or ``date_format`` (e.g. ``"MM/DD"``, see ``_dates``).
    """
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.UTC) if value.tzinfo else value).date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return ""
        if isinstance(date_format, str):
            date_format = DateFormat.parse(date_format)
        return parse_date(text, date_format).isoformat()
    raise InvalidValueError(f"{_shown(value)} is not a date")


def to_bool(value: object) -> str:
    """A ``bool`` cell, ``1`` or ``0``: from a bool, 0/1, or yes/no words in English, Russian,
    German, French or Spanish (true/false, yes/no, y/n, да/нет, ja/nein, oui/non, sí/no...)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int) and value in (0, 1):
        return str(value)
    if isinstance(value, str):
        text = value.strip().casefold()
        if not text:
            return ""
        if text in TRUE_WORDS:
            return "1"
        if text in FALSE_WORDS:
            return "0"
    raise InvalidValueError(
        f"{_shown(value)} is not a yes/no value; use yes/no, true/false, да/нет or 1/0"
    )


def normalise_email(value: object) -> str:
    """The address trimmed, its domain lower-cased (and IDNA-encoded), or ``""`` for none.

    The check is syntax only, deliberately strict where Selzy would refuse anyway: one ``@``,
    a dot-atom local part of at most 64 characters, a domain of valid labels with a TLD.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidValueError(f"invalid email: {_shown(value)} is not text")
    text = value.strip()
    if not text:
        return ""
    if _EMAIL.fullmatch(text) and len(text) <= 254:
        at = text.rindex("@")
        if at <= 64:
            # Lower-case the domain only when needed: most addresses already are.
            return text if _UPPER.search(text, at) is None else text[:at] + text[at:].lower()
    local, at_sign, domain = text.rpartition("@")
    if not at_sign:
        raise InvalidValueError(f"invalid email: {_shown(text)} has no @")
    if not local or not domain:
        raise InvalidValueError(f"invalid email: {_shown(text)} lacks a part before or after @")
    if len(local) > 64 or not _LOCAL.fullmatch(local):
        raise InvalidValueError(f"invalid email: the part before @ in {_shown(text)} is not valid")
    domain = domain.lower()
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise InvalidValueError(
                f"invalid email: the domain of {_shown(text)} is not valid"
            ) from None
    labels = domain.split(".")
    if (
        len(labels) < 2
        or not all(_LABEL.fullmatch(label) for label in labels)
        or not labels[-1][0].isalpha()
        or len(labels[-1]) < 2
        or len(local) + 1 + len(domain) > 254
    ):
        raise InvalidValueError(f"invalid email: the domain of {_shown(text)} is not valid")
    return f"{local}@{domain}"


def _tag_parts(text: str) -> list[str]:
    """A cell's tags: comma-separated, or Mailchimp's quoted list (``"a","b c"``)."""
    if '"' not in text:
        return text.split(",")
    parts = next(csv.reader([text], skipinitialspace=True), [])
    return [tag.strip('" ') for part in parts for tag in part.split(",")]


def normalise_tags(value: object) -> str:
    """Tags as Selzy's comma-separated cell: from ``"a, b"``, Mailchimp's ``"a","b c"`` or a list;
    at most 10, no repeats."""
    if value is None:
        return ""
    if isinstance(value, set | frozenset):
        items: list[object] = sorted(value, key=str)  # a set has no order; make the row stable
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        items = [value]
    tags: dict[str, None] = {}
    for item in items:
        for part in _tag_parts(to_string(item)):
            tag = part.strip()
            if tag:
                tags[tag] = None
    if len(tags) > MAX_TAGS_PER_CONTACT:
        raise InvalidValueError(
            f"{len(tags)} tags given; Selzy keeps at most {MAX_TAGS_PER_CONTACT} per contact"
        )
    return ",".join(tags)


CONVERTERS: Final[dict[SelzyType, Callable[[object], str]]] = {
    "string": to_string,
    "text": to_text,
    "number": to_number,
    "date": to_date,
    "bool": to_bool,
}


def converters(
    *, decimal_comma: bool = False, date_format: DateFormat | str | None = None
) -> dict[SelzyType, Callable[[object], str]]:
    """:data:`CONVERTERS` reading numbers and dates as an export writes them."""
    if isinstance(date_format, str):
        date_format = DateFormat.parse(date_format)
    if not decimal_comma and date_format is None:
        return dict(CONVERTERS)
    return {
        **CONVERTERS,
        "number": partial(to_number, decimal_comma=decimal_comma),
        "date": partial(to_date, date_format=date_format),
    }


def convert_value(value: object, type: SelzyType) -> str:
    """``value`` as the cell text for a Selzy field of ``type`` (see the ``to_*`` functions)."""
    try:
        converter = CONVERTERS[type]
    except KeyError:
        raise ValueError(f"unknown Selzy field type {type!r}") from None
    return converter(value)
