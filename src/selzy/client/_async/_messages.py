"""Email and SMS messages, and sending them one by one (§5.4)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from selzy.protocol import (
    MAX_ATTACHMENT_BYTES,
    MAX_CHECK_EMAIL_IDS,
    MAX_MESSAGE_BYTES,
    MAX_SEND_EMAIL_BYTES,
    MAX_SMS_PHONES,
    MAX_SMS_TEXT_CHARS,
    MAX_TEST_EMAIL_RECIPIENTS,
    START_TIME_FORMAT,
)

from .._encoding import comma_list
from .._exceptions import AttachmentTooLargeError, ClientValidationError
from .._model import ResultList, as_dict, parse_model, parse_models
from .._types._messages import (
    EmailSent,
    EmailStatuses,
    Message,
    MessageCreated,
    MessageVersion,
    SmsSent,
    SmsStatus,
    TestEmailResult,
    WebVersion,
)
from ._base import AsyncAPIBase, params

MessageFormat = Literal["block", "raw_html", "text"]
WrapType = Literal["skip", "right", "left", "center"]
DateArg = dt.datetime | str

# Deliberately loose: it catches typos (no @, spaces, no dot in the domain), not every
# address the server would refuse.
_EMAIL = re.compile(r"[^@\s,<>]+@[^@\s,<>]+\.[^@\s,<>]+")


def _check_sender_name(sender_name: str | None) -> None:
    if sender_name is not None and _EMAIL.fullmatch(sender_name.strip()):
        raise ClientValidationError(
            f"sender_name must be a name, not an email address (got {sender_name!r}); "
            "the address goes in sender_email"
        )


def _check_attachments(attachments: Mapping[str, bytes] | None) -> dict[str, bytes] | None:
    """The attachments as sent (raw bytes, in the caller's order), each within 500 KB."""
    if attachments is None:
        return None
    if not isinstance(attachments, Mapping):
        raise ClientValidationError("attachments must be a mapping of file name to bytes")
    checked: dict[str, bytes] = {}
    for filename, content in attachments.items():
        if not isinstance(filename, str) or not filename.strip():
            raise ClientValidationError(
                f"Attachment names must be non-empty strings, got {filename!r}"
            )
        if not isinstance(content, bytes | bytearray | memoryview):
            raise ClientValidationError(
                f"Attachment {filename!r} must be bytes (the file's raw content, not base64 "
                f"or a path), got {type(content).__name__}"
            )
        data = bytes(content)
        if len(data) > MAX_ATTACHMENT_BYTES:
            raise AttachmentTooLargeError(filename, len(data), MAX_ATTACHMENT_BYTES)
        checked[filename] = data
    return checked


def _check_message_size(
    method: str,
    limit: int,
    attachments: Mapping[str, bytes] | None,
    *texts: str | None,
) -> None:
    size = sum(len(t.encode("utf-8")) for t in texts if t)
    size += sum(len(a) for a in (attachments or {}).values())
    if size > limit:
        raise ClientValidationError(
            f"{method}: the message is {size:,} bytes with its attachments; Selzy accepts at "
            f"most {limit:,}. Nothing was sent."
        )


def _check_limit(limit: int | None) -> None:
    if limit is not None and not 1 <= limit <= 100:
        raise ClientValidationError(f"limit must be between 1 and 100, got {limit}")


def _minutes(value: DateArg | None) -> str | None:
    """A ``YYYY-MM-DD hh:mm`` (UTC) argument: aware datetimes are converted to UTC first."""
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime(START_TIME_FORMAT)


def _addresses(email: str | Iterable[str]) -> list[str]:
    items = email.split(",") if isinstance(email, str) else list(email)
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ClientValidationError(f"Email addresses must be strings, got {item!r}")
        address = item.strip()
        if not _EMAIL.fullmatch(address):
            raise ClientValidationError(f"{item!r} is not an email address")
        out.append(address)
    return out


class AsyncMessageMethods(AsyncAPIBase):
    """Email and SMS messages, test letters and single sends."""

    async def create_email_message(
        self,
        *,
        sender_name: str,
        sender_email: str,
        subject: str | None = None,
        body: str | None = None,
        list_id: int,
        text_body: str | None = None,
        generate_text: bool | None = None,
        raw_body: str | None = None,
        message_format: MessageFormat | None = None,
        tag: str | None = None,
        attachments: Mapping[str, bytes] | None = None,
        lang: str | None = None,
        template_id: int | None = None,
        system_template_id: int | None = None,
        wrap_type: WrapType | None = None,
        categories: str | Iterable[str] | None = None,
    ) -> MessageCreated:
        """createEmailMessage: an email for a later campaign to ``list_id`` (nothing is sent).

        ``sender_email`` must be a confirmed sender (see :meth:`validate_sender`).
        ``attachments`` maps file names to raw bytes, sent in that order; each may be at most
        500 KB (:class:`AttachmentTooLargeError` otherwise) and the whole message at most 8 MB,
        both checked before anything is sent. Inline images are referenced as ``src="N_name"``
        with N the attachment's 1-based position. ``subject`` and ``body`` may be left out
        when a template supplies them.
        """
        _check_sender_name(sender_name)
        if template_id is not None and system_template_id is not None:
            raise ClientValidationError("Give template_id or system_template_id, not both")
        if template_id is None and system_template_id is None and (not subject or not body):
            raise ClientValidationError(
                "createEmailMessage needs subject and body unless a template supplies them"
            )
        files = _check_attachments(attachments)
        _check_message_size(
            "createEmailMessage", MAX_MESSAGE_BYTES, files, subject, body, text_body, raw_body
        )
        response = await self.request(
            "createEmailMessage",
            params(
                sender_name=sender_name,
                sender_email=sender_email,
                subject=subject,
                body=body,
                list_id=list_id,
                text_body=text_body,
                generate_text=generate_text,
                raw_body=raw_body,
                message_format=message_format,
                tag=tag,
                attachments=files or None,
                lang=lang,
                template_id=template_id,
                system_template_id=system_template_id,
                wrap_type=wrap_type,
                categories=comma_list(categories),
            ),
        )
        return parse_model(MessageCreated, response.result, response.warnings)

    async def update_email_message(
        self,
        *,
        id: int,
        sender_name: str | None = None,
        sender_email: str | None = None,
        subject: str | None = None,
        body: str | None = None,
        list_id: int | None = None,
        message_format: MessageFormat | None = None,
        lang: str | None = None,
        text_body: str | None = None,
        raw_body: str | None = None,
        categories: str | Iterable[str] | None = None,
    ) -> MessageCreated:
        """updateEmailMessage: change a message; only the arguments given are changed.

        Editing a message that was already sent creates a new version: use the returned
        ``message_id`` (or :meth:`get_actual_message_version`) for the next campaign.
        """
        _check_sender_name(sender_name)
        _check_message_size(
            "updateEmailMessage", MAX_MESSAGE_BYTES, None, subject, body, text_body, raw_body
        )
        response = await self.request(
            "updateEmailMessage",
            params(
                id=id,
                sender_name=sender_name,
                sender_email=sender_email,
                subject=subject,
                body=body,
                list_id=list_id,
                message_format=message_format,
                lang=lang,
                text_body=text_body,
                raw_body=raw_body,
                categories=comma_list(categories),
            ),
        )
        return parse_model(MessageCreated, response.result, response.warnings)

    async def get_actual_message_version(self, *, message_id: int) -> MessageVersion:
        """getActualMessageVersion: the current version of a message (only it can be sent)."""
        response = await self.request("getActualMessageVersion", params(message_id=message_id))
        result = {"message_id": message_id, **as_dict(response.result)}
        return parse_model(MessageVersion, result, response.warnings)

    async def delete_message(self, *, message_id: int) -> None:
        """deleteMessage: remove a message."""
        await self.request("deleteMessage", params(message_id=message_id))

    async def get_message(self, *, id: int | Iterable[int]) -> ResultList[Message]:
        """getMessage: one message (or several, given several ids), with its body."""
        ids = id if isinstance(id, int) else list(id)
        response = await self.request("getMessage", params(id=ids))
        return parse_models(Message, response.result, response.warnings)

    async def get_messages(
        self,
        *,
        date_from: DateArg,
        date_to: DateArg,
        limit: int | None = None,
        offset: int | None = None,
    ) -> ResultList[Message]:
        """getMessages: messages created between the two times (UTC), with bodies.

        ``limit`` is 1-100 (the API's default 50); page with ``offset``.
        """
        _check_limit(limit)
        response = await self.request(
            "getMessages",
            params(
                date_from=_minutes(date_from),
                date_to=_minutes(date_to),
                limit=limit,
                offset=offset,
            ),
        )
        return parse_models(Message, response.result, response.warnings)

    async def list_messages(
        self,
        *,
        date_from: DateArg,
        date_to: DateArg,
        limit: int | None = None,
        offset: int | None = None,
    ) -> ResultList[Message]:
        """listMessages: like getMessages but without bodies and attachments."""
        _check_limit(limit)
        response = await self.request(
            "listMessages",
            params(date_from=date_from, date_to=date_to, limit=limit, offset=offset),
        )
        return parse_models(Message, response.result, response.warnings)

    async def create_sms_message(
        self,
        *,
        sender: str,
        body: str,
        list_id: int,
        tag: str | None = None,
        categories: str | Iterable[str] | None = None,
    ) -> MessageCreated:
        """createSmsMessage: an SMS for a later campaign; ``sender`` is a registered name."""
        response = await self.request(
            "createSmsMessage",
            params(
                sender=sender,
                body=body,
                list_id=list_id,
                tag=tag,
                categories=comma_list(categories),
            ),
        )
        return parse_model(MessageCreated, response.result, response.warnings)

    async def send_email(
        self,
        *,
        email: str,
        sender_name: str,
        sender_email: str,
        subject: str,
        body: str,
        list_id: int,
        attachments: Mapping[str, bytes] | None = None,
        lang: str | None = None,
        track_read: bool | None = None,
        track_links: bool | None = None,
        cc: str | None = None,
        headers: str | Mapping[str, str] | None = None,
        wrap_type: WrapType | None = None,
        images_as: Literal["attachments", "only_links", "user_default"] | None = None,
        error_checking: bool | None = None,
        metadata: Mapping[str, str] | None = None,
        ref_key: str | None = None,
    ) -> EmailSent:
        """sendEmail: one individual email to ``email`` (60 calls a minute, 1 MB at most).

        Not retried after an ambiguous failure (it could send twice). ``attachments`` as in
        :meth:`create_email_message`; ``metadata`` is echoed back in webhooks.
        """
        _check_sender_name(sender_name)
        files = _check_attachments(attachments)
        _check_message_size("sendEmail", MAX_SEND_EMAIL_BYTES, files, subject, body)
        response = await self.request(
            "sendEmail",
            params(
                email=email,
                sender_name=sender_name,
                sender_email=sender_email,
                subject=subject,
                body=body,
                list_id=list_id,
                attachments=files or None,
                lang=lang,
                track_read=track_read,
                track_links=track_links,
                cc=cc,
                headers=dict(headers) if isinstance(headers, Mapping) else headers,
                wrap_type=wrap_type,
                images_as=images_as,
                error_checking=error_checking,
                metadata=dict(metadata) if metadata is not None else None,
                ref_key=ref_key,
            ),
        )
        return parse_model(EmailSent, response.result, response.warnings)

    async def check_email(self, *, email_id: str | int | Iterable[str | int]) -> EmailStatuses:
        """checkEmail: the delivery status of up to 500 emails sent with sendEmail."""
        ids = comma_list(email_id) or ""
        count = len([i for i in ids.split(",") if i.strip()])
        if count == 0:
            raise ClientValidationError("checkEmail needs at least one email_id")
        if count > MAX_CHECK_EMAIL_IDS:
            raise ClientValidationError(
                f"checkEmail takes at most {MAX_CHECK_EMAIL_IDS} ids per call, got {count}"
            )
        response = await self.request("checkEmail", params(email_id=ids))
        return parse_model(EmailStatuses, response.result, response.warnings)

    async def send_sms(
        self, *, phone: str | Iterable[str], sender: str, text: str
    ) -> ResultList[SmsSent]:
        """sendSms: one SMS to up to 150 numbers; one result per number, always as a list.

        The API answers an object for one number and an array for several; both are a list here.
        """
        phones = comma_list(phone) or ""
        count = len([p for p in phones.split(",") if p.strip()])
        if count == 0:
            raise ClientValidationError("sendSms needs at least one phone number")
        if count > MAX_SMS_PHONES:
            raise ClientValidationError(
                f"sendSms takes at most {MAX_SMS_PHONES} numbers per call, got {count}"
            )
        if len(text) > MAX_SMS_TEXT_CHARS:
            raise ClientValidationError(
                f"An SMS text may have at most {MAX_SMS_TEXT_CHARS} characters, got {len(text)}"
            )
        response = await self.request("sendSms", params(phone=phones, sender=sender, text=text))
        # One number gets a bare object, several an array: parse_models reads both as a list.
        return parse_models(SmsSent, response.result, response.warnings)

    async def check_sms(self, *, sms_id: str | int) -> SmsStatus:
        """checkSms: the delivery status of one SMS."""
        response = await self.request("checkSms", params(sms_id=sms_id))
        return parse_model(SmsStatus, response.result, response.warnings)

    async def send_test_email(self, *, id: int, email: str | Iterable[str]) -> TestEmailResult:
        """sendTestEmail: send message ``id`` to a few addresses so its look can be checked.

        ``email`` is one address, a comma-separated string or an iterable; at most 10
        addresses (the cap is UNCONFIRMED, the emulator's), checked before sending.
        """
        addresses = _addresses(email)
        if not addresses:
            raise ClientValidationError("sendTestEmail needs at least one address")
        if len(addresses) > MAX_TEST_EMAIL_RECIPIENTS:
            raise ClientValidationError(
                f"sendTestEmail takes at most {MAX_TEST_EMAIL_RECIPIENTS} addresses per call, "
                f"got {len(addresses)}"
            )
        response = await self.request("sendTestEmail", params(id=id, email=comma_list(addresses)))
        recipients: dict[str, bool] = {}
        extra: dict[str, Any] = {}
        for key, value in as_dict(response.result).items():
            if isinstance(value, Mapping) and "success" in value:
                recipients[key] = bool(value["success"])
            else:
                extra[key] = value
        return TestEmailResult(recipients=recipients, warnings=response.warnings, extra=extra)

    async def update_opt_in_email(
        self,
        *,
        list_id: int,
        sender_name: str,
        sender_email: str,
        subject: str,
        body: str,
    ) -> None:
        """updateOptInEmail: the confirmation letter of a list (double opt-in).

        ``body`` must contain a link with ``href="{{ConfirmUrl}}"``; attachments are not
        supported.
        """
        _check_sender_name(sender_name)
        if "{{ConfirmUrl}}" not in body:
            raise ClientValidationError(
                'The opt-in letter body needs a link with href="{{ConfirmUrl}}"'
            )
        await self.request(
            "updateOptInEmail",
            params(
                list_id=list_id,
                sender_name=sender_name,
                sender_email=sender_email,
                subject=subject,
                body=body,
            ),
        )

    async def get_web_version(self, *, campaign_id: int) -> WebVersion:
        """getWebVersion: the link to the web version of a campaign's letter."""
        response = await self.request("getWebVersion", params(campaign_id=campaign_id))
        return parse_model(WebVersion, response.result, response.warnings)
