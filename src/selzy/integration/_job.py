"""An import job: a checked mapping compiled into importContacts columns and a row converter.

The columns are fixed for the whole run: ``email`` and/or ``phone``, the mapped user fields,
``tags`` when mapped, and the list membership (``email_list_ids``, and ``phone_list_ids`` when
phones are subscribed). ``email_status`` is never sent: Selzy then gives new addresses the status
``new`` and leaves existing ones as they are, so a re-import never re-activates a contact who
unsubscribed or was blocked (REFERENCE §5.2), and no double opt-in letter is triggered.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from ._convert import CONVERTERS, normalise_email, normalise_phone, normalise_tags
from ._errors import InvalidValueError
from ._fields import SelzyField, SourceField
from ._mapping import FieldMapping, check_mapping
from ._records import Rejection, SourceRecord

InvalidValues = Literal["reject", "blank"]
#: How a contact that leaves the source leaves Selzy: taken out of the job's list (the account
#: keeps the contact, its other lists and its unsubscriptions), or deleted from the account.
Removal = Literal["exclude", "delete"]


@dataclass(frozen=True)
class ImportJob:
    """What to import into which list, and how; checked when created.

    Arguments:
        mapping: source field -> target (see :class:`FieldMapping`).
        list_id: the Selzy list the contacts join.
        selzy_fields: the account's user fields (getFields); they give each target its type.
        source_fields: the source's fields; when given, the mapping's types are checked too.
        subscribe_phones: add phones to the list as well (``phone_list_ids``). By default only
            when no email is mapped: subscribing phones to SMS is a separate consent.
        invalid_values: a phone or field value that cannot be converted rejects the whole row
            (``"reject"``, the default) or is sent empty (``"blank"``). A bad email always
            rejects the row: an address is never guessed.
        overwrite_tags, overwrite_lists: passed to importContacts. Leave ``overwrite_lists``
            off unless you mean it: it removes contacts from every list not in the row.
        removal: ``"exclude"`` (the default) takes a contact whose record left the source out
            of the list only; ``"delete"`` deletes it from the whole account, with its other
            lists and its unsubscription record: a person who comes back then comes back as a
            new, active subscriber. An email change always deletes the old address (its phone
            must move to the new one).

    Raises :class:`MappingError` listing every problem of the mapping.
    """

    mapping: FieldMapping
    list_id: int
    selzy_fields: tuple[SelzyField, ...]
    source_fields: tuple[SourceField, ...] | None = None
    subscribe_phones: bool | None = None
    invalid_values: InvalidValues = "reject"
    overwrite_tags: bool | None = None
    overwrite_lists: bool | None = None
    removal: Removal = "exclude"
    field_names: tuple[str, ...] = field(init=False)
    #: Whether rows carry ``phone_list_ids`` (``subscribe_phones`` resolved).
    phones_subscribed: bool = field(init=False)
    # Compiled once: the row converter runs for every record of a possibly huge source.
    _email: str | None = field(init=False, repr=False, compare=False)
    _phone: str | None = field(init=False, repr=False, compare=False)
    _list: str = field(init=False, repr=False, compare=False)
    _cells: tuple[tuple[str, str, Callable[[object], str]], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        check_mapping(self.mapping, self.source_fields, self.selzy_fields)
        if self.removal not in ("exclude", "delete"):
            raise ValueError(f"removal must be 'exclude' or 'delete', not {self.removal!r}")
        if self.invalid_values not in ("reject", "blank"):
            raise ValueError(
                f"invalid_values must be 'reject' or 'blank', not {self.invalid_values!r}"
            )
        email, phone, tags = (
            self.mapping.email_source,
            self.mapping.phone_source,
            self.mapping.tags_source,
        )
        types = {f.name: f.type for f in self.selzy_fields}
        cells = [(s, t, CONVERTERS[types[t]]) for s, t in self.mapping.user_fields.items()]
        if tags is not None:
            cells.append((tags, "tags", normalise_tags))
        phones = phone is not None and (
            email is None if self.subscribe_phones is None else self.subscribe_phones
        )
        names = [n for n, source in (("email", email), ("phone", phone)) if source is not None]
        names += [target for _, target, _ in cells]
        names += ["email_list_ids"] if email is not None else []
        names += ["phone_list_ids"] if phones else []
        for name, value in (
            ("_email", email),
            ("_phone", phone),
            ("_cells", tuple(cells)),
            ("_list", str(self.list_id)),
            ("phones_subscribed", phones),
            ("field_names", tuple(names)),
        ):
            object.__setattr__(self, name, value)

    @classmethod
    def build(
        cls,
        mapping: FieldMapping,
        selzy_fields: Iterable[SelzyField],
        *,
        list_id: int,
        source_fields: Iterable[SourceField] | None = None,
        **options: Any,
    ) -> ImportJob:
        """An :class:`ImportJob` from any iterables (the constructor wants tuples)."""
        return cls(
            mapping,
            list_id,
            tuple(selzy_fields),
            None if source_fields is None else tuple(source_fields),
            **options,
        )

    def convert(self, record: SourceRecord, position: int) -> tuple[str, ...] | Rejection:
        """The record as a row in :attr:`field_names` order, or why it cannot be sent."""
        values = record.values
        email_source, phone_source = self._email, self._phone
        email = phone = ""
        if email_source is not None:
            raw = values.get(email_source)
            try:
                email = normalise_email(raw)
            except InvalidValueError as exc:
                return _reject(record.id, position, "invalid_email", exc.reason, _raw(raw))
        if phone_source is not None:
            raw = values.get(phone_source)
            try:
                phone = normalise_phone(raw)
            except InvalidValueError as exc:
                if self.invalid_values == "reject":
                    return _reject(
                        record.id, position, "invalid_phone", exc.reason, email, _raw(raw)
                    )
        if not email and not phone:
            wanted = " or ".join(n for n in ("email", "phone") if n in self.field_names)
            return _reject(record.id, position, "no_contact", f"no {wanted}", email, phone)
        row = [email] if email_source is not None else []
        if phone_source is not None:
            row.append(phone)
        for source, target, convert in self._cells:
            try:
                row.append(convert(values.get(source)))
            except InvalidValueError as exc:
                if self.invalid_values == "reject":
                    reason = f"{source} -> {target}: {exc.reason}"
                    return _reject(record.id, position, "invalid_value", reason, email, phone)
                row.append("")
        if email_source is not None:
            row.append(self._list if email else "")
        if self.phones_subscribed:
            row.append(self._list if phone else "")
        return tuple(row)


def _raw(value: object) -> str:
    return "" if value is None else str(value).strip()[:254]


def _reject(
    source_id: Hashable, position: int, code: str, reason: str, email: str = "", phone: str = ""
) -> Rejection:
    return Rejection(source_id, position, code, reason, "local", email, phone)
