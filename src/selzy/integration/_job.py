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

from ._convert import converters, normalise_email, normalise_tags
from ._dates import DateFormat
from ._errors import InvalidValueError
from ._fields import SelzyField, SourceField
from ._mapping import FieldMapping, check_mapping
from ._phones import Country, country, normalise_phone
from ._records import Rejection, SourceRecord

InvalidValues = Literal["drop", "reject"]
#: The code of the note a contact imported without one of its values carries.
VALUE_DROPPED = "value_dropped"
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
        invalid_values: a phone or field value that cannot be converted is sent empty and the
            contact imported, with a ``value_dropped`` note saying which value and why
            (``"drop"``, the default), or rejects the whole row (``"reject"``, strict). A bad
            email always rejects the row, and so does a bad phone when it is the row's only
            address: an address is never guessed.
        decimal_comma: numbers are written with a decimal comma (``1 234,56``).
        date_format: the order of dates written with slashes or without a year, e.g.
            ``"MM/DD/YYYY"``, ``"DD.MM.YYYY"``, ``"MM/DD"`` (see :class:`DateFormat`); None
            reads Selzy's formats, ISO 8601 and unambiguous slashed dates.
        phone_country: the country of national phone numbers (``"RU"``: ``8 912 345-67-89``
            is ``+79123456789``); see ``PHONE_COUNTRIES``.
        id_name: what the source's ids are, in reasons that name another record (``"line"``
            for a file: "replaced by line 12").
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
    invalid_values: InvalidValues = "drop"
    overwrite_tags: bool | None = None
    overwrite_lists: bool | None = None
    decimal_comma: bool = False
    date_format: str | None = None
    phone_country: str | None = None
    id_name: str = "record"
    removal: Removal = "exclude"
    field_names: tuple[str, ...] = field(init=False)
    #: Whether rows carry ``phone_list_ids`` (``subscribe_phones`` resolved).
    phones_subscribed: bool = field(init=False)
    # Compiled once: the row converter runs for every record of a possibly huge source.
    _email: str | None = field(init=False, repr=False, compare=False)
    _phone: str | None = field(init=False, repr=False, compare=False)
    _list: str = field(init=False, repr=False, compare=False)
    _country: Country | None = field(init=False, repr=False, compare=False)
    _cells: tuple[tuple[str, str, Callable[[object], str]], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        check_mapping(self.mapping, self.source_fields, self.selzy_fields)
        if self.removal not in ("exclude", "delete"):
            raise ValueError(f"removal must be 'exclude' or 'delete', not {self.removal!r}")
        if self.invalid_values not in ("drop", "reject"):
            raise ValueError(
                f"invalid_values must be 'drop' or 'reject', not {self.invalid_values!r}"
            )
        # Both raise a ValueError saying what to write instead.
        date_format = None if self.date_format is None else DateFormat.parse(self.date_format)
        home = None if self.phone_country is None else country(self.phone_country)
        convert = converters(decimal_comma=self.decimal_comma, date_format=date_format)
        email, phone, tags = (
            self.mapping.email_source,
            self.mapping.phone_source,
            self.mapping.tags_source,
        )
        types = {f.name: f.type for f in self.selzy_fields}
        cells = [(s, t, convert[types[t]]) for s, t in self.mapping.user_fields.items()]
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
            ("_country", home),
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
        return self.convert_noted(record, position)[0]

    def convert_noted(
        self, record: SourceRecord, position: int
    ) -> tuple[tuple[str, ...] | Rejection, Rejection | None]:
        """:meth:`convert`, and the ``value_dropped`` note of the values left out (or None)."""
        values = record.values
        email_source, phone_source = self._email, self._phone
        email = phone = ""
        dropped: list[str] = []
        if email_source is not None:
            raw = values.get(email_source)
            try:
                email = normalise_email(raw)
            except InvalidValueError as exc:
                return _reject(record.id, position, "invalid_email", exc.reason, _raw(raw)), None
        if phone_source is not None:
            raw = values.get(phone_source)
            try:
                phone = normalise_phone(raw, country_code=self._country)
            except InvalidValueError as exc:
                if self.invalid_values == "reject" or not email:
                    reason = exc.reason
                    rejection = _reject(
                        record.id, position, "invalid_phone", reason, email, _raw(raw)
                    )
                    return rejection, None
                dropped.append(f"{phone_source} -> phone: {exc.reason}")
        if not email and not phone:
            wanted = " or ".join(n for n in ("email", "phone") if n in self.field_names)
            return _reject(record.id, position, "no_contact", f"no {wanted}", email, phone), None
        row = [email] if email_source is not None else []
        if phone_source is not None:
            row.append(phone)
        for source, target, convert in self._cells:
            try:
                row.append(convert(values.get(source)))
            except InvalidValueError as exc:
                reason = f"{source} -> {target}: {exc.reason}"
                if self.invalid_values == "reject":
                    return _reject(record.id, position, "invalid_value", reason, email, phone), None
                dropped.append(reason)
                row.append("")
        if email_source is not None:
            row.append(self._list if email else "")
        if self.phones_subscribed:
            row.append(self._list if phone else "")
        if not dropped:
            return tuple(row), None
        reason = "; ".join(dropped) + " (sent empty; the rest of the row was imported)"
        return tuple(row), _reject(record.id, position, VALUE_DROPPED, reason, email, phone)


def _raw(value: object) -> str:
    return "" if value is None else str(value).strip()[:254]


def _reject(
    source_id: Hashable, position: int, code: str, reason: str, email: str = "", phone: str = ""
) -> Rejection:
    return Rejection(source_id, position, code, reason, "local", email, phone)
