"""Write-back rules: what Selzy's feedback about an address does to the site's own record.

Declared per contact source, under ``"write_back"``, either as a rule per feedback kind::

    "write_back": {
        "unsubscribed": {"consent": False, "consent_withdrawn_at": EVENT_TIME},
        "subscribed": {"consent": True},
        "hard_bounce": {"email_undeliverable": True},
        "complaint": {"email_undeliverable": True, "consent": False},
    }

(field name -> value; :data:`EVENT_TIME`, the string ``"@event_time"``, stands for when it
happened in Selzy, for a date or datetime field; an expression such as ``F("bounces") + 1`` is
evaluated by the database), or as the dotted path of a callable ``(record, feedback) -> None`` that
decides itself. Kinds without a rule change nothing on the record (a soft bounce, by default,
only counts in the ledger). The kinds are :data:`selzy.integration.FEEDBACK_KINDS`.

The rules are checked when the setting is read (``manage.py check``, selzy.E003): an unknown
kind or field, the primary key, a many-to-many field, a value the field cannot hold (``"yes"``
for a boolean, ``None`` where the column is not nullable, ``"@event_time"`` on a text field) is
an :class:`~django.core.exceptions.ImproperlyConfigured` naming the kind and the field, never an
error on the first event that uses it.

Writing back never sets off a sync: a rule is one ``UPDATE`` (no ``post_save``), and a callable
runs inside :func:`writing_back`, during which the module's own save receivers stand aside.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.db import models
from django.utils.module_loading import import_string

from selzy.integration import FEEDBACK_KINDS, Feedback

#: A rule's value meaning "the time the feedback happened in Selzy".
EVENT_TIME = "@event_time"

WriteBackCallable = Callable[[models.Model, Feedback], None]

_writing_back: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "selzy_writing_back", default=False
)


@contextmanager
def writing_back() -> Iterator[None]:
    """While a write-back runs: the module's save and delete receivers mark nothing changed."""
    token = _writing_back.set(True)
    try:
        yield
    finally:
        _writing_back.reset(token)


def is_writing_back() -> bool:
    return _writing_back.get()


@dataclass(frozen=True)
class WriteBack:
    """A source's write-back: rules by feedback kind, or one callable for everything."""

    rules: Mapping[str, Mapping[str, Any]]
    function: WriteBackCallable | None = None

    def wants(self, kind: str) -> bool:
        return self.function is not None or kind in self.rules

    def apply(self, model: type[models.Model], pks: list[Any], feedback: Feedback) -> int:
        """Apply the feedback to the records ``pks``; how many records were written."""
        if not pks or not self.wants(feedback.kind):
            return 0
        records = model._default_manager.filter(pk__in=pks)
        if self.function is not None:
            written = 0
            with writing_back():
                for record in records:
                    self.function(record, feedback)
                    written += 1
            return written
        values = {
            name: feedback.time if _is_event_time(value) else value
            for name, value in self.rules[feedback.kind].items()
        }
        return records.update(**values)


NO_WRITE_BACK = WriteBack(rules={})


def _is_event_time(value: object) -> bool:
    return isinstance(value, str) and value == EVENT_TIME


def read_write_back(key: str, model: type[models.Model], spec: object) -> WriteBack:
    """A source's ``"write_back"`` setting read and checked against the model."""
    where = f'SELZY["CONTACT_SOURCES"]["{key}"]["write_back"]'
    if spec is None:
        return NO_WRITE_BACK
    if isinstance(spec, str) or callable(spec):
        try:
            function = import_string(spec) if isinstance(spec, str) else spec
        except ImportError as error:
            raise ImproperlyConfigured(f"{where}: {error}") from None
        if not callable(function):
            raise ImproperlyConfigured(f"{where}: {spec!r} is not callable")
        return WriteBack(rules={}, function=function)
    if not isinstance(spec, Mapping):
        raise ImproperlyConfigured(
            f"{where} must be a dict of rules by feedback kind or a dotted path of a callable"
        )
    rules: dict[str, dict[str, Any]] = {}
    for kind, rule in spec.items():
        if kind not in FEEDBACK_KINDS:
            raise ImproperlyConfigured(
                f"{where}: unknown feedback kind {kind!r}; known: {', '.join(FEEDBACK_KINDS)}"
            )
        if not isinstance(rule, Mapping) or not rule:
            raise ImproperlyConfigured(f"{where}[{kind!r}] must be a dict of field: value")
        for name, value in rule.items():
            field = _writable_field(model, name, f"{where}[{kind!r}]")
            _check_value(field, value, f"{where}[{kind!r}][{name!r}]")
        rules[kind] = dict(rule)
    return WriteBack(rules=rules)


def _writable_field(model: type[models.Model], name: object, where: str) -> models.Field[Any, Any]:
    """The model's field ``name``, when a rule can write it with one ``UPDATE``."""
    try:
        field = model._meta.get_field(str(name))
    except FieldDoesNotExist:
        raise ImproperlyConfigured(f"{where}: {model._meta.label} has no field {name!r}") from None
    if (
        not isinstance(field, models.Field)
        or field.primary_key
        or not field.concrete
        or field.many_to_many
    ):
        raise ImproperlyConfigured(
            f"{where}: {name!r} is not a field a rule can write (the primary key, a "
            "many-to-many or reverse relation)"
        )
    return field


def _check_value(field: models.Field[Any, Any], value: object, where: str) -> None:
    """Refuse a value the field cannot hold now rather than on the first event that needs it
    (the event would fail, and wait, until the setting is fixed)."""
    if hasattr(value, "resolve_expression"):
        return  # F("bounces") + 1, Now(): the database evaluates it
    if _is_event_time(value):
        if not isinstance(field, models.DateField):  # DateTimeField is a DateField
            raise ImproperlyConfigured(
                f"{where}: {EVENT_TIME!r} needs a date or datetime field, "
                f"not a {type(field).__name__}"
            )
        return
    if value is None:
        if not field.null:
            raise ImproperlyConfigured(f"{where}: None, but the field is not nullable")
        return
    try:
        field.to_python(value)
    except ValidationError as error:
        problem = " ".join(error.messages)
        raise ImproperlyConfigured(
            f"{where}: {value!r} does not fit the field: {problem}"
        ) from None
