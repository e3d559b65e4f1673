"""Contacts: subscribe, exclude, import and export (§5.2)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from .._encoding import comma_list
from .._exceptions import ClientValidationError
from .._model import parse_model
from .._rows import Row, build_rows, check_field_names
from .._types._contacts import (
    Contact,
    ExportedContacts,
    FieldValues,
    ImportResult,
    Subscribed,
    TaskStarted,
)
from ._base import AsyncAPIBase, params

IdList = str | int | Iterable[str | int]


class AsyncContactMethods(AsyncAPIBase):
    """Adding, updating, removing and exporting contacts."""

    async def subscribe(
        self,
        *,
        list_ids: IdList,
        fields: Mapping[str, Any],
        tags: str | Iterable[str] | None = None,
        double_optin: Literal[0, 3, 4] | None = None,
        overwrite: Literal[0, 1, 2] | None = None,
    ) -> Subscribed:
        """subscribe: add one contact to lists. ``fields`` must hold ``email`` or ``phone``.

        ``double_optin=3`` adds a contact whose consent you already have without a letter;
        0 and 4 send the list's confirmation letter.
        """
        if "email" not in fields and "phone" not in fields:
            raise ClientValidationError("subscribe needs fields['email'] or fields['phone']")
        response = await self.request(
            "subscribe",
            params(
                list_ids=comma_list(list_ids),
                fields=dict(fields),
                tags=comma_list(tags),
                double_optin=double_optin,
                overwrite=overwrite,
            ),
        )
        return parse_model(Subscribed, response.result, response.warnings)

    async def exclude(
        self,
        *,
        contact_type: Literal["email", "phone"],
        contact: str,
        list_ids: IdList | None = None,
    ) -> None:
        """exclude: take a contact out of lists (all when omitted) without unsubscribing it."""
        await self.request(
            "exclude",
            params(contact_type=contact_type, contact=contact, list_ids=comma_list(list_ids)),
        )

    async def unsubscribe(
        self,
        *,
        contact_type: Literal["email", "phone"],
        contact: str,
        list_ids: IdList | None = None,
    ) -> None:
        """unsubscribe: mark a contact unsubscribed (only the contact can undo it)."""
        await self.request(
            "unsubscribe",
            params(contact_type=contact_type, contact=contact, list_ids=comma_list(list_ids)),
        )

    async def import_contacts(
        self,
        *,
        field_names: Sequence[str],
        data: Iterable[Row],
        overwrite_tags: bool | None = None,
        overwrite_lists: bool | None = None,
    ) -> ImportResult:
        """importContacts: create, update or delete up to 500 contacts in one call.

        Each row of ``data`` is a sequence in ``field_names`` order or a mapping by field name;
        missing values are sent as empty strings in their own column. More than 500 rows raise
        :class:`BatchTooLargeError` before anything is sent: for more, use the integration
        engine (:mod:`selzy.integration`, or the ``selzy import`` command), which splits,
        resumes and reports.
        """
        names = check_field_names(field_names)
        rows = build_rows(names, data)
        response = await self.request(
            "importContacts",
            params(
                field_names=list(names),
                data=rows,
                overwrite_tags=overwrite_tags,
                overwrite_lists=overwrite_lists,
            ),
        )
        return parse_model(ImportResult, response.result, response.warnings)

    async def export_contacts(
        self,
        *,
        list_id: int | None = None,
        field_names: Sequence[str] | None = None,
        notify_url: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        tag: str | None = None,
        email_status: str | None = None,
        phone_status: str | None = None,
    ) -> TaskStarted:
        """async/exportContacts: start an export; poll :meth:`get_task_result` for the file."""
        response = await self.request(
            "async/exportContacts",
            params(
                notify_url=notify_url,
                list_id=list_id,
                field_names=list(field_names) if field_names is not None else None,
                email=email,
                phone=phone,
                tag=tag,
                email_status=email_status,
                phone_status=phone_status,
            ),
        )
        return parse_model(TaskStarted, response.result, response.warnings)

    async def export_contacts_legacy(
        self,
        *,
        list_id: int | None = None,
        field_names: Sequence[str] | None = None,
        offset: int | None = None,
        limit: int | None = None,
        tag: str | None = None,
        email: str | None = None,
        email_status: str | None = None,
        phone: str | None = None,
        phone_status: str | None = None,
    ) -> ExportedContacts:
        """exportContacts (synchronous, legacy): up to 1,000 rows per call via offset/limit."""
        if limit is not None and not 1 <= limit <= 1000:
            raise ClientValidationError("exportContacts limit must be between 1 and 1000")
        response = await self.request(
            "exportContacts",
            params(
                list_id=list_id,
                field_names=list(field_names) if field_names is not None else None,
                offset=offset,
                limit=limit,
                tag=tag,
                email=email,
                email_status=email_status,
                phone=phone,
                phone_status=phone_status,
            ),
        )
        return parse_model(ExportedContacts, response.result, response.warnings)

    async def get_contact(
        self,
        *,
        email: str,
        include_lists: bool | None = None,
        include_fields: bool | None = None,
        include_details: bool | None = None,
    ) -> Contact:
        """getContact: one contact, with its lists, fields and activity when asked."""
        response = await self.request(
            "getContact",
            params(
                email=email,
                include_lists=include_lists,
                include_fields=include_fields,
                include_details=include_details,
            ),
        )
        result = response.result if isinstance(response.result, dict) else {}
        email_part = result.get("email")
        if isinstance(email_part, dict):
            # Some clients saw lists and fields nested inside "email": accept both places.
            result = {
                "lists": email_part.get("lists"),
                "fields": email_part.get("fields"),
                **{k: v for k, v in result.items() if v is not None},
            }
        return parse_model(Contact, result, response.warnings)

    async def is_contact_in_lists(
        self, *, email: str, list_ids: IdList, condition: Literal["or", "and"] = "or"
    ) -> bool:
        """isContactInLists: True when the address is in any (``or``) or all (``and``) lists."""
        response = await self.request(
            "isContactInLists",
            params(email=email, list_ids=comma_list(list_ids), condition=condition),
        )
        return bool(response.result)

    async def get_contact_field_values(self, *, email: str, field_ids: IdList) -> FieldValues:
        """getContactFieldValues: the contact's values of the given user fields."""
        response = await self.request(
            "getContactFieldValues", params(email=email, field_ids=comma_list(field_ids))
        )
        return parse_model(FieldValues, response.result, response.warnings)
