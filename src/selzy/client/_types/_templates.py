"""Results of the template methods (§5.5)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .._model import Model


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateCreated(Model):
    """createEmailTemplate: the new template's id."""

    template_id: int
    warnings: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Template(Model):
    """An email template (getTemplate, getTemplates; listTemplates leaves out ``body``).

    ``type`` is ``user`` or ``system``. The API sends ``attachments`` as ``""`` when there are
    none; it is kept as sent.
    """

    id: int
    title: str = ""
    subject: str | None = None
    description: str | None = None
    type: str | None = None
    lang_code: str | None = None
    message_format: str | None = None
    body: str | None = None
    raw_body: str | None = None
    text_body: str | None = None
    attachments: Any = None
    screenshot_url: str | None = None
    fullsize_screenshot_url: str | None = None
    sub_user_login: str | None = None
    created: dt.datetime | None = None
    updated: dt.datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)
