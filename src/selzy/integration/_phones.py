"""National phone numbers read in international format, given the export's country.

Selzy stores phones as ``+`` and the digits (E.164). CRMs export what people typed:
``8 (912) 345-67-89`` in Russia, ``(555) 123-4567`` in the US. With a default country such a
number gets the country's calling code: the national trunk prefix (``8`` in Russia, ``0`` in
most of Europe, ``1`` in North America) is dropped, and a number that already starts with the
calling code (``7 912 345 67 89``) only gains the ``+``. A number whose length fits neither
reading is refused rather than guessed. ``00`` then the calling code is read as ``+``.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

from ._errors import InvalidValueError

_PHONE_NOISE = re.compile(r"[\s().-]")
_DIGITS = re.compile(r"\d+")
_PHONE = re.compile(r"\+[1-9]\d{6,14}")


class Country(NamedTuple):
    """How a country's numbers are written at home."""

    code: str  #: the calling code, without the +
    trunk: str  #: the national prefix dialled before the number at home, "" when none
    lengths: tuple[int, ...]  #: digits of a national number after the trunk prefix


#: The countries ``phone_country`` knows, by ISO 3166 code.
PHONE_COUNTRIES: Final[dict[str, Country]] = {
    "RU": Country("7", "8", (10,)),
    "KZ": Country("7", "8", (10,)),
    "BY": Country("375", "80", (9,)),
    "UA": Country("380", "0", (9,)),
    "UZ": Country("998", "", (9,)),
    "AM": Country("374", "0", (8,)),
    "GE": Country("995", "0", (9,)),
    "US": Country("1", "1", (10,)),
    "CA": Country("1", "1", (10,)),
    "GB": Country("44", "0", (9, 10)),
    "DE": Country("49", "0", (6, 7, 8, 9, 10, 11)),
    "AT": Country("43", "0", (6, 7, 8, 9, 10, 11, 12)),
    "CH": Country("41", "0", (9,)),
    "FR": Country("33", "0", (9,)),
    "ES": Country("34", "", (9,)),
    "IT": Country("39", "", (6, 7, 8, 9, 10, 11)),
    "PT": Country("351", "", (9,)),
    "NL": Country("31", "0", (9,)),
    "BE": Country("32", "0", (8, 9)),
    "PL": Country("48", "", (9,)),
    "CZ": Country("420", "", (9,)),
    "TR": Country("90", "0", (10,)),
    "IL": Country("972", "0", (8, 9)),
    "IN": Country("91", "0", (10,)),
    "BR": Country("55", "0", (10, 11)),
    "MX": Country("52", "", (10,)),
    "AU": Country("61", "0", (9,)),
}


def country(name: str) -> Country:
    """The country ``name`` (``"RU"``, ``"us"``...); a ValueError lists the known ones."""
    try:
        return PHONE_COUNTRIES[name.strip().upper()]
    except KeyError:
        raise ValueError(
            f"phone country {name!r} is not known; use one of {', '.join(PHONE_COUNTRIES)}"
        ) from None


def international(digits: str, home: Country) -> str | None:
    """``digits`` (a number written without ``+``) in international format, or None when its
    length fits no reading for ``home``."""
    if digits.startswith("00"):
        return "+" + digits[2:]
    trunk, code = home.trunk, home.code
    if trunk and digits.startswith(trunk) and len(digits) - len(trunk) in home.lengths:
        return f"+{code}{digits[len(trunk) :]}"
    if len(digits) in home.lengths and not (trunk and digits.startswith(trunk)):
        return f"+{code}{digits}"
    if digits.startswith(code) and len(digits) - len(code) in home.lengths:
        return "+" + digits
    return None


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def normalise_phone(value: object, *, country_code: str | Country | None = None) -> str:
    """The phone in international format (``+`` and 7 to 15 digits) with spaces, dashes, dots and
    parentheses removed, or ``""`` for none.

    With ``country_code`` (``"RU"``, ``"US"``...) a national number gets the country's calling
    code: ``8 (912) 345-67-89`` with RU is ``+79123456789`` (see ``_phones``).
    """
    if value is None:
        return ""
    home = country(country_code) if isinstance(country_code, str) else country_code
    if isinstance(value, int) and not isinstance(value, bool) and home is not None:
        value = str(value)
    if not isinstance(value, str):
        raise InvalidValueError(
            f"invalid phone: {_shown(value)} is not text (a number loses the leading +)"
        )
    text = _PHONE_NOISE.sub("", value)
    if not text:
        return ""
    if home is not None and _DIGITS.fullmatch(text):
        text = international(text, home) or text
    if not _PHONE.fullmatch(text):
        national = f" or a {country_code} number" if home is not None else ""
        raise InvalidValueError(
            f"invalid phone: {_shown(value.strip())} is not in international format "
            f"(+ and 7 to 15 digits, e.g. +79261232323){national}"
        )
    return text
