"""Selzy's webhooks: the receiving endpoint, the button that registers it with setHook, and the
one that starts a reconciliation (which also re-arms a hook Selzy stopped).

The endpoint is public (Selzy calls it) but trusts nothing it has not verified: the body's
``auth`` must match the stored API key (:func:`selzy.verify_webhook`), else 403; a signed body
of a shape the module cannot act on is refused whole with 400 (:mod:`..event_payloads`). It
only stores the events (:func:`..events.store`) and answers at once (Selzy waits 3 s);
processing follows on the task runner: campaign statuses updated, who unsubscribed noted in the
sync ledger (every later sync then leaves that contact alone: never updated, never deleted,
which would erase the unsubscription), :data:`selzy.contrib.django.signals.webhook_event` sent
for the site's own handlers; each event once, in the order it happened.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
)
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_POST

from selzy import SelzyError, verify_webhook

from .. import hooks, reconcile
from ..client import connected_client
from ..crypto import UnreadableSecretError
from ..event_payloads import BadPayload, read_events
from ..events import store
from ..models import Connection
from ._common import MANAGE, explain, require, setup_redirect, site_url_for

logger = logging.getLogger("selzy.django")


@method_decorator(csrf_exempt, name="dispatch")  # Selzy cannot send a CSRF token; auth instead
class WebhookView(View):
    """POST endpoint for Selzy's event notifications: verify, store, answer (:mod:`..events`
    processes them once the answer is on its way)."""

    http_method_names = ["post", "get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        # Some senders check that the URL answers before they post to it.
        return HttpResponse("ok", content_type="text/plain")

    @sensitive_variables()  # the key, and the body signed with it while it is checked
    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            api_key = Connection.current().api_key
        except UnreadableSecretError:
            api_key = ""
        if not api_key:
            return HttpResponseForbidden("not connected")
        if not verify_webhook(request.body, api_key):
            logger.warning("Selzy webhook refused: auth does not match")
            return HttpResponseForbidden("auth does not match")
        try:
            received = read_events(request.body)
        except BadPayload as problem:
            # Signed, so Selzy (or a change of its format) sent it: say so, store none of it.
            logger.error("Selzy webhook refused: %s", problem)
            return HttpResponseBadRequest(f"unexpected payload: {problem}")
        store(received)
        return HttpResponse("ok", content_type="text/plain")


def hook_url(request: HttpRequest) -> str:
    """The endpoint's public address as Selzy reaches it (SITE_URL when set)."""
    return hooks.hook_url(site_url_for(request))


@require_POST
@require(MANAGE)
def register_hook(request: HttpRequest) -> HttpResponse:
    """setHook for this site's endpoint: campaign status changes arrive without polling."""
    if (early := setup_redirect(request, need_list=False)) is not None:
        return early
    url = hook_url(request)
    try:
        with connected_client() as client:
            hooks.register_hook(client, url)
    except SelzyError as error:
        messages.error(request, f"The webhook was not registered. {explain(error)}")
    else:
        messages.success(
            request,
            f"Selzy will notify {url} when a campaign's status changes, a contact unsubscribes "
            "or subscribes, and a letter is delivered, read, clicked, bounces or is marked spam.",
        )
    return redirect("admin:selzy_connection_changelist")


@require_POST
@require(MANAGE)
def reconcile_now(request: HttpRequest) -> HttpResponse:
    """Start a reconciliation now (the overview's **Check now**): the webhook checked and
    re-armed, what it missed repaired from an export of the list (:mod:`..reconcile`)."""
    if (early := setup_redirect(request)) is not None:
        return early
    reconciliation, created = reconcile.start()
    if created:
        messages.success(
            request,
            "The reconciliation has started: Selzy exports the list's statuses, and what a "
            "webhook missed is repaired. Its result shows here when it is done.",
        )
    else:
        messages.info(request, f"A reconciliation is already under way (#{reconciliation.pk}).")
    return redirect("admin:selzy_connection_changelist")
