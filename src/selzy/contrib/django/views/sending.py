"""The sending screens: sender, message, test email, campaign, statistics, and the segment file.

They follow the guidelines' "Creating a message for a campaign" and "Mailing campaign on the
message created and obtaining statistics": a message is created in Selzy (createEmailMessage,
for the list chosen in setup) and kept here with its id; a campaign imports the contacts in the
background right before createCampaign; its page shows the import, then the campaign's status
and statistics with their history.
"""

from __future__ import annotations

import zoneinfo
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseGone,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_safe

from selzy import AttachmentTooLargeError, SelzyError

from .. import followups, jobs, launches
from ..client import NotConnectedError, connected_client
from ..crypto import UnreadableSecretError
from ..forms_sending import (
    CampaignForm,
    MessageForm,
    SenderForm,
    TestEmailForm,
    attachment_too_large,
)
from ..ledger import progress
from ..models import Campaign, Connection, ImportRun, Message
from ..sources import get_source
from ._common import (
    CAMPAIGN_SCHEDULED,
    CAMPAIGN_SENT,
    IMPORT_DONE,
    SEND,
    SENDER_LETTER_SENT,
    explain,
    form_data,
    render,
    require,
    setup_redirect,
    site_url_for,
)

#: Selzy statuses in which the campaign has not started sending yet: the page keeps the
#: "sent"/"scheduled" confirmation on screen while the campaign sits in one of them.
WAITING_STATUSES = frozenset({"", "waits_censor", "censor_hold", "waits_schedule", "scheduled"})

#: The statistics tiles: (CampaignStats attribute, label).
STAT_TILES = [
    ("total", "Total"),
    ("sent", "Sent"),
    ("delivered", "Delivered"),
    ("read_unique", "Read (unique)"),
    ("read_all", "Read (total)"),
    ("clicked_unique", "Clicked (unique)"),
    ("clicked_all", "Clicked (total)"),
    ("unsubscribed", "Unsubscribed"),
    ("spam", "Spam complaints"),
]


# ----------------------------------------------------------------------------- shared helpers


def announce_once(request: HttpRequest, key: str, text: str) -> None:
    """Show ``text`` as a success message the first time this session sees ``key``."""
    seen: list[str] = request.session.get("selzy_announced", [])
    if key in seen:
        return
    messages.success(request, text)
    # Keep the list short: only recent announcements can come up again.
    request.session["selzy_announced"] = [*seen[-49:], key]


def sender_list() -> list[Any]:
    """getCheckedEmail for the account's login (the API requires it)."""
    connection = Connection.current()
    with connected_client() as client:
        login = connection.login or client.get_user_info().login
        return list(client.get_checked_email(login=login))


# ----------------------------------------------------------------------------- sender


@require(SEND)
def validate_sender(request: HttpRequest) -> HttpResponse:
    """validateSender for a new address, and the account's senders with their state."""
    if (early := setup_redirect(request)) is not None:
        return early
    form = SenderForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            with connected_client() as client:
                client.validate_sender(email=email, login=Connection.current().login or None)
        except SelzyError as error:
            form.add_error("email", explain(error))
        else:
            messages.success(request, SENDER_LETTER_SENT)
            return redirect("admin:selzy_sender")
    senders, senders_error = _senders_or_error()
    context = {"form": form, "senders": senders, "senders_error": senders_error}
    return render(request, "selzy/sender.html", "Validate a new sender", context, step="message")


def _senders_or_error() -> tuple[list[Any], str]:
    try:
        return sender_list(), ""
    except SelzyError as error:
        return [], explain(error)


# ----------------------------------------------------------------------------- message


@require(SEND)
def new_message(request: HttpRequest) -> HttpResponse:
    """createEmailMessage for the selected list, with attachments; the id is kept."""
    if (early := setup_redirect(request)) is not None:
        return early
    senders, senders_error = _senders_or_error()
    confirmed = [s.email for s in senders if s.is_checked]
    form = MessageForm(form_data(request), request.FILES or None, senders=confirmed)
    if request.method == "POST" and form.is_valid():
        message = _create_message(request, form)
        if message is not None:
            messages.success(request, f"The message “{message.subject}” has been created.")
            return redirect("admin:selzy_message_detail", pk=message.pk)
    context = {
        "form": form,
        "senders_error": senders_error,
        "has_senders": bool(confirmed),
        "connection": Connection.current(),
    }
    return render(request, "selzy/message_new.html", "Create a message", context, step="message")


def _create_message(request: HttpRequest, form: MessageForm) -> Message | None:
    """Create the message in Selzy, then here; on any refusal add a form error, save nothing."""
    data = form.cleaned_data
    attachments = form.attachment_contents()
    list_id = int(Connection.current().list_id or 0)
    try:
        with connected_client() as client:
            created = client.create_email_message(
                sender_name=data["sender_name"],
                sender_email=data["sender_email"],
                subject=data["subject"],
                body=data["body"],
                list_id=list_id,
                attachments=attachments or None,
            )
    except AttachmentTooLargeError as error:
        form.add_error("attachments", attachment_too_large(error.filename, error.size))
        return None
    except SelzyError as error:
        form.add_error(None, explain(error))
        return None
    if created.message_id is None:
        form.add_error(None, "Selzy answered without a message id; the message was not saved.")
        return None
    return Message.objects.create(
        message_id=created.message_id,
        list_id=list_id,
        sender_name=data["sender_name"],
        sender_email=data["sender_email"],
        subject=data["subject"],
        body=data["body"],
        attachments=[{"name": name, "size": len(raw)} for name, raw in attachments.items()],
        # AnonymousUser never gets here (@require and the admin refuse it): narrowed for the FK.
        created_by=request.user if request.user.is_authenticated else None,
    )


@require(SEND)
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The saved message, the offer of a test email (sendTestEmail), and the way on."""
    message = get_object_or_404(Message, pk=pk)
    initial = {"test_emails": getattr(request.user, "email", "") or ""}
    form = TestEmailForm(form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid() and _send_test(request, message, form):
        return redirect("admin:selzy_message_detail", pk=message.pk)
    context = {
        "message": message,
        "form": form,
        "campaigns": message.campaigns.order_by("-created_at"),
        # Once sent, the page offers the confirmed re-send, never a plain "Send campaign".
        "prior": launches.prior_send(message),
        "pending": launches.in_flight(message),
    }
    return render(request, "selzy/message_detail.html", message.subject, context, step="message")


def _send_test(request: HttpRequest, message: Message, form: TestEmailForm) -> bool:
    addresses: list[str] = form.cleaned_data["test_emails"]
    try:
        with connected_client() as client:
            result = client.send_test_email(id=message.message_id, email=addresses)
    except (SelzyError, NotConnectedError, UnreadableSecretError) as error:
        form.add_error(None, explain(error))
        return False
    message.test_sent_to = ", ".join(addresses)[:1000]
    message.test_sent_at = timezone.now()
    message.save(update_fields=["test_sent_to", "test_sent_at"])
    failed = [email for email, ok in result.recipients.items() if not ok]
    sent = [a for a in addresses if a not in failed]
    if sent:
        messages.success(request, f"A test email has been sent to {', '.join(sent)}.")
    if failed:
        messages.error(request, f"Selzy could not send the test email to {', '.join(failed)}.")
    return True


# ----------------------------------------------------------------------------- campaign


@require(SEND)
def new_campaign(request: HttpRequest, pk: int) -> HttpResponse:
    """Send now or schedule, to the list or a segment; the launch runs in the background.

    Once: POSTs at once or again make one campaign (:func:`.jobs.send_campaign`), and a message
    that already went out is sent again only with the confirmation naming that send.
    """
    message = get_object_or_404(Message, pk=pk)
    if (early := setup_redirect(request, need_mapping=True)) is not None:
        return early
    try:
        source = get_source(Connection.current().source)
    except ImproperlyConfigured as error:
        messages.error(request, f"{error}. Choose the contact source again.")
        return redirect("admin:selzy_mapping")
    segments = [(key, str(spec.get("label") or key)) for key, spec in source.segments.items()]
    follow_up = _follow_up_offered(request, message)
    if follow_up is not None:
        segments.append((follow_up.key, followups.label(follow_up)))
    initial = {"segment": follow_up.key} if follow_up is not None else None
    form = CampaignForm(form_data(request), segments=segments, initial=initial)
    prior = launches.prior_send(message)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign, new = jobs.send_campaign(
                message,
                send_now=data["send_mode"] == CampaignForm.NOW,
                start_time=data["start_time"],
                timezone_name=data["timezone"],
                segment=data.get("segment") or "",
                # AnonymousUser never gets here (@require and the admin refuse it).
                user=request.user if request.user.is_authenticated else None,
                confirmed=data.get("resend_after"),
                site_url=site_url_for(request),
            )
        except launches.ResendNotConfirmed as refusal:
            form.add_error(None, str(refusal))
            prior = refusal.prior
        else:
            if not new:
                messages.warning(request, "This message's campaign is already being prepared.")
            return redirect("admin:selzy_campaign", pk=campaign.pk)
    context = {
        "message": message,
        "form": form,
        "connection": Connection.current(),
        "prior": prior,
    }
    return render(request, "selzy/campaign_new.html", "Send the campaign", context, step="campaign")


def _follow_up_offered(request: HttpRequest, message: Message) -> followups.FollowUp | None:
    """The follow-up segment the request names (the campaign page's button links here with
    ``?segment=``; the form posts it back), if it may go with this message: a campaign of the
    same list whose activity was fetched."""
    key = request.POST.get("segment") if request.method == "POST" else request.GET.get("segment")
    follow_up = followups.parse(key or "")
    if follow_up is None:
        return None
    campaign = followups.campaign_of(follow_up)
    if campaign is None or campaign.message.list_id != message.list_id:
        if request.method != "POST":
            messages.warning(request, "That follow-up is not available for this message.")
        return None
    return follow_up


@require(SEND)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The import, then the campaign's status and statistics (refreshable), with history."""
    campaign = get_object_or_404(Campaign.objects.select_related("message", "import_run"), pk=pk)
    if request.method == "POST":
        return _campaign_action(request, campaign)
    run = campaign.import_run
    if run is not None and run.status == ImportRun.Status.COMPLETED:
        announce_once(request, f"import:{run.pk}", IMPORT_DONE)
    confirmation = ""
    if campaign.stage == Campaign.Stage.CREATED:
        confirmation = CAMPAIGN_SENT if campaign.send_now else CAMPAIGN_SCHEDULED
        announce_once(request, f"campaign:{campaign.pk}", confirmation)
        if campaign.refreshed_at is None:
            _refresh(request, campaign)
    latest = campaign.latest_stats()
    context = {
        "campaign": campaign,
        "run": run,
        "progress": progress(run, with_totals=False) if run is not None else None,
        "confirmation": confirmation,
        "import_done": IMPORT_DONE,
        "waiting": campaign.status in WAITING_STATUSES,
        "local_start": _local_start(campaign),
        "segment_label": _segment_label(campaign),
        "tiles": [(name, label, getattr(latest, name)) for name, label in STAT_TILES]
        if latest is not None
        else [],
        "history": campaign.stats.order_by("-taken_at"),
        "can_retry": launches.may_retry(campaign),
        "activity": _activity_rows(campaign),
        "follow_up_messages": Message.objects.filter(list_id=campaign.message.list_id),
    }
    title = f"Campaign: {campaign.message.subject}"
    return render(request, "selzy/campaign_detail.html", title, context, step="statistics")


#: The per-contact activity rows of the campaign page: (kind, label).
ACTIVITY_ROWS = [
    ("sent", "Sent"),
    ("delivered", "Delivered"),
    ("opened", "Opened"),
    ("clicked", "Clicked"),
    ("soft_bounce", "Soft bounces"),
    ("hard_bounce", "Hard bounces"),
    ("unsubscribed", "Unsubscribed"),
    ("complaint", "Spam complaints"),
]


def _activity_rows(campaign: Campaign) -> list[tuple[str, str, int]]:
    """How many addresses have each kind of activity, once it was fetched."""
    if campaign.activity_fetched_at is None:
        return []
    counts = followups.activity_counts(campaign)
    return [(kind, label, counts.get(kind, 0)) for kind, label in ACTIVITY_ROWS]


def _campaign_action(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    """POST: "refresh" the statistics, "retry" a launch that created nothing, "check" with
    Selzy what a launch whose answer was lost did, or "follow_up": on to the campaign form of
    the chosen message with the follow-up segment chosen."""
    action = request.POST.get("action")
    if action == "follow_up":
        return _follow_up(request, campaign)
    if action == "refresh":
        if campaign.campaign_id:
            _refresh(request, campaign)
    elif action == "retry":
        # Under the message's lock, and only while it may be: two clicks start it once, and a
        # campaign Selzy has, or refused as already sent, is never created again.
        jobs.retry_campaign(campaign, site_url=site_url_for(request))
    elif action == "check":
        try:
            jobs.check_campaign(campaign)
        except (SelzyError, NotConnectedError, UnreadableSecretError) as error:
            messages.error(request, f"Selzy could not be asked. {explain(error)}")
    return redirect("admin:selzy_campaign", pk=campaign.pk)


def _follow_up(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    missing = followups.MISSING.get(request.POST.get("missing") or "")
    message = Message.objects.filter(
        pk=request.POST.get("message") or campaign.message_id, list_id=campaign.message.list_id
    ).first()
    if missing is None or message is None:
        messages.error(request, "Choose a message of the same list and who to follow up.")
    elif campaign.activity_fetched_at is None or not campaign.campaign_id:
        messages.error(
            request,
            "The campaign's activity has not been fetched yet: refresh the statistics once it "
            "has gone out.",
        )
    else:
        key = followups.FollowUp(campaign.pk, missing).key
        target = reverse("admin:selzy_campaign_new", args=[message.pk])
        return redirect(f"{target}?{urlencode({'segment': key})}")
    return redirect("admin:selzy_campaign", pk=campaign.pk)


def _refresh(request: HttpRequest, campaign: Campaign) -> None:
    try:
        jobs.refresh_stats(campaign)
    except (SelzyError, NotConnectedError, UnreadableSecretError) as error:
        messages.error(request, f"The statistics could not be refreshed. {explain(error)}")


def _local_start(campaign: Campaign) -> str:
    """The scheduled time as the user chose it, in their zone.

    Formatted here: the template's date filter would move it to the site's zone.
    """
    if campaign.start_time is None:
        return ""
    try:
        local = campaign.start_time.astimezone(zoneinfo.ZoneInfo(campaign.timezone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return f"{campaign.start_time:%Y-%m-%d %H:%M} (UTC)"
    return f"{local:%Y-%m-%d %H:%M} ({campaign.timezone})"


def _segment_label(campaign: Campaign) -> str:
    if not campaign.segment:
        return "The whole list"
    if (follow_up := followups.parse(campaign.segment)) is not None:
        return followups.label(follow_up)
    source_key = campaign.import_run.source if campaign.import_run else ""
    try:
        spec = get_source(source_key).segments.get(campaign.segment, {})
    except ImproperlyConfigured:
        spec = {}
    return str(spec.get("label") or campaign.segment)


@require(SEND)
@require_GET
def campaign_stats_json(request: HttpRequest, pk: int) -> JsonResponse:
    """The statistics history, oldest first (what the chart draws)."""
    campaign = get_object_or_404(Campaign, pk=pk)
    history = [
        {"taken_at": s.taken_at.isoformat(), "status": s.status, **s.as_dict()}
        for s in campaign.stats.order_by("taken_at")
    ]
    return JsonResponse(
        {"campaign_id": campaign.campaign_id, "status": campaign.status, "history": history}
    )


# ----------------------------------------------------------------------------- segment file


@require_safe  # Selzy may check the file with HEAD before downloading it
def segment_contacts(request: HttpRequest, token: str) -> HttpResponseBase:
    """The segment's addresses, one per line: the contacts_url Selzy downloads (a source's
    segment, or a follow-up of a campaign: :mod:`..followups`).

    Public (Selzy has no session), so the token is the only key: signed and expiring. A bad
    or expired token gets a bare 404 or 410, saying nothing about what exists.
    """
    try:
        data = jobs.read_segment_token(token)
    except signing.SignatureExpired:  # a BadSignature too: test it first
        return HttpResponseGone(b"", content_type="text/plain")
    except signing.BadSignature:
        raise Http404 from None
    try:
        source = get_source(data["source"])
        segment = str(data["segment"])
    except (ImproperlyConfigured, KeyError, TypeError):
        raise Http404 from None
    if (follow_up := followups.parse(segment)) is not None:
        if followups.campaign_of(follow_up) is None:  # the campaign was deleted since
            raise Http404
        addresses = followups.emails(source, follow_up)
    elif segment in source.segments:
        addresses = source.emails(segment)
    else:  # the segment was removed from the settings since the link was made
        raise Http404
    lines = (f"{email}\n" for email in addresses)
    response = StreamingHttpResponse(lines, content_type="text/plain; charset=utf-8")
    # Addresses are personal data: no cache, proxy or search engine should keep them.
    response["Cache-Control"] = "no-store, private"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
