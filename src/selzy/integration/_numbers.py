"""Numbers and yes/no values as people write them in exports, read into canonical text.

Numbers: ``.`` is the decimal point unless ``decimal_comma`` is on (Russian, German, French
exports: ``1234,56``). Thousands may be grouped by spaces (a no-break space too) either way,
by ``,`` with a decimal point (``1,234.56``) and by ``.`` with a decimal comma
(``1.234,56``). A value that reads two ways is refused, not guessed: ``1,234`` is 1234 in a US
export and 1.234 in a Russian one, so it is only read with ``decimal_comma`` on (as 1.234),
and ``1.234`` is refused with ``decimal_comma`` on for the same reason.
"""

from __future__ import annotations

import re
from typing import Final

from ._errors import InvalidValueError

NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_SPACES = re.compile("[\u00a0\u2007\u202f\u2009 ]")
# sign, the whole part (grouped by one separator, or not), the decimals.
_POINT = re.compile(r"([+-]?)(\d{1,3}(?:([ ,])\d{3})?(?:\3\d{3})*|\d+)(?:\.(\d+))?")
_COMMA = re.compile(r"([+-]?)(\d{1,3}(?:([ .])\d{3})?(?:\3\d{3})*|\d+)(?:,(\d+))?")
_GROUPS = re.compile(r"[ ,.]")

#: Words read as yes and no, in English, Russian, German, French and Spanish (any case).
TRUE_WORDS: Final = frozenset(
    {"1", "true", "t", "yes", "y", "on", "да", "д", "истина", "ja", "j", "wahr"}
    | {"oui", "o", "vrai", "sí", "si", "s", "verdadero"}
)
FALSE_WORDS: Final = frozenset(
    {"0", "false", "f", "no", "n", "off", "нет", "н", "ложь", "nein", "falsch"}
    | {"non", "faux", "falso"}
)


def _shown(text: str) -> str:
    return repr(text) if len(text) <= 40 else repr(f"{text[:37]}...")


def _not_a_number(value: str, decimal_comma: bool) -> InvalidValueError:
    hint = " (a decimal comma? turn the decimal comma option on)"
    return InvalidValueError(
        f"{_shown(value)} is not a number{hint if ',' in value and not decimal_comma else ''}"
    )


def number_text(value: str, *, decimal_comma: bool = False) -> str:
    """``value`` (stripped, not empty) as a plain decimal (``-1234.56``, maybe an exponent)."""
    if not decimal_comma and NUMBER.fullmatch(value):
        return value  # the usual case, as cheap as it can be
    text = _SPACES.sub(" ", value)
    match = (_COMMA if decimal_comma else _POINT).fullmatch(text)
    if match is None:
        if decimal_comma and NUMBER.fullmatch(value):
            return value  # 1.5, 2e3: a decimal point is still a decimal point
        raise _not_a_number(value, decimal_comma)
    sign, whole, group, decimals = match.groups()
    groups = _GROUPS.split(whole)
    if group is not None and groups[0].startswith("0"):
        # No thousands start with 0: with a decimal comma, 0.123 has a decimal point.
        if decimal_comma and group == "." and decimals is None and len(groups) == 2:
            return value
        raise _not_a_number(value, decimal_comma)
    if decimals is None and group in (",", ".") and len(groups) == 2:
        other = "decimal comma off" if decimal_comma else "decimal comma on"
        raise InvalidValueError(
            f"{_shown(value)} is ambiguous: thousands or decimals? Write it without the "
            f"separator, or with the {other}"
        )
    return sign + "".join(groups) + (f".{decimals}" if decimals is not None else "")
