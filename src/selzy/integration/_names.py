"""Names: folding any text to ASCII, and turning a source field's name into a valid Selzy name.

Selzy field names (REFERENCE §5.3) are Latin letters, digits and ``_``, start with a letter, are
unique (case-sensitive) and must not reuse a system column name, or importContacts misreads the
column. CRMs in Selzy's markets often name fields in Cyrillic, so those are transliterated
(a readable ``data_rozhdeniya`` beats a field called ``field_2``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Final

from selzy.protocol import SYSTEM_FIELD_NAMES

# Russian and Ukrainian letters (a practical, reversible-enough scheme close to ICAO 9303), and
# Latin letters that Unicode does not decompose into a base letter plus accents.
_TRANSLIT: Final[dict[str, str]] = {
    **dict(zip("абвгдезийклмнопрстуфыэ", "abvgdeziyklmnoprstufye", strict=True)),
    "ё": "e",
    "ж": "zh",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ь": "",
    "ю": "yu",
    "я": "ya",
    "є": "ye",
    "і": "i",
    "ї": "yi",
    "ґ": "g",
    "ß": "ss",
    "æ": "ae",
    "œ": "oe",
    "ø": "o",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "ı": "i",
}
_NOT_NAME = re.compile(r"[^A-Za-z0-9]+")


def ascii_fold(text: str) -> str:
    """``text`` in ASCII: Cyrillic transliterated, accents dropped, other letters removed."""
    out = []
    for char in text:
        lower = char.lower()
        if lower in _TRANSLIT:
            latin = _TRANSLIT[lower]
            out.append(latin.capitalize() if char != lower else latin)
        else:
            out.append(char)
    decomposed = unicodedata.normalize("NFKD", "".join(out))
    return decomposed.encode("ascii", "ignore").decode("ascii")


def selzy_field_name(text: str, taken: Iterable[str] = ()) -> str:
    """A valid, unused Selzy field name made from ``text`` (a source field's name).

    ``"Дата рождения"`` -> ``"Data_rozhdeniya"``, ``"2nd phone"`` -> ``"field_2nd_phone"``,
    ``"email"`` -> ``"email_field"``. ``taken`` names (compared ignoring case, because
    ``{{Name}}`` and ``{{name}}`` side by side confuse people) get a ``_2``, ``_3``... suffix.
    """
    base = _NOT_NAME.sub("_", ascii_fold(text)).strip("_") or "field"
    if not base[0].isalpha():
        base = f"field_{base}"
    if base.lower() in SYSTEM_FIELD_NAMES:
        base = f"{base}_field"
    used = {name.lower() for name in taken}
    name, counter = base, 1
    while name.lower() in used:
        counter += 1
        name = f"{base}_{counter}"
    return name


def normalise_name(text: str) -> str:
    """A name reduced for comparison: ASCII, lower case, no spaces, underscores or dashes."""
    return _NOT_NAME.sub("", ascii_fold(text)).lower()
