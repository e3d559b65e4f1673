"""A Selzy campaign backend for wagtail-newsletter (0.2.x).

::

    WAGTAIL_NEWSLETTER_CAMPAIGN_BACKEND = "selzy.contrib.wagtail.newsletter.SelzyCampaignBackend"
    SELZY = {..., "NEWSLETTER_SENDER": {"email": "news@example.com", "name": "Our newsletter"}}

What maps to what: an audience is a Selzy list, a segment a Selzy tag (id ``"<list id>/<tag
id>"``: Selzy's tags belong to the account, so every list offers every tag). Saving a page
creates (then updates) a Selzy email message from ``SELZY["NEWSLETTER_SENDER"]``, which must be a
confirmed sender of the account; the campaign id wagtail-newsletter keeps on the page is that
message's id. Sending and scheduling create a Selzy campaign from the message (read and link
tracking on). The key, the platform and the account come from the Django module's stored
connection: one place to connect. The messages and campaigns are recorded in the module's own
tables (models.Message, models.Campaign), so its statistics screens show them too.

Selzy's message versions: editing a message that was already sent makes a new version with a new
id (updateEmailMessage answers with it), and an editor who changed the message in Selzy's own
editor made one too (getActualMessageVersion names it); the backend always works on the current
version and hands its id back to wagtail-newsletter.

The page's ``from_name`` and ``reply_to`` are not used: a Selzy message is sent from a confirmed
sender, so the sender is one site-wide setting rather than free text per page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any, NoReturn

from django.core.cache import cache
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from wagtail_newsletter.audiences import Audience, AudienceSegment
from wagtail_newsletter.campaign_backends import (
    Campaign,
    CampaignBackend,
    CampaignBackendError,
)

from selzy import Selzy, SelzyError
from selzy.contrib.django import models
from selzy.contrib.django.client import NotConnectedError, connected_client
from selzy.contrib.django.conf import selzy_settings
from selzy.contrib.django.views._common import explain

__all__ = ["AUDIENCE_CACHE_SECONDS", "SelzyCampaign", "SelzyCampaignBackend"]

#: How long the lists, tags and their member counts are kept: the editor's panel and the
#: recipients chooser read them on every page load, and each count costs a call.
AUDIENCE_CACHE_SECONDS = 300

#: Selzy accepts a start time at most this far ahead (createCampaign).
MAX_SCHEDULE_AHEAD = dt.timedelta(days=100)

#: Selzy's campaign statuses as the editor's panel shows them.
STATUS_LABELS = {
    "waits_censor": "Waiting for Selzy's moderation",
    "censor_hold": "Held by Selzy's moderation: Selzy's support will explain why",
    "declined": "Declined by Selzy's moderation",
    "waits_schedule": "Scheduled (Selzy is preparing it)",
    "scheduled": "Scheduled",
    "in_progress": "Sending",
    "analysed": "Sent (Selzy is collecting the results)",
    "completed": "Sent",
    "stopped": "Stopped",
    "canceled": "Canceled",
}
SCHEDULED = frozenset({"waits_schedule", "scheduled"})
#: Launched and out of the editor's hands: moderation included (the panel shows the status).
SENT = frozenset(
    {"waits_censor", "censor_hold", "declined", "in_progress", "analysed", "completed", "stopped"}
)
#: Where Selzy lets cancelCampaign stop a campaign.
CANCELLABLE = frozenset({"waits_censor", "censor_hold", "waits_schedule", "scheduled"})


def _fail(what: str, error: Exception) -> NoReturn:
    """Every Selzy failure reaches the editor in the module's plain words."""
    raise CampaignBackendError(f"{what}: {explain(error)}") from error


def _cache_key(*parts: object) -> str:
    # Per account: a reconnection to another account must not show the old account's lists.
    account = models.Connection.current().login or ""
    digest = hashlib.sha256(account.encode()).hexdigest()[:12]
    return ":".join(["selzy-newsletter", digest, *map(str, parts)])


def _id_number(text: str, what: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        raise CampaignBackendError(f"{text!r} is not a Selzy {what} id") from None


@dataclass
class SelzyCampaign(Campaign):  # type: ignore[misc]  # wagtail-newsletter is untyped
    """A page's newsletter as Selzy has it: the message, and its latest campaign (if any)."""

    backend: SelzyCampaignBackend
    message: models.Message
    record: models.Campaign | None
    selzy_status: str  # "" while only the message exists

    @property
    def status(self) -> str:
        return STATUS_LABELS.get(self.selzy_status, self.selzy_status or "Draft")

    @property
    def is_scheduled(self) -> bool:
        return self.selzy_status in SCHEDULED

    @property
    def is_sent(self) -> bool:
        return self.selzy_status in SENT

    @property
    def url(self) -> str:
        """The Django module's campaign screen (statistics), or its message screen."""
        try:
            if self.record is not None:
                return reverse("admin:selzy_campaign", args=[self.record.pk])
            return reverse("admin:selzy_message_detail", args=[self.message.pk])
        except NoReverseMatch:
            return ""

    def get_report(self) -> dict[str, Any]:
        if self.record is None or self.record.campaign_id is None:
            return {}
        campaign_id = self.record.campaign_id
        try:
            stats = self.backend.client.get_campaign_common_stats(campaign_id=campaign_id)
        except SelzyError as error:
            _fail("The campaign's report could not be read", error)
        report: dict[str, Any] = {
            "emails_sent": stats.sent,
            "bounces": max(stats.sent - stats.delivered, 0),
            "opens": stats.read_unique,
            "clicks": stats.clicked_unique,
        }
        if self.record.start_time is not None:
            report["send_time"] = self.record.start_time
        return report


class SelzyCampaignBackend(CampaignBackend):  # type: ignore[misc]  # wagtail-newsletter is untyped
    name = "Selzy"

    def __init__(self) -> None:
        self._client: Selzy | None = None

    @property
    def client(self) -> Selzy:
        if self._client is None:
            try:
                self._client = connected_client()
            except NotConnectedError as error:
                raise CampaignBackendError(
                    "No Selzy account is connected: connect one in the Selzy module first"
                ) from error
        return self._client

    # ------------------------------------------------------------------ audiences
    def get_audiences(self) -> list[Audience]:
        key = _cache_key("lists")
        rows: list[tuple[str, str, int]] | None = cache.get(key)
        if rows is None:
            try:
                lists = self.client.get_lists()
                rows = [
                    (str(item.id), item.title, self.client.get_contact_count(list_id=item.id).count)
                    for item in lists
                ]
            except SelzyError as error:
                _fail("Selzy's lists could not be read", error)
            cache.set(key, rows, AUDIENCE_CACHE_SECONDS)
        return [Audience(id=pk, name=name, member_count=count) for pk, name, count in rows]

    def get_audience_segments(self, audience_id: str) -> list[AudienceSegment]:
        if audience_id not in {audience.id for audience in self.get_audiences()}:
            raise Audience.DoesNotExist
        key = _cache_key("tags", audience_id)
        rows: list[tuple[str, str, int]] | None = cache.get(key)
        if rows is None:
            list_id = int(audience_id)
            try:
                rows = [
                    (
                        f"{audience_id}/{tag.id}",
                        tag.name,
                        self.client.get_contact_count(list_id=list_id, tag_id=tag.id).count,
                    )
                    for tag in self.client.get_tags()
                ]
            except SelzyError as error:
                _fail("Selzy's tags could not be read", error)
            cache.set(key, rows, AUDIENCE_CACHE_SECONDS)
        return [AudienceSegment(id=pk, name=name, member_count=count) for pk, name, count in rows]

    # ------------------------------------------------------------------ the message
    def _sender(self) -> dict[str, str]:
        sender = selzy_settings().newsletter_sender
        if sender is None:
            raise CampaignBackendError(
                'Set SELZY["NEWSLETTER_SENDER"] = {"email": ..., "name": ...}: the address '
                "Selzy sends the newsletter from"
            )
        try:
            known = self.client.get_checked_email(
                login=models.Connection.current().login or None, email=sender["email"]
            )
        except SelzyError as error:
            _fail("The sender address could not be checked", error)
        wanted = sender["email"].lower()
        if not any(row.is_checked and row.email.lower() == wanted for row in known):
            raise CampaignBackendError(
                f"Selzy does not yet accept {sender['email']} as a sender: confirm it (the link "
                "in the letter Selzy sends to it, or in the Selzy module's sender step) and save "
                "again"
            )
        return sender

    def _recipients(self, recipients: Any) -> tuple[int, str | None]:
        """The list and the tag name (None: the whole list) of the page's recipients; without
        any, the list chosen in the Selzy module."""
        if recipients is None:
            list_id = models.Connection.current().list_id
            if list_id is None:
                raise CampaignBackendError(
                    "Choose the newsletter's recipients (or a list in the Selzy module)"
                )
            return list_id, None
        list_id = _id_number(recipients.audience, "list")
        if not recipients.segment:
            return list_id, None
        tag_id = _id_number(str(recipients.segment).split("/")[-1], "tag")
        try:
            tags = self.client.get_tags()
        except SelzyError as error:
            _fail("Selzy's tags could not be read", error)
        for tag in tags:
            if tag.id == tag_id:
                return list_id, tag.name
        raise CampaignBackendError(f"The tag {tag_id} no longer exists in Selzy: choose another")

    def current_version(self, message_id: int) -> int:
        """The id of the message's current version (an edit in Selzy's editor makes one)."""
        try:
            version = self.client.get_actual_message_version(message_id=message_id)
        except SelzyError as error:
            _fail("The message could not be found in Selzy", error)
        return version.actual_version_id or message_id

    def save_campaign(
        self,
        *,
        campaign_id: str | None = None,
        recipients: Any,
        subject: str,
        html: str,
        **kwargs: Any,
    ) -> str:
        sender = self._sender()
        list_id, tag = self._recipients(recipients)
        sender_name = sender["name"] or sender["email"]
        if campaign_id and tag is None:
            message_id = self.current_version(_id_number(campaign_id, "message"))
            try:
                answer = self.client.update_email_message(
                    id=message_id,
                    sender_name=sender_name,
                    sender_email=sender["email"],
                    subject=subject,
                    body=html,
                    list_id=list_id,
                )
            except SelzyError as error:
                _fail("The newsletter could not be saved to Selzy", error)
            new_id = answer.message_id or message_id
        else:
            # A tag is fixed when the message is made (updateEmailMessage takes none): a
            # segment always gets a fresh message.
            try:
                created = self.client.create_email_message(
                    sender_name=sender_name,
                    sender_email=sender["email"],
                    subject=subject,
                    body=html,
                    list_id=list_id,
                    tag=tag,
                )
            except SelzyError as error:
                _fail("The newsletter could not be saved to Selzy", error)
            if created.message_id is None:
                raise CampaignBackendError("Selzy saved the newsletter but sent back no id")
            new_id = created.message_id
        models.Message.objects.update_or_create(
            message_id=new_id,
            defaults={
                "list_id": list_id,
                "sender_name": sender_name,
                "sender_email": sender["email"],
                "subject": subject,
                "body": html,
            },
        )
        return str(new_id)

    # ------------------------------------------------------------------ sending
    def _message(self, campaign_id: str) -> models.Message:
        message_id = self.current_version(_id_number(campaign_id, "message"))
        record = models.Message.objects.filter(message_id=message_id).first()
        if record is None:
            raise CampaignBackendError(
                "Selzy has a newer version of this newsletter than the site: save the page's "
                "campaign to Selzy again"
            )
        return record

    def send_test_email(self, *, campaign_id: str, email: str) -> None:
        message = self._message(campaign_id)
        try:
            self.client.send_test_email(id=message.message_id, email=email)
        except SelzyError as error:
            _fail(f"The test email to {email} could not be sent", error)
        message.test_sent_to = email
        message.test_sent_at = timezone.now()
        message.save(update_fields=["test_sent_to", "test_sent_at"])

    def _launch(self, campaign_id: str, start_time: dt.datetime | None) -> None:
        message = self._message(campaign_id)
        try:
            created = self.client.create_campaign(
                message_id=message.message_id,
                start_time=start_time,
                track_read=True,
                track_links=True,
            )
        except SelzyError as error:
            _fail("Selzy did not take the campaign", error)
        with transaction.atomic():
            models.Campaign.objects.create(
                message=message,
                campaign_id=created.campaign_id,
                stage=models.Campaign.Stage.CREATED,
                status=created.status,
                send_now=start_time is None,
                start_time=start_time or timezone.now(),
                launched_at=timezone.now(),
            )

    def send_campaign(self, campaign_id: str) -> None:
        self._launch(campaign_id, None)

    def validate_schedule_time(self, schedule_time: dt.datetime) -> None:
        when = _aware(schedule_time)
        now = timezone.now()
        if when <= now:
            raise CampaignBackendError("Choose a time in the future to schedule the newsletter")
        if when - now > MAX_SCHEDULE_AHEAD:
            raise CampaignBackendError(
                "Selzy schedules campaigns at most 100 days ahead: choose an earlier time"
            )

    def schedule_campaign(self, campaign_id: str, schedule_time: dt.datetime) -> None:
        self.validate_schedule_time(schedule_time)
        self._launch(campaign_id, _aware(schedule_time))

    def unschedule_campaign(self, campaign_id: str) -> None:
        campaign = self.get_campaign(campaign_id)
        record = campaign.record if campaign is not None else None
        if campaign is None or record is None or record.campaign_id is None:
            raise CampaignBackendError("The newsletter has no campaign in Selzy to unschedule")
        if not campaign.selzy_status:
            raise CampaignBackendError("The newsletter's campaign was already canceled")
        if campaign.selzy_status not in CANCELLABLE:
            raise CampaignBackendError(
                f"Selzy cannot cancel the campaign any more: it is {campaign.status.lower()}"
            )
        try:
            self.client.cancel_campaign(campaign_id=record.campaign_id)
        except SelzyError as error:
            _fail("Selzy did not cancel the campaign", error)
        record.status = "canceled"
        record.refreshed_at = timezone.now()
        record.save(update_fields=["status", "refreshed_at"])

    # ------------------------------------------------------------------ the panel
    def get_campaign(self, campaign_id: str) -> SelzyCampaign | None:
        message = models.Message.objects.filter(
            message_id=_id_number(campaign_id, "message")
        ).first()
        if message is None:
            return None  # the panel offers to save the page to Selzy again
        record = message.campaigns.filter(campaign_id__isnull=False).first()
        status = ""
        if record is not None and record.campaign_id is not None:
            try:
                status = self.client.get_campaign_status(campaign_id=record.campaign_id).status
            except SelzyError as error:
                _fail("The campaign's status could not be read", error)
            if status != record.status:
                record.status = status
                record.refreshed_at = timezone.now()
                record.save(update_fields=["status", "refreshed_at"])
            if status == "canceled":
                status = ""  # back to a draft: it may be sent or scheduled again
        return SelzyCampaign(backend=self, message=message, record=record, selzy_status=status)


def _aware(value: dt.datetime) -> dt.datetime:
    if timezone.is_naive(value):
        return timezone.make_aware(value)
    return value
