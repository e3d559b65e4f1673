"""Selzy's webhooks: the receiving endpoint, and the button that registers it with setHook.

The endpoint is public (Selzy calls it) but trusts nothing it has not verified: the body's
``auth`` must match the stored API key (:func:`selzy.parse_webhook`), else 403. It answers
quickly (Selzy waits 3 s), updates the campaigns it knows, notes in the sync ledger who
unsubscribed (every later sync then leaves that contact alone: never updated, never deleted,
which would erase the unsubscription), and emits
:data:`selzy.contrib.django.signals.webhook_event` for the site's own handlers.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_POST

from selzy import SelzyError, WebhookAuthError, parse_webhook

from ..client import connected_client
from ..crypto import UnreadableSecretError
from ..models import Campaign, Connection, ContactState
from ..public import public_path
from ..signals import webhook_event
from ._common import MANAGE, explain, require, setup_redirect, site_url_for

logger = logging.getLogger("selzy.django")

HOOK_EVENTS = {"campaign_status": "*", "unsubscribe": "*"}


@method_decorator(csrf_exempt, name="dispatch")  # Selzy cannot send a CSRF token; auth instead
class WebhookView(View):
    """POST endpoint for Selzy's event notifications."""

    http_method_names = ["post", "get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        # Some senders check that the URL answers before they post to it.
        return HttpResponse("ok", content_type="text/plain")

    @sensitive_variables()  # the key, and the body signed with it while it is checked
    def post(self, request: HttpRequest) -> HttpResponse:
        connection = Connection.current()
        try:
            api_key = connection.api_key
        except UnreadableSecretError:
            api_key = ""
        if not api_key:
            return HttpResponseForbidden("not connected")
        try:
            events = parse_webhook(request.body, api_key)
        except WebhookAuthError:
            logger.warning("Selzy webhook refused: auth does not match")
            return HttpResponseForbidden("auth does not match")
        for event in events:
            if event.event_name == "campaign_status":
                self.campaign_status(event.data)
            elif event.event_name == "unsubscribe":
                self.unsubscribe(event.data, connection.list_id)
            webhook_event.send(sender=type(self), event=event)
        return HttpResponse("ok", content_type="text/plain")

    @staticmethod
    def campaign_status(data: dict[str, object]) -> None:
        campaign_id, status = data.get("campaign_id"), data.get("status")
        if isinstance(campaign_id, int | str) and str(campaign_id).isdigit() and status:
            Campaign.objects.filter(campaign_id=int(campaign_id)).update(status=str(status))

    @staticmethod
    def unsubscribe(data: dict[str, object], list_id: int | None) -> None:
        email, lists = data.get("email"), data.get("unsubscribed_list_ids")
        if not isinstance(email, str) or not email:
            return
        if isinstance(lists, list) and lists and list_id not in {_int(i) for i in lists}:
            return  # unsubscribed from other lists only: ours may still write to them
        ContactState.objects.filter(email__iexact=email).update(unsubscribed=True)


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


def hook_url(request: HttpRequest) -> str:
    """The endpoint's public address as Selzy reaches it (SITE_URL when set)."""
    return f"{site_url_for(request)}{public_path('webhook')}"


@require_POST
@require(MANAGE)
def register_hook(request: HttpRequest) -> HttpResponse:
    """setHook for this site's endpoint: campaign status changes arrive without polling."""
    if (early := setup_redirect(request, need_list=False)) is not None:
        return early
    url = hook_url(request)
    try:
        with connected_client() as client:
            client.set_hook(
                hook_url=url, events=HOOK_EVENTS, event_format="json_post", status="active"
            )
    except SelzyError as error:
        messages.error(request, f"The webhook was not registered. {explain(error)}")
    else:
        messages.success(
            request,
            f"Selzy will notify {url} when a campaign's status changes or a contact unsubscribes.",
        )
    return redirect("admin:selzy_connection_changelist")
