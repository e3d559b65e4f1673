"""Typed results: small frozen dataclasses filled from the API's JSON, coercing its drift.

Selzy returns ids as numbers in one method and as strings in the next (§4), booleans as ``true``
or as ``1``, and timestamps as ``"YYYY-MM-DD hh:mm:ss"`` UTC. A model declares the types it means
and :meth:`Model.from_api` converts; keys the model does not know are kept in ``extra`` (the docs
warn that fields get added), and ``warnings`` holds the envelope's warnings for the call.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from collections.abc import Mapping
from typing import Any, ClassVar, Self, TypeVar, Union

from selzy.protocol import DATE_FORMAT, DATETIME_FORMAT

from ._exceptions import InvalidResponseError

T = TypeVar("T")


def api_name(name: str) -> dict[str, str]:
    """Field metadata for a model attribute whose JSON key differs (``listId`` -> ``list_id``)."""
    return {"api": name}


def _to_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        return int(float(text))


def _to_float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    return float(value)


def _to_bool(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _to_str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def parse_datetime(value: Any) -> dt.datetime | None:
    """A UTC timestamp of the API (``YYYY-MM-DD hh:mm:ss``, or a bare date) as an aware datetime."""
    if value is None or value == "" or value == "0000-00-00 00:00:00":
        return None
    if isinstance(value, dt.datetime):
        return value
    text = str(value).strip()
    for fmt in (DATETIME_FORMAT, "%Y-%m-%d %H:%M", DATE_FORMAT):
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    return dt.datetime.fromisoformat(text)


def _optional_inner(tp: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return tp, False


def _convert(tp: Any, value: Any) -> Any:
    tp, _ = _optional_inner(tp)
    if tp is Any:
        return value
    if tp is int:
        return _to_int(value)
    if tp is float:
        return _to_float(value)
    if tp is bool:
        return _to_bool(value)
    if tp is str:
        return _to_str(value)
    if tp is dt.datetime:
        return parse_datetime(value)
    if isinstance(tp, type) and issubclass(tp, Model):
        return tp.from_api(value) if isinstance(value, Mapping) else None
    origin = typing.get_origin(tp)
    if origin is tuple:
        (item_type, *_rest) = typing.get_args(tp)
        return tuple(_convert(item_type, v) for v in as_list(value))
    if origin in (dict, Mapping) or tp in (dict, Mapping):
        return dict(value) if isinstance(value, Mapping) else {}
    return value


@dataclasses.dataclass(frozen=True, slots=True)
class Model:
    """Base of the typed results."""

    _hints: ClassVar[dict[type, dict[str, Any]]] = {}

    @classmethod
    def _field_types(cls) -> dict[str, Any]:
        hints = Model._hints.get(cls)
        if hints is None:
            hints = typing.get_type_hints(cls)
            Model._hints[cls] = hints
        return hints

    @classmethod
    def from_api(cls, data: Mapping[str, Any] | None, *, warnings: tuple[str, ...] = ()) -> Self:
        """Build the model from one JSON object; missing keys take the field's default."""
        data = data or {}
        hints = cls._field_types()
        kwargs: dict[str, Any] = {}
        known: set[str] = set()
        for f in dataclasses.fields(cls):
            if f.name in ("extra", "warnings"):
                continue
            key = f.metadata.get("api", f.name)
            known.add(key)
            if key in data:
                kwargs[f.name] = _convert(hints[f.name], data[key])
        if "extra" in hints:
            kwargs["extra"] = {k: v for k, v in data.items() if k not in known}
        if "warnings" in hints:
            kwargs["warnings"] = warnings
        missing = [
            f.name
            for f in dataclasses.fields(cls)
            if f.name not in kwargs
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        ]
        if missing:
            # The API answered, but not with what this method returns: say so plainly.
            raise InvalidResponseError(
                f"the answer has no {', '.join(missing)} for {cls.__name__}: {dict(data)!r:.200}",
                method=cls.__name__,
                status_code=200,
                body="",
            )
        return cls(**kwargs)


class ResultList(list[T]):
    """A list result that also carries the call's warnings."""

    warnings: tuple[str, ...] = ()

    @classmethod
    def of(cls, items: list[T], warnings: tuple[str, ...] = ()) -> ResultList[T]:
        out = cls(items)
        out.warnings = warnings
        return out


def as_list(value: Any) -> list[Any]:
    """A list result, with every spelling of "empty" (None, "", {}, []) read as no items."""
    if not value:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, Mapping):
        # PHP sends a list with gaps in its keys as an object: {"0": {...}, "2": {...}}.
        if all(isinstance(k, str) and k.isdigit() for k in value):
            return list(value.values())
        # Otherwise it is one item where several were possible (sendSms to one number).
        return [value]
    return [value]


def as_dict(value: Any) -> dict[str, Any]:
    """An object result, with every spelling of "empty" read as {}."""
    if isinstance(value, Mapping):
        return dict(value)
    return {}


ModelT = TypeVar("ModelT", bound=Model)


def parse_model(cls: type[ModelT], result: Any, warnings: tuple[str, ...] = ()) -> ModelT:
    return cls.from_api(as_dict(result), warnings=warnings)


def parse_models(
    cls: type[ModelT], result: Any, warnings: tuple[str, ...] = ()
) -> ResultList[ModelT]:
    items = [cls.from_api(item) for item in as_list(result) if isinstance(item, Mapping)]
    return ResultList.of(items, warnings)
