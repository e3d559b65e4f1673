"""Results of the list, field and tag methods (§5.1, §5.3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._model import Model, api_name


@dataclass(frozen=True, slots=True, kw_only=True)
class MailingList(Model):
    """A mailing list (getLists)."""

    id: int
    title: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class CreatedId(Model):
    """``{"id": ...}``: what createList, createField and updateField return."""

    id: int
    warnings: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactCount(Model):
    """getContactCount: contacts of a list matching the filter."""

    count: int = 0
    list_id: int | None = field(default=None, metadata=api_name("listId"))
    search_params: dict[str, Any] = field(default_factory=dict, metadata=api_name("searchParams"))
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class TotalContactsCount(Model):
    """getTotalContactsCount: the size of the whole contact base."""

    total: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Field(Model):
    """A user field (getFields): ``name`` is the substitution variable, ``type`` one of
    string, text, number, date, bool."""

    id: int
    name: str
    type: str = "string"
    public_name: str | None = None
    is_visible: bool | None = None
    view_pos: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Tag(Model):
    """A contact tag (getTags)."""

    id: int
    name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
