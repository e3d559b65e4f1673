"""New Selzy fields for source fields that have no counterpart yet, and creating them.

The guidelines' mapping step: "If the user wants to create a new field in Selzy, use the
createField method". :func:`plan_fields` decides names and types without any call (so a screen
can show the plan first); :func:`ensure_fields` reads the account's fields again and creates only
the ones still missing, so running it twice, or after a half-finished first run, is harmless.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from selzy.client import AsyncSelzy, Selzy
from selzy.protocol import MAX_USER_FIELDS
from selzy.types import Field

from ._errors import FieldLimitError, FieldPlanError
from ._fields import SelzyField, SelzyType, SourceField
from ._names import selzy_field_name


@dataclass(frozen=True, slots=True)
class NewField:
    """A Selzy field to create for the source field ``source``."""

    source: str
    name: str
    type: SelzyType


@dataclass(frozen=True, slots=True)
class FieldPlan:
    """The fields to create; ``mapping`` is what they add to a :class:`FieldMapping`."""

    new_fields: tuple[NewField, ...] = ()

    @property
    def mapping(self) -> dict[str, str]:
        """Source field -> planned Selzy field name."""
        return {f.source: f.name for f in self.new_fields}


def plan_fields(
    source_fields: Iterable[SourceField], selzy_fields: Iterable[SelzyField]
) -> FieldPlan:
    """A new Selzy field for each of ``source_fields``, of the same type, with a valid name.

    Names come from the source field names (see :func:`selzy_field_name`) and avoid the
    account's existing names and each other.
    """
    taken = [f.name for f in selzy_fields]
    planned = []
    for source in source_fields:
        name = selzy_field_name(source.name, taken)
        taken.append(name)
        planned.append(NewField(source.name, name, source.type))
    return FieldPlan(tuple(planned))


def _to_create(plan: FieldPlan, fields: Iterable[Field]) -> list[NewField]:
    """The planned fields the account lacks; refuses name clashes and the field cap first."""
    existing = {f.name: SelzyField.from_api(f) for f in fields}
    missing = []
    for new in plan.new_fields:
        found = existing.get(new.name)
        if found is None:
            missing.append(new)
        elif found.type != new.type:
            raise FieldPlanError(
                f"Selzy already has a field {new.name!r} of type {found.type}; the plan wants "
                f"it as {new.type} for {new.source!r}. Map {new.source!r} to that field if the "
                "types match, or plan another name."
            )
    if missing and len(existing) + len(missing) > MAX_USER_FIELDS:
        raise FieldLimitError(len(existing), len(missing), MAX_USER_FIELDS)
    return missing


def ensure_fields(client: Selzy, plan: FieldPlan) -> dict[str, str]:
    """Create the planned fields that do not exist yet; return source -> Selzy field name.

    Calls getFields once, then createField for each missing field. Refuses (before creating
    anything) when the account would go over its 50 user fields or when a planned name is
    taken by a field of another type.
    """
    for new in _to_create(plan, client.get_fields()):
        client.create_field(name=new.name, type=new.type)
    return plan.mapping


async def ensure_fields_async(client: AsyncSelzy, plan: FieldPlan) -> dict[str, str]:
    """:func:`ensure_fields` for :class:`AsyncSelzy`."""
    for new in _to_create(plan, await client.get_fields()):
        await client.create_field(name=new.name, type=new.type)
    return plan.mapping
