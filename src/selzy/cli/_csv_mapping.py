"""``--map column=target[:type]`` options turned into the engine's mapping, checked up front.

A CSV cell is just text, so a column has no type of its own: it takes the type given after the
colon, else the type of the Selzy field it feeds (each value is then converted, and a row whose
value does not fit is rejected with the reason). Declaring a type is how a mismatch is caught
before anything is sent (``--map Birthday=Age:date`` into a number field), and how
``--create-fields`` knows what to create.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import cast

from selzy.integration import (
    SELZY_TYPES,
    SYSTEM_TARGETS,
    FieldMapping,
    FieldPlan,
    SelzyField,
    SelzyType,
    SourceField,
    plan_fields,
    validate_mapping,
)


class MappingOptionError(Exception):
    """A ``--map`` option that cannot be used; the message says which and why."""


@dataclass(frozen=True, slots=True)
class MapOption:
    """One ``--map``: a CSV column, its Selzy target and the column's declared type."""

    column: str
    target: str
    type: SelzyType | None = None

    @classmethod
    def parse(cls, text: str) -> MapOption:
        """``"First name=Name"`` or ``"Age=Age:number"``."""
        # Selzy targets never contain "=" or ":", column names might: split from the right.
        column, sep, target = text.rpartition("=")
        target, colon, type_ = target.strip().partition(":")
        column, target, type_ = column.strip(), target.strip(), type_.strip()
        if not sep or not column or not target:
            raise MappingOptionError(
                f"--map {text!r}: write column=field, e.g. --map 'E-mail=email'"
            )
        if colon and type_ not in SELZY_TYPES:
            raise MappingOptionError(
                f"--map {text!r}: the type after ':' must be one of {', '.join(SELZY_TYPES)}"
            )
        return cls(column, target, cast(SelzyType, type_) if colon else None)


@dataclass(frozen=True, slots=True)
class ResolvedMapping:
    """The engine's view of the ``--map`` options: mapping, column types, fields to create."""

    mapping: FieldMapping
    source_fields: tuple[SourceField, ...]
    plan: FieldPlan

    @property
    def planned_fields(self) -> tuple[SelzyField, ...]:
        """The fields to create, as if they existed (to check the mapping against them)."""
        return tuple(SelzyField(f.name, f.type) for f in self.plan.new_fields)


#: Delimiters a header found as one column may hold, and how --delimiter names them.
_DELIMITERS = {
    ";": ("semicolons", '";"'),
    "\t": ("tabs", "tab"),
    ",": ("commas", '","'),
    "|": ("pipes", '"|"'),
}


def check_columns(options: Sequence[MapOption], header: Sequence[str]) -> None:
    """Every mapped column is in the file's header, and mapped once."""
    columns = set(header)
    seen: set[str] = set()
    for option in options:
        if option.column not in columns:
            close = [c for c in header if c.casefold() == option.column.casefold()]
            hint = f"did you mean {close[0]!r}?" if close else f"columns: {', '.join(header)}"
            held = [names for sep, names in _DELIMITERS.items() if sep in header[0]]
            if len(header) == 1 and held:
                # A Russian or German Excel saves "CSV" with semicolons: one column was found.
                what, name = held[0]
                hint = f"one column found, the header holds {what}: try --delimiter {name}"
            raise MappingOptionError(f"--map: the file has no column {option.column!r} ({hint})")
        if option.column in seen:
            raise MappingOptionError(f"--map: the column {option.column!r} is mapped twice")
        seen.add(option.column)


def resolve(
    options: Sequence[MapOption], selzy_fields: Iterable[SelzyField], *, create_fields: bool
) -> ResolvedMapping:
    """Check ``options`` against the account's fields with the engine's own rules.

    Raises :class:`MappingOptionError` with every problem on one line.
    """
    existing = {f.name: f for f in selzy_fields}
    sources: list[SourceField] = []
    missing: list[SourceField] = []
    for option in options:
        field = existing.get(option.target)
        type_ = option.type or (field.type if field is not None else "string")
        sources.append(SourceField(option.column, type_))
        planned = any(m.name == option.target for m in missing)
        if field is None and option.target not in SYSTEM_TARGETS and create_fields and not planned:
            missing.append(SourceField(option.target, type_))
    plan = _plan(missing, existing.values())
    mapping = FieldMapping((o.column, o.target) for o in options)
    resolved = ResolvedMapping(mapping, tuple(sources), plan)
    known = (*existing.values(), *resolved.planned_fields)
    problems = validate_mapping(mapping, resolved.source_fields, known)
    if problems:
        text = " ".join(p.message for p in problems)
        if any(p.code == "unknown_target" for p in problems) and not create_fields:
            text += " (--create-fields creates missing fields)"
        raise MappingOptionError(text)
    return resolved


def _plan(missing: Sequence[SourceField], existing: Iterable[SelzyField]) -> FieldPlan:
    """New fields named exactly as asked; the engine's planner checks the names."""
    existing = list(existing)
    plan = plan_fields(missing, existing)
    for wanted, new in zip(missing, plan.new_fields, strict=True):
        if new.name == wanted.name:
            continue
        same = [f.name for f in existing if f.name.casefold() == wanted.name.casefold()]
        if same:
            raise MappingOptionError(
                f"Selzy already has the field {same[0]!r}; field names are case-sensitive, "
                f"map to {same[0]!r} instead of {wanted.name!r}"
            )
        raise MappingOptionError(
            f"{wanted.name!r} cannot be a Selzy field name (Latin letters, digits and _, "
            f"starting with a letter, not a system column); try {new.name!r}"
        )
    return plan
