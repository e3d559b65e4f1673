"""Forms of the sending screens: the message, a new sender, the test email and the campaign.

The forms check what can be checked here, before Selzy is called, so a refused form never
leaves anything behind in Selzy: attachment sizes (500 KB each, the guidelines' limit), the
sender being confirmed, the schedule window (now to 100 days ahead).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.utils import timezone

from selzy.protocol import MAX_ATTACHMENT_BYTES, MAX_SCHEDULE_DAYS, MAX_TEST_EMAIL_RECIPIENTS

from ._forms import choice_field

ATTACHMENT_LIMIT_KB = MAX_ATTACHMENT_BYTES // 1024


def attachment_too_large(name: str, size: int) -> str:
    """The error shown for an attachment over the limit (the form's and the client's)."""
    return (
        f"The attachment “{name}” is {size / 1024:.0f} KB: the maximum attachment size is "
        f"{ATTACHMENT_LIMIT_KB} KB. Nothing has been created in Selzy."
    )


class MultipleFileInput(forms.ClearableFileInput):
    """A file input that lets the browser pick several files."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several uploaded files; cleans to a list (empty when none was chosen)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items if item]


class SenderNameForm(forms.Form):
    """A form with a ``sender_name``: Selzy refuses an address there, and saying so now beats
    a refusal after the call (an upload, for a message)."""

    def clean_sender_name(self) -> str:
        name: str = self.cleaned_data["sender_name"].strip()
        if "@" in name:
            raise ValidationError("The sender name is a name, not an email address.")
        return name


class MessageForm(SenderNameForm):
    """createEmailMessage's fields; the sender is one of the confirmed addresses."""

    sender_email = forms.ChoiceField(
        label="Sender email",
        error_messages={
            "invalid_choice": (
                "%(value)s is not a confirmed sender address. Validate it and click the link "
                "in the confirmation letter first."
            ),
            "required": "Choose a confirmed sender address (or validate a new sender first).",
        },
    )
    sender_name = forms.CharField(label="Sender name", max_length=255)
    subject = forms.CharField(label="Subject", max_length=998)
    body = forms.CharField(label="HTML body", widget=forms.Textarea(attrs={"rows": 16}))
    attachments = MultipleFileField(
        label="Attachments",
        required=False,
        help_text=f"Optional; several files may be chosen, each at most {ATTACHMENT_LIMIT_KB} KB.",
    )

    def __init__(self, *args: Any, senders: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "sender_email").choices = [(s, s) for s in senders]

    def clean_attachments(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data.get("attachments") or []
        errors = [
            attachment_too_large(str(f.name), int(f.size or 0))
            for f in files
            if (f.size or 0) > MAX_ATTACHMENT_BYTES
        ]
        names = [str(f.name) for f in files]
        errors += [
            f"Two attachments are called “{name}”: rename one of them."
            for name in sorted({n for n in names if names.count(n) > 1})
        ]
        if errors:
            raise ValidationError(errors)
        return files

    def attachment_contents(self) -> dict[str, bytes]:
        """The chosen files as createEmailMessage takes them: name -> raw bytes, in order."""
        return {str(f.name): f.read() for f in self.cleaned_data["attachments"]}


class SenderForm(forms.Form):
    """validateSender: the address that should receive the confirmation letter."""

    email = forms.EmailField(label="Sender email address")


def split_addresses(text: str) -> list[str]:
    """Addresses separated by commas, semicolons or spaces, without duplicates."""
    return list(dict.fromkeys(a for a in re.split(r"[\s,;]+", text) if a))


class TestEmailForm(forms.Form):
    """sendTestEmail: where the test letter goes (one address or a few)."""

    __test__ = False  # not a pytest test class, despite the name

    test_emails = forms.CharField(
        label="Send a test email to",
        max_length=1000,
        help_text=f"One address or several separated by commas (at most "
        f"{MAX_TEST_EMAIL_RECIPIENTS}).",
    )

    def clean_test_emails(self) -> list[str]:
        addresses = split_addresses(self.cleaned_data["test_emails"])
        bad = []
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                bad.append(address)
        if bad:
            raise ValidationError(f"Not an email address: {', '.join(bad)}")
        if not addresses:
            raise ValidationError("Enter at least one email address.")
        if len(addresses) > MAX_TEST_EMAIL_RECIPIENTS:
            raise ValidationError(
                f"A test email goes to at most {MAX_TEST_EMAIL_RECIPIENTS} addresses at once."
            )
        return addresses


@cache
def timezone_names() -> tuple[str, ...]:
    """Every IANA zone name this machine knows, plus the site's own zone and UTC."""
    names = set(zoneinfo.available_timezones()) | {"UTC", str(settings.TIME_ZONE)}
    return tuple(sorted(names))


class CampaignForm(forms.Form):
    """createCampaign's choices: now or at a time in a zone, to the list or a segment, and the
    confirmation that a message which already went out is to be sent again."""

    NOW = "now"
    SCHEDULE = "schedule"

    send_mode = forms.ChoiceField(
        label="When",
        choices=[(NOW, "Send now"), (SCHEDULE, "Schedule")],
        initial=NOW,
        widget=forms.RadioSelect,
    )
    date = forms.DateField(
        label="Date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    time = forms.TimeField(
        label="Time",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    timezone = forms.ChoiceField(label="Time zone")
    segment = forms.ChoiceField(label="Recipients", required=False)
    #: The confirmation of a re-send: the campaign that already sent the message (its pk), as
    #: the form showed it. The template renders it as a checkbox next to that send's words.
    resend_after = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        segments: Iterable[tuple[str, str]] = (),
        now: dt.datetime | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        choice_field(self, "timezone").choices = [(name, name) for name in timezone_names()]
        self.fields["timezone"].initial = str(settings.TIME_ZONE)
        choice_field(self, "segment").choices = [("", "The whole list"), *segments]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["start_time"] = None
        if data.get("send_mode") != self.SCHEDULE:
            return data
        day, clock, zone_name = data.get("date"), data.get("time"), data.get("timezone")
        if day is None:
            self.add_error("date", "Choose the day to send the campaign on.")
        if clock is None:
            self.add_error("time", "Choose the time to send the campaign at.")
        if day is None or clock is None or not zone_name:
            return data
        data["start_time"] = self._start_time(dt.datetime.combine(day, clock), zone_name)
        return data

    def _start_time(self, wall: dt.datetime, zone_name: str) -> dt.datetime:
        """The wall-clock time in the zone as UTC, refused outside Selzy's window."""
        zone = zoneinfo.ZoneInfo(zone_name)
        local = wall.replace(tzinfo=zone)
        start = local.astimezone(dt.UTC)
        # A time skipped by a clock change does not survive the round trip.
        if start.astimezone(zone).replace(tzinfo=None) != wall:
            raise ValidationError(
                f"{wall:%Y-%m-%d %H:%M} does not exist in {zone_name} (the clocks change "
                "then). Choose another time."
            )
        if start <= self.now:
            raise ValidationError(
                f"The scheduled time {wall:%Y-%m-%d %H:%M} ({zone_name}) is in the past. "
                "Choose a later time, or send the campaign now."
            )
        latest = self.now + dt.timedelta(days=MAX_SCHEDULE_DAYS)
        if start > latest:
            raise ValidationError(
                f"A campaign can be scheduled at most {MAX_SCHEDULE_DAYS} days ahead (until "
                f"{latest.astimezone(zone):%Y-%m-%d %H:%M} {zone_name}). Choose an earlier date."
            )
        return start


#: The confirmation letter the sign-up screen proposes; Selzy puts the link at {{ConfirmUrl}}.
DEFAULT_OPTIN_BODY = (
    "<p>Hello!</p>\n"
    "<p>Please confirm that you want to receive our newsletter: "
    '<a href="{{ConfirmUrl}}">yes, subscribe me</a>.</p>\n'
    "<p>If you did not ask for it, ignore this letter: you will not be subscribed.</p>"
)


class OptInLetterForm(SenderNameForm):
    """updateOptInEmail: the confirmation letter Selzy sends for a list's double opt-in."""

    list_id = forms.TypedChoiceField(label="List", coerce=int)
    sender_email = forms.ChoiceField(
        label="Sender email",
        error_messages={
            "required": "Choose a confirmed sender address (or validate a new sender first)."
        },
    )
    sender_name = forms.CharField(label="Sender name", max_length=255)
    subject = forms.CharField(
        label="Subject", max_length=998, initial="Please confirm your subscription"
    )
    body = forms.CharField(
        label="HTML body",
        initial=DEFAULT_OPTIN_BODY,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text='Must link to {{ConfirmUrl}}: <a href="{{ConfirmUrl}}">…</a>',
    )

    def __init__(
        self,
        *args: Any,
        lists: Sequence[tuple[int, str]] = (),
        senders: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "list_id").choices = [(str(i), title) for i, title in lists]
        choice_field(self, "sender_email").choices = [(s, s) for s in senders]

    def clean_body(self) -> str:
        body: str = self.cleaned_data["body"]
        if "{{ConfirmUrl}}" not in body:
            raise ValidationError(
                'The letter needs the confirmation link: <a href="{{ConfirmUrl}}">…</a>'
            )
        return body
