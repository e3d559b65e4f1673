"""Auto-suggestion of a mapping: pair source and Selzy fields by name and type.

Names are compared reduced (case, spaces, ``_`` and ``-`` ignored, Cyrillic transliterated) and
through small synonym groups (``first_name`` ~ ``Name``, ``mobile`` ~ ``phone``, ``e-mail`` ~
``email``). A pair whose types do not match is never suggested: a suggestion the validator would
refuse only teaches people to distrust the button.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, cast

from ._fields import (
    SYSTEM_TARGETS,
    SelzyField,
    SourceField,
    SystemTarget,
    is_compatible,
    system_refusal,
)
from ._mapping import FieldMapping
from ._names import normalise_name

# Each group lists reduced names, strongest first: when two source fields both fit ``Name``,
# ``first_name`` wins over ``full_name``.
_SYNONYMS: Final[tuple[tuple[str, ...], ...]] = (
    ("email", "mail", "emailaddress", "emailaddr", "useremail", "contactemail"),
    ("phone", "phonenumber", "mobile", "mobilephone", "mobilenumber", "cellphone", "cell",
     "telephone", "tel", "msisdn"),
    ("name", "firstname", "givenname", "forename", "fname", "fullname", "contactname"),
    ("lastname", "surname", "familyname", "lname"),
    ("middlename", "patronymic"),
    ("birthday", "birthdate", "dateofbirth", "dob", "bday"),
    ("company", "companyname", "organization", "organisation", "org", "employer"),
    ("tags", "tag", "labels"),
    ("city", "town"),
    ("zip", "zipcode", "postcode", "postalcode"),
    ("website", "site", "homepage", "url"),
    ("gender", "sex"),
)  # fmt: skip
_GROUP: Final[dict[str, tuple[int, int]]] = {
    name: (group, rank) for group, names in enumerate(_SYNONYMS) for rank, name in enumerate(names)
}


def _closeness(source: str, target: str) -> int | None:
    """0 for the same reduced name, 1 + synonym rank for synonyms, None for unrelated names."""
    a, b = normalise_name(source), normalise_name(target)
    if a == b:
        return 0
    ga, gb = _GROUP.get(a), _GROUP.get(b)
    if ga is None or gb is None or ga[0] != gb[0]:
        return None
    return 1 + ga[1] + gb[1]


def suggest_mapping(
    source_fields: Iterable[SourceField],
    selzy_fields: Iterable[SelzyField],
    *,
    existing: FieldMapping | None = None,
) -> FieldMapping:
    """A mapping proposal: each source field paired with the closest compatible target.

    Targets are ``email``, ``phone``, ``tags`` and the account's fields. Exact name matches beat
    synonyms, and a same-type target beats a merely compatible one. Each target is proposed at
    most once. Pairs in ``existing`` (the user's own choices) are kept and their fields skipped.
    """
    sources = list(source_fields)
    targets: list[tuple[str, str | None]] = [(t, None) for t in SYSTEM_TARGETS]
    targets += [(f.name, f.type) for f in selzy_fields]
    kept = existing.to_dict() if existing is not None else {}
    taken_targets = set(kept.values())

    candidates: list[tuple[int, int, int, int, str, str]] = []
    for s_pos, source in enumerate(sources):
        if source.name in kept:
            continue
        for t_pos, (target, target_type) in enumerate(targets):
            if target in taken_targets:
                continue
            if target_type is None:
                fits = system_refusal(source, cast(SystemTarget, target)) is None
            else:
                fits = is_compatible(source.type, target_type)
            closeness = _closeness(source.name, target) if fits else None
            if closeness is None:
                continue
            same_type = 0 if target_type in (None, source.type) else 1
            candidates.append((closeness, same_type, s_pos, t_pos, source.name, target))

    chosen: dict[str, str] = {}
    for *_, source_name, target in sorted(candidates):
        if source_name not in chosen and target not in taken_targets:
            chosen[source_name] = target
            taken_targets.add(target)
    ordered = {s.name: chosen[s.name] for s in sources if s.name in chosen}
    return FieldMapping({**kept, **ordered})
