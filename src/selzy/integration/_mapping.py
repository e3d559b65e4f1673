"""A field mapping (source field -> Selzy field) and its validation.

The mapping is plain data (source name -> target name) so a framework can store it as JSON.
Targets are user-field names of the Selzy account, or the system columns ``email``, ``phone``
and ``tags``. Other system columns (``email_status``, ``email_list_ids``, ...) are refused: the
import runner owns list membership, and statuses are never sent (that is how a re-import keeps
an unsubscribed contact unsubscribed).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from selzy.protocol import SYSTEM_FIELD_NAMES

from ._errors import MappingError
from ._fields import (
    SYSTEM_TARGETS,
    SelzyField,
    SourceField,
    SystemTarget,
    is_compatible,
    system_refusal,
    type_refusal,
)


@dataclass(frozen=True, slots=True, init=False)
class FieldMapping:
    """Which Selzy field each source field goes to: ``{"email": "email", "first_name": "Name"}``.

    A source field has at most one target; validation checks that no target is used twice.
    """

    targets: dict[str, str]

    def __init__(self, targets: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        object.__setattr__(self, "targets", dict(targets))

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.targets.items())

    def __len__(self) -> int:
        return len(self.targets)

    def source_for(self, target: str) -> str | None:
        """The (first) source field mapped to ``target``, if any."""
        return next((s for s, t in self.targets.items() if t == target), None)

    @property
    def email_source(self) -> str | None:
        """The source field that holds the contact's email."""
        return self.source_for("email")

    @property
    def phone_source(self) -> str | None:
        """The source field that holds the contact's phone."""
        return self.source_for("phone")

    @property
    def tags_source(self) -> str | None:
        """The source field whose value becomes the contact's tags."""
        return self.source_for("tags")

    @property
    def user_fields(self) -> dict[str, str]:
        """Source -> Selzy user field, the system targets left out."""
        return {s: t for s, t in self.targets.items() if t not in SYSTEM_TARGETS}

    def merged(self, more: Mapping[str, str]) -> FieldMapping:
        """A copy with ``more`` added (e.g. the fields :func:`ensure_fields` just created)."""
        return FieldMapping({**self.targets, **more})

    def to_dict(self) -> dict[str, str]:
        """The mapping as a plain dict, for JSON storage."""
        return dict(self.targets)


@dataclass(frozen=True, slots=True)
class MappingProblem:
    """One reason a mapping cannot be used: a code for programs, a message for people."""

    code: str
    message: str
    source: str | None = None
    target: str | None = None


def compatible_targets(source: SourceField, selzy_fields: Iterable[SelzyField]) -> tuple[str, ...]:
    """The targets ``source`` may be mapped to: system columns first, then Selzy fields."""
    system = tuple(t for t in SYSTEM_TARGETS if system_refusal(source, t) is None)
    return system + tuple(f.name for f in selzy_fields if is_compatible(source.type, f.type))


def validate_mapping(
    mapping: FieldMapping,
    source_fields: Iterable[SourceField] | None,
    selzy_fields: Iterable[SelzyField],
) -> list[MappingProblem]:
    """Every problem of ``mapping`` at once (empty when it is fine).

    Checks: email or phone is mapped; each source exists; each target is a Selzy field of the
    account or one of ``email``, ``phone``, ``tags``; no target is used twice; types match.
    With ``source_fields=None`` the source side is not checked (names and types unknown).
    """
    sources = None if source_fields is None else {f.name: f for f in source_fields}
    selzy = {f.name: f for f in selzy_fields}
    problems: list[MappingProblem] = []
    if mapping.email_source is None and mapping.phone_source is None:
        problems.append(
            MappingProblem(
                "missing_contact",
                "Map a source field to 'email' or 'phone': Selzy identifies every contact by "
                "one of them.",
            )
        )
    used_by: dict[str, str] = {}
    for source_name, target in mapping:
        source = None if sources is None else sources.get(source_name)
        if sources is not None and source is None:
            problems.append(
                MappingProblem(
                    "unknown_source",
                    f"The source has no field {source_name!r}.",
                    source_name,
                    target,
                )
            )
        first = used_by.setdefault(target, source_name)
        if first != source_name:
            problems.append(
                MappingProblem(
                    "duplicate_target",
                    f"The Selzy field {target!r} is the target of both {first!r} and "
                    f"{source_name!r}; map only one source field to it.",
                    source_name,
                    target,
                )
            )
        problem = _target_problem(source_name, source, target, selzy)
        if problem is not None:
            problems.append(problem)
    return problems


def _target_problem(
    source_name: str, source: SourceField | None, target: str, selzy: dict[str, SelzyField]
) -> MappingProblem | None:
    if target in SYSTEM_TARGETS:
        refusal = None if source is None else system_refusal(source, _system(target))
        return None if refusal is None else _mismatch(refusal, source_name, target)
    if target in SYSTEM_FIELD_NAMES:
        return MappingProblem(
            "reserved_target",
            f"{target!r} is a Selzy system column that the import manages itself; map "
            f"{source_name!r} to a user field instead.",
            source_name,
            target,
        )
    field = selzy.get(target)
    if field is None:
        return MappingProblem(
            "unknown_target",
            f"Selzy has no field {target!r} (names are case-sensitive); create it or choose "
            f"another target for {source_name!r}.",
            source_name,
            target,
        )
    refusal = None if source is None else type_refusal(source, field)
    return None if refusal is None else _mismatch(refusal, source_name, target)


def _system(target: str) -> SystemTarget:
    return "email" if target == "email" else "phone" if target == "phone" else "tags"


def _mismatch(message: str, source: str, target: str) -> MappingProblem:
    return MappingProblem("type_mismatch", message, source, target)


def check_mapping(
    mapping: FieldMapping,
    source_fields: Iterable[SourceField] | None,
    selzy_fields: Iterable[SelzyField],
) -> None:
    """Raise :class:`MappingError` listing every problem of ``mapping``; return if it is fine."""
    problems = validate_mapping(mapping, source_fields, selzy_fields)
    if problems:
        raise MappingError(problems)
