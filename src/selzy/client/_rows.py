"""importContacts rows: each built positionally from ``field_names``, at most 500 a call.

A row is either a mapping keyed by field name or a sequence in ``field_names`` order. A value the
row lacks becomes ``""`` in its own column, so a missing value never shifts the others (the bug
of rows built by dropping empty cells).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from selzy.protocol import MAX_IMPORT_ROWS

from ._encoding import Rows, wire_text
from ._exceptions import BatchTooLargeError, ClientValidationError

Row = Mapping[str, Any] | Sequence[Any]


def check_field_names(field_names: Sequence[str]) -> tuple[str, ...]:
    """The columns as a tuple, refused when they name neither email nor phone or repeat one."""
    names = tuple(field_names)
    if "email" not in names and "phone" not in names:
        raise ClientValidationError("field_names must include 'email' or 'phone' (importContacts)")
    if len(set(names)) != len(names):
        raise ClientValidationError(f"field_names repeats a column: {list(names)}")
    return names


def build_row(field_names: tuple[str, ...], row: Row, position: int) -> tuple[str, ...]:
    """The row's cells in ``field_names`` order."""
    if isinstance(row, Mapping):
        get = row.get
        return tuple([wire_text(get(name)) for name in field_names])
    if isinstance(row, str | bytes) or not isinstance(row, Sequence):
        raise ClientValidationError(
            f"Row {position} is a {type(row).__name__}; give a mapping or a sequence of values"
        )
    if len(row) > len(field_names):
        raise ClientValidationError(
            f"Row {position} has {len(row)} values for {len(field_names)} field_names; "
            "nothing was sent"
        )
    cells = [wire_text(v) for v in row]
    cells.extend([""] * (len(field_names) - len(cells)))
    return tuple(cells)


def build_rows(field_names: tuple[str, ...], rows: Iterable[Row]) -> Rows:
    """Up to 500 rows, checked and built, ready for the encoder."""
    built = Rows(build_row(field_names, row, i) for i, row in enumerate(rows))
    if len(built) > MAX_IMPORT_ROWS:
        raise BatchTooLargeError(len(built), MAX_IMPORT_ROWS)
    return built
