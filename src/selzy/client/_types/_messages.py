"""Results of the message and sending methods (§5.4)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .._model import Model, api_name


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageCreated(Model):
    """createEmailMessage, createSmsMessage, updateEmailMessage: the message's id.

    updateEmailMessage on a message that was already sent makes a new version with a new id;
    ``message_id`` is then that new id (None when the answer carried none).
    """

    message_id: int | None = None
    warnings: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageVersion(Model):
    """getActualMessageVersion: the version of a message that campaigns may use."""

    message_id: int
    actual_version_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageAttachment(Model):
    """getMessages: one attachment of a message."""

    name: str = ""
    size: int | None = None
    url: str | None = None
    is_inline: bool | None = field(default=None, metadata=api_name("isInline"))
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Message(Model):
    """An email or SMS message (getMessage, getMessages, listMessages).

    getMessage calls the change time ``last_update``, getMessages ``updated``; both are kept.
    SMS messages carry ``sender`` (getMessage) or ``sms_from`` (getMessages) instead of the
    email sender fields; listMessages leaves out ``body`` and ``attachments``.
    """

    id: int
    list_id: int | None = None
    service_type: str | None = None
    subject: str | None = None
    sender_name: str | None = None
    sender_email: str | None = None
    sender: str | None = None
    sms_from: str | None = None
    body: str | None = None
    text_body: str | None = None
    message_format: str | None = None
    wrap_type: str | None = None
    lang_code: str | None = None
    images_behavior: str | None = None
    active_version_id: int | None = None
    segment_id: int | None = None
    login: str | None = None
    sub_user_login: str | None = None
    created: dt.datetime | None = None
    updated: dt.datetime | None = None
    last_update: dt.datetime | None = None
    attachments: tuple[MessageAttachment, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class EmailSent(Model):
    """sendEmail: the id to ask checkEmail about (a number or a string, kept as text)."""

    email_id: str
    warnings: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class EmailStatus(Model):
    """checkEmail: the delivery status of one sent email (``ok_*``, ``err_*``, ``not_sent``)."""

    id: str
    status: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """True for the ``err_*`` statuses."""
        return self.status.startswith("err_")


@dataclass(frozen=True, slots=True, kw_only=True)
class EmailStatuses(Model):
    """checkEmail: one status per requested id.

    When exactly one id was asked for, the API also puts its status at the top level
    (``status``); it is None otherwise.
    """

    statuses: tuple[EmailStatus, ...] = ()
    status: str | None = None
    failed_email_id: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def by_id(self) -> dict[str, str]:
        """``{email_id: status}`` for every status reported."""
        return {s.id: s.status for s in self.statuses}


@dataclass(frozen=True, slots=True, kw_only=True)
class SmsSent(Model):
    """sendSms: one SMS accepted for sending (``sms_id`` may look like ``2376678.7909``)."""

    sms_id: str
    currency: str | None = None
    price: float | None = None
    phone: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class SmsStatus(Model):
    """checkSms: the delivery status of one SMS."""

    status: str = ""
    warnings: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class TestEmailResult(Model):
    """sendTestEmail: which recipients the test letter went to.

    The answer's shape is UNCONFIRMED; one library types it ``{"<email>": {"success": bool}}``.
    ``recipients`` holds that per-address outcome when the answer has this shape; anything else
    the answer holds is kept in ``extra``.
    """

    __test__ = False  # not a pytest test class, despite the name

    recipients: dict[str, bool] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def all_succeeded(self) -> bool:
        """True when every recipient the answer names was reported a success."""
        return all(self.recipients.values())


@dataclass(frozen=True, slots=True, kw_only=True)
class WebVersion(Model):
    """getWebVersion: the link to a campaign letter's web version."""

    letter_id: int | None = None
    web_letter_link: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
