"""Lists, user fields and tags (§5.1, §5.3)."""

from __future__ import annotations

from typing import Literal

from selzy.protocol import FIELD_NAME_PATTERN, FIELD_TYPES

from .._exceptions import ClientValidationError
from .._model import ResultList, parse_model, parse_models
from .._types._lists import ContactCount, CreatedId, Field, MailingList, Tag, TotalContactsCount
from ._base import AsyncAPIBase, params

FieldType = Literal["string", "text", "number", "date", "bool"]


def _check_field(name: str, type_: str | None) -> None:
    if not FIELD_NAME_PATTERN.fullmatch(name):
        raise ClientValidationError(
            f"Field name {name!r} is not allowed: use Latin letters, digits and _, "
            "starting with a letter, no spaces"
        )
    if type_ is not None and type_ not in FIELD_TYPES:
        raise ClientValidationError(
            f"Field type {type_!r} is unknown; Selzy has {', '.join(FIELD_TYPES)}"
        )


class AsyncListMethods(AsyncAPIBase):
    """Mailing lists, user fields and tags."""

    async def get_lists(self) -> ResultList[MailingList]:
        """getLists: every mailing list of the account (also the guidelines' key check)."""
        response = await self.request("getLists")
        return parse_models(MailingList, response.result, response.warnings)

    async def create_list(
        self,
        *,
        title: str,
        before_subscribe_url: str | None = None,
        after_subscribe_url: str | None = None,
    ) -> CreatedId:
        """createList: a new list; ``title`` must be unique within the account."""
        if not title or not title.strip():
            raise ClientValidationError("A list needs a title")
        response = await self.request(
            "createList",
            params(
                title=title,
                before_subscribe_url=before_subscribe_url,
                after_subscribe_url=after_subscribe_url,
            ),
        )
        return parse_model(CreatedId, response.result, response.warnings)

    async def update_list(
        self,
        *,
        list_id: int,
        title: str | None = None,
        before_subscribe_url: str | None = None,
        after_subscribe_url: str | None = None,
    ) -> None:
        """updateList: rename a list or change its redirect pages."""
        await self.request(
            "updateList",
            params(
                list_id=list_id,
                title=title,
                before_subscribe_url=before_subscribe_url,
                after_subscribe_url=after_subscribe_url,
            ),
        )

    async def delete_list(self, *, list_id: int) -> None:
        """deleteList: remove a list."""
        await self.request("deleteList", params(list_id=list_id))

    async def get_contact_count(
        self,
        *,
        list_id: int,
        tag_id: int | None = None,
        type: Literal["address", "phone"] | None = None,
        search: str | None = None,
    ) -> ContactCount:
        """getContactCount: contacts of a list, filtered by tag and/or type (``params[...]``)."""
        filters = params(tagId=tag_id, type=type, search=search)
        response = await self.request(
            "getContactCount", params(list_id=list_id, params=filters or None)
        )
        return parse_model(ContactCount, response.result, response.warnings)

    async def get_total_contacts_count(self, *, login: str) -> TotalContactsCount:
        """getTotalContactsCount: the size of the account's whole contact base."""
        response = await self.request("getTotalContactsCount", params(login=login))
        return parse_model(TotalContactsCount, response.result, response.warnings)

    async def get_fields(self) -> ResultList[Field]:
        """getFields: the account's user fields."""
        response = await self.request("getFields")
        return parse_models(Field, response.result, response.warnings)

    async def create_field(
        self, *, name: str, type: FieldType, public_name: str | None = None
    ) -> CreatedId:
        """createField: a user field (at most 50 per account)."""
        _check_field(name, type)
        response = await self.request(
            "createField", params(name=name, type=type, public_name=public_name)
        )
        return parse_model(CreatedId, response.result, response.warnings)

    async def update_field(
        self, *, id: int, name: str, public_name: str | None = None
    ) -> CreatedId:
        """updateField: rename a user field."""
        _check_field(name, None)
        response = await self.request(
            "updateField", params(id=id, name=name, public_name=public_name)
        )
        return parse_model(CreatedId, {"id": id, **_dict(response.result)}, response.warnings)

    async def delete_field(self, *, id: int) -> None:
        """deleteField: remove a user field and its values."""
        await self.request("deleteField", params(id=id))

    async def get_tags(self) -> ResultList[Tag]:
        """getTags: the account's contact tags."""
        response = await self.request("getTags")
        return parse_models(Tag, response.result, response.warnings)

    async def delete_tag(self, *, id: int) -> None:
        """deleteTag: remove a tag from the account."""
        await self.request("deleteTag", params(id=id))


def _dict(result: object) -> dict[str, object]:
    return dict(result) if isinstance(result, dict) else {}
