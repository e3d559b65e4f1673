"""Fields on both sides of a mapping, and which source type may feed which Selzy type.

Selzy has five user-field types (REFERENCE §5.3): ``string`` (one line), ``text`` (several lines),
``number``, ``date`` and ``bool``. The guidelines ask the integration to "match the field types";
the matrix below is that rule made explicit. It only allows pairs where every value of the source
type has one faithful rendering in the target type, so a mapping that passes never loses data to a
conversion at import time (a date has no yes/no reading, free text is not reliably a number).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, cast, get_args

from selzy.types import Field

SelzyType = Literal["string", "text", "number", "date", "bool"]
#: Columns of importContacts with a fixed meaning that a mapping may target (REFERENCE §5.2).
SystemTarget = Literal["email", "phone", "tags"]

SELZY_TYPES: Final[tuple[SelzyType, ...]] = get_args(SelzyType)
SYSTEM_TARGETS: Final[tuple[SystemTarget, ...]] = get_args(SystemTarget)

#: source type -> the Selzy types it may be imported into.
COMPATIBLE: Final[dict[SelzyType, frozenset[SelzyType]]] = {
    "string": frozenset({"string", "text"}),
    "text": frozenset({"text", "string"}),
    "number": frozenset({"number", "string", "text"}),
    "date": frozenset({"date", "string", "text"}),
    "bool": frozenset({"bool", "number", "string", "text"}),
}
#: The system targets are addresses or a tag list: text on the source side.
SYSTEM_SOURCE_TYPES: Final = frozenset({"string", "text"})

_WHAT: Final[dict[str, str]] = {
    "string": "a line of text",
    "text": "free text",
    "number": "a number",
    "date": "a date",
    "bool": "a yes/no value",
}


@dataclass(frozen=True, slots=True)
class SourceField:
    """A field of the CMS/CRM offered for mapping: its key in records, Selzy type and label."""

    name: str
    type: SelzyType
    label: str = ""

    def __post_init__(self) -> None:
        if self.type not in SELZY_TYPES:
            raise ValueError(
                f"Source field {self.name!r} has type {self.type!r}; use one of "
                f"{', '.join(SELZY_TYPES)}"
            )

    @property
    def title(self) -> str:
        """What a person calls the field: its label, else its name."""
        return self.label or self.name


@dataclass(frozen=True, slots=True)
class SelzyField:
    """A user field of the Selzy account (from getFields), or one planned to be created."""

    name: str
    type: SelzyType
    id: int | None = None

    @classmethod
    def from_api(cls, field: Field) -> SelzyField:
        """The client's :class:`selzy.types.Field`; an unknown type is read as ``string``
        (Selzy documents five; anything else is safest treated as one line of text)."""
        type_ = field.type if field.type in SELZY_TYPES else "string"
        return cls(name=field.name, type=type_, id=field.id)


def is_compatible(source_type: str, target_type: str) -> bool:
    """Whether values of ``source_type`` may be imported into a Selzy field of ``target_type``."""
    allowed = COMPATIBLE.get(cast(SelzyType, source_type))
    return allowed is not None and target_type in allowed


def _why_not(source_type: str, target_type: str) -> str:
    if source_type == "text":
        return f"free text cannot be read reliably as {_WHAT[target_type]}"
    if source_type == "string":
        return f"a string field can hold any text, which is not always {_WHAT[target_type]}"
    return f"{_WHAT[source_type]} is not {_WHAT[target_type]}"


def type_refusal(source: SourceField, target: SelzyField) -> str | None:
    """None when ``source`` may feed ``target``; otherwise the reason, naming both fields."""
    if is_compatible(source.type, target.type):
        return None
    options = " or ".join(sorted(COMPATIBLE[source.type]))
    return (
        f"{source.title!r} ({source.type}) cannot be mapped to the Selzy field {target.name!r} "
        f"({target.type}): {_why_not(source.type, target.type)}. Choose a Selzy field of type "
        f"{options}, or create a new {source.type} field."
    )


def system_refusal(source: SourceField, target: SystemTarget) -> str | None:
    """None when ``source`` may feed the system column ``target`` (email, phone, tags)."""
    if source.type in SYSTEM_SOURCE_TYPES:
        return None
    what = {"email": "an email address", "phone": "a phone number", "tags": "a list of tags"}
    return (
        f"{source.title!r} ({source.type}) cannot be mapped to Selzy's {target!r}: "
        f"{what[target]} is text, and {_WHAT[source.type]} is not. Map a string or text field."
    )
