"""Contact sources: the Django models whose rows become Selzy contacts.

Declared in ``SELZY["CONTACT_SOURCES"]``::

    "CONTACT_SOURCES": {
        "leads": {
            "model": "crm.Lead",                      # app_label.ModelName
            "label": "Leads",
            "fields": ["email", "name", "phone", "birthday"],   # offered for mapping
            "email_field": "email",                   # Selzy's email (or give phone_field)
            "phone_field": "phone",                   # optional
            "filter": {"consent": True},              # who is imported: lookups, or a dotted path
                                                      # of a callable(queryset) -> queryset
            "segments": {"vip": {"label": "VIP customers", "filter": {"company__isnull": False}}},
            "updated_field": "updated_at",            # optional: a modification time the
                                                      # periodic scan reads (bulk updates)
            "write_back": {"unsubscribed": {"consent": False}},  # optional: what Selzy's
                                                      # feedback does to the record (.writeback)
        }
    }

Without CONTACT_SOURCES, active ``auth.User`` rows are the source. Field types are read from
the model: text fields are string (TextField: text), numbers number, dates date, booleans bool.

Records are known to the sync ledger by ``str(pk)``; primary keys must be integers, text or
UUIDs (a source with another key is a system check error).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.db.models import Func, OuterRef
from django.db.models.functions import Cast
from django.utils.module_loading import import_string

from selzy.integration import SourceField, SourceRecord

from .conf import selzy_settings
from .writeback import NO_WRITE_BACK, WriteBack, read_write_back

_TYPES: list[tuple[type[models.Field[Any, Any]], str]] = [
    (models.BooleanField, "bool"),
    (models.DateField, "date"),  # DateTimeField is a DateField
    (models.TextField, "text"),
    (models.IntegerField, "number"),
    (models.FloatField, "number"),
    (models.DecimalField, "number"),
    (models.CharField, "string"),  # EmailField, SlugField, URLField... are CharFields
]


def field_type(field: models.Field[Any, Any]) -> str:
    """The Selzy type a model field's values have."""
    for cls, selzy_type in _TYPES:
        if isinstance(field, cls):
            return selzy_type
    return "string"


@dataclass(frozen=True)
class ContactSource:
    """One declared source: its model, the fields it offers and who it imports."""

    key: str
    label: str
    model: type[models.Model]
    field_names: tuple[str, ...]
    email_field: str | None
    phone_field: str | None
    filter: Any
    segments: dict[str, dict[str, Any]]
    updated_field: str | None = None
    write_back: WriteBack = NO_WRITE_BACK

    def fields(self) -> list[SourceField]:
        """The offered fields with their Selzy types, for the mapping screen."""
        out = []
        for name in self.field_names:
            field = self.model._meta.get_field(name)
            label = str(getattr(field, "verbose_name", name))
            out.append(SourceField(name=name, type=field_type(field), label=label))  # type: ignore[arg-type]
        return out

    def _filtered(self, queryset: models.QuerySet[Any], condition: Any) -> models.QuerySet[Any]:
        if not condition:
            return queryset
        if isinstance(condition, dict):
            return queryset.filter(**condition)
        function = import_string(condition) if isinstance(condition, str) else condition
        result: models.QuerySet[Any] = function(queryset)
        return result

    def queryset(self, segment: str = "") -> models.QuerySet[Any]:
        """Who is imported (the source's filter), narrowed to ``segment`` when given."""
        queryset = self._filtered(self.model._default_manager.all(), self.filter)
        if segment:
            try:
                definition = self.segments[segment]
            except KeyError:
                raise ImproperlyConfigured(
                    f"Source {self.key!r} has no segment {segment!r}"
                ) from None
            queryset = self._filtered(queryset, definition.get("filter"))
        return queryset.order_by("pk")

    def records_for(self, ids: Iterable[str]) -> dict[str, SourceRecord]:
        """The eligible records among ``ids`` (``str(pk)``), by id: one query, any order."""
        names = list(dict.fromkeys(self.field_names))
        rows = self.queryset().order_by().filter(pk__in=list(ids)).values("pk", *names)
        records = {}
        for row in rows:
            source_id = str(row.pop("pk"))
            records[source_id] = SourceRecord(id=source_id, values=row)
        return records

    def pk_of(self, outer: str) -> Any:
        """An expression matching the model's pk against ``OuterRef(outer)`` (a str(pk) column).

        The reference is cast to the pk's type rather than the pk to text, so the source
        table's primary-key index serves the anti-joins of the sync ledger.
        """
        ref = OuterRef(outer)
        kind = pk_kind(self.model)
        if kind == "integer":
            return Cast(ref, output_field=models.BigIntegerField())
        return _UUIDFromText(ref) if kind == "uuid" else ref

    def id_of(self, outer: str) -> Any:
        """An expression giving the pk of ``OuterRef(outer)`` (a source row) as its ``str(pk)``,
        the ledger's id: for the anti-joins that look a row's state up by its id."""
        ref = OuterRef(outer)
        kind = pk_kind(self.model)
        if kind == "integer":
            return Cast(ref, output_field=models.CharField())
        return _TextFromUUID(ref) if kind == "uuid" else ref

    def emails(self, segment: str = "") -> Iterator[str]:
        """The addresses of a segment, for the contacts_url file."""
        if not self.email_field:
            return
        rows = self.queryset(segment).values_list(self.email_field, flat=True)
        for email in rows.iterator(chunk_size=5000):
            if email:
                yield str(email).strip()


PkKind = Literal["integer", "text", "uuid"]


def pk_kind(model: type[models.Model]) -> PkKind:
    """How the ledger keys a model's records; ImproperlyConfigured for a key it cannot follow."""
    pk: Any = model._meta.pk
    pk = getattr(pk, "target_field", pk)  # a one-to-one primary key: the related pk's type
    if isinstance(pk, models.IntegerField):  # AutoField and BigAutoField included
        return "integer"
    if isinstance(pk, models.UUIDField):
        return "uuid"
    if isinstance(pk, models.CharField | models.TextField):  # SlugField, EmailField...
        return "text"
    raise ImproperlyConfigured(
        f"{model._meta.label} has a {type(pk).__name__} primary key; a contact source needs an "
        "integer, text or UUID primary key (the sync ledger keys records by it)"
    )


class _UUIDFromText(Func):
    """A ``str(uuid)`` text column as the database stores a UUID: PostgreSQL's uuid type, else
    the 32 hex digits Django writes in a char(32) column (SQLite, MySQL, Oracle)."""

    template = "REPLACE(%(expressions)s, '-', '')"
    output_field = models.UUIDField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="CAST(%(expressions)s AS uuid)")


class _TextFromUUID(Func):
    """A UUID primary key as ``str(uuid)`` writes it (lower-case, dashed): PostgreSQL casts its
    uuid type; elsewhere the 32 stored hex digits get their dashes back."""

    output_field = models.CharField()
    _PARTS = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
    # A column reference only (no parameters): the expression appears five times.
    template = " || '-' || ".join(f"SUBSTR(%(expressions)s, {a}, {n})" for a, n in _PARTS)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="CAST(%(expressions)s AS text)")

    def as_mysql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        parts = ", '-', ".join(f"SUBSTR(%(expressions)s, {a}, {n})" for a, n in self._PARTS)
        return self.as_sql(compiler, connection, template=f"CONCAT({parts})")


def _source(key: str, spec: dict[str, Any]) -> ContactSource:
    model_label = spec.get("model") or settings.AUTH_USER_MODEL
    try:
        model = apps.get_model(model_label)
    except (LookupError, ValueError):
        raise ImproperlyConfigured(
            f'SELZY["CONTACT_SOURCES"]["{key}"]["model"] = {model_label!r} is not an installed '
            'model ("app_label.ModelName")'
        ) from None
    email_field = spec.get("email_field", "email" if "phone_field" not in spec else None)
    phone_field = spec.get("phone_field")
    names = list(spec.get("fields") or [])
    for extra in (email_field, phone_field):
        if extra and extra not in names:
            names.insert(0, extra)
    updated_field = spec.get("updated_field")
    for name in [*names, *([updated_field] if updated_field else [])]:
        try:
            model._meta.get_field(name)
        except FieldDoesNotExist:
            raise ImproperlyConfigured(
                f'SELZY["CONTACT_SOURCES"]["{key}"]: {model_label} has no field {name!r}'
            ) from None
    pk_kind(model)  # a key the ledger cannot follow is a configuration error, never a crash
    if not email_field and not phone_field:
        raise ImproperlyConfigured(
            f'SELZY["CONTACT_SOURCES"]["{key}"] needs "email_field" or "phone_field"'
        )
    return ContactSource(
        key=key,
        label=str(spec.get("label") or model._meta.verbose_name_plural).capitalize(),
        model=model,
        field_names=tuple(names),
        email_field=email_field,
        phone_field=phone_field,
        filter=spec.get("filter"),
        segments=dict(spec.get("segments") or {}),
        updated_field=updated_field,
        write_back=read_write_back(key, model, spec.get("write_back")),
    )


def contact_sources() -> dict[str, ContactSource]:
    """Every declared source by key."""
    return {key: _source(key, spec) for key, spec in selzy_settings().contact_sources.items()}


def get_source(key: str) -> ContactSource:
    sources = contact_sources()
    if key not in sources:
        raise ImproperlyConfigured(f"No contact source {key!r}; declared: {sorted(sources)}")
    return sources[key]
