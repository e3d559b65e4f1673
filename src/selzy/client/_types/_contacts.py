"""Results of the contact methods (§5.2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._model import Model, api_name


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportLogEntry(Model):
    """One row importContacts reported on; ``index`` counts rows of that call from 0."""

    index: int
    code: str = ""
    message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportResult(Model):
    """importContacts: the totals of one call and its per-row log."""

    total: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    new_emails: int = 0
    invalid: int = 0
    log: tuple[ImportLogEntry, ...] = ()
    warnings: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscribed(Model):
    """subscribe: the contact's id."""

    person_id: int
    warnings: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskStarted(Model):
    """An async task was queued (async/exportContacts, async/getCampaignDeliveryStats)."""

    task_uuid: str
    status: str = "new"
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportedContacts(Model):
    """exportContacts (the synchronous legacy form): rows aligned with ``field_names``."""

    field_names: tuple[str, ...] = ()
    data: tuple[tuple[Any, ...], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactEmail(Model):
    """getContact: the address and its state."""

    email: str = ""
    added_at: str | None = None
    status: str | None = None
    availability: str | None = None
    last_send_datetime: str | None = None
    last_delivery_datetime: str | None = None
    last_read_datetime: str | None = None
    last_click_datetime: str | None = None
    rating: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactListMembership(Model):
    """getContact: one list the contact is in, with its status there."""

    id: int
    status: str | None = None
    added_at: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Contact(Model):
    """getContact: the contact, its lists and its field values (the last two on request)."""

    email: ContactEmail | None = None
    lists: tuple[ContactListMembership, ...] = ()
    fields: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldValues(Model):
    """getContactFieldValues: values by field id."""

    field_values: dict[str, Any] = field(default_factory=dict, metadata=api_name("fieldValues"))
    extra: dict[str, Any] = field(default_factory=dict)
