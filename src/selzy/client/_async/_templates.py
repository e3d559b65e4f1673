"""Email templates (§5.5)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from .._exceptions import ClientValidationError
from .._model import ResultList, parse_model, parse_models
from .._types._templates import Template, TemplateCreated
from ._base import AsyncAPIBase, params

MessageFormat = Literal["block", "raw_html", "text"]
TemplateType = Literal["user", "system"]


def _check_limit(limit: int | None) -> None:
    if limit is not None and not 1 <= limit <= 100:
        raise ClientValidationError(f"limit must be between 1 and 100, got {limit}")


class AsyncTemplateMethods(AsyncAPIBase):
    """Email templates: create, change, remove, read."""

    async def create_email_template(
        self,
        *,
        title: str,
        subject: str,
        body: str,
        lang: str | None = None,
        message_format: MessageFormat | None = None,
        text_body: str | None = None,
        raw_body: str | None = None,
        description: str | None = None,
    ) -> TemplateCreated:
        """createEmailTemplate: a reusable template for createEmailMessage's ``template_id``."""
        if not title or not title.strip():
            raise ClientValidationError("A template needs a title")
        response = await self.request(
            "createEmailTemplate",
            params(
                title=title,
                subject=subject,
                body=body,
                lang=lang,
                message_format=message_format,
                text_body=text_body,
                raw_body=raw_body,
                description=description,
            ),
        )
        return parse_model(TemplateCreated, response.result, response.warnings)

    async def update_email_template(
        self,
        *,
        template_id: int,
        title: str | None = None,
        subject: str | None = None,
        body: str | None = None,
        text_body: str | None = None,
        raw_body: str | None = None,
        lang: str | None = None,
        description: str | None = None,
        message_format: MessageFormat | None = None,
    ) -> None:
        """updateEmailTemplate: change a template; only the arguments given are changed."""
        await self.request(
            "updateEmailTemplate",
            params(
                template_id=template_id,
                title=title,
                subject=subject,
                body=body,
                text_body=text_body,
                raw_body=raw_body,
                lang=lang,
                description=description,
                message_format=message_format,
            ),
        )

    async def delete_template(self, *, template_id: int) -> None:
        """deleteTemplate: remove a template."""
        await self.request("deleteTemplate", params(template_id=template_id))

    async def get_template(
        self, *, template_id: int | None = None, system_template_id: int | None = None
    ) -> Template:
        """getTemplate: one user template (``template_id``) or system template."""
        if (template_id is None) == (system_template_id is None):
            raise ClientValidationError("Give exactly one of template_id and system_template_id")
        response = await self.request(
            "getTemplate",
            params(template_id=template_id, system_template_id=system_template_id),
        )
        return parse_model(Template, response.result, response.warnings)

    async def get_templates(
        self,
        *,
        type: TemplateType | None = None,
        date_from: dt.datetime | str | None = None,
        date_to: dt.datetime | str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> ResultList[Template]:
        """getTemplates: templates with their bodies, created between the times (UTC).

        ``type="system"`` lists system templates (the date filter does not apply to them);
        ``limit`` is 1-100 (the API's default 50).
        """
        _check_limit(limit)
        response = await self.request(
            "getTemplates",
            params(type=type, date_from=date_from, date_to=date_to, limit=limit, offset=offset),
        )
        return parse_models(Template, response.result, response.warnings)

    async def list_templates(
        self,
        *,
        type: TemplateType | None = None,
        date_from: dt.datetime | str | None = None,
        date_to: dt.datetime | str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> ResultList[Template]:
        """listTemplates: like getTemplates, without the bodies. Page until an empty list."""
        _check_limit(limit)
        response = await self.request(
            "listTemplates",
            params(type=type, date_from=date_from, date_to=date_to, limit=limit, offset=offset),
        )
        return parse_models(Template, response.result, response.warnings)
