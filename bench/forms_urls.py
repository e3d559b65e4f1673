"""The URLs of bench/forms.py's site: the demo's, and the naive baseline's form handler
(how Selzy's WordPress plugin handles its form: subscribe inside the request, nothing stored;
the visitor waits for Selzy and shares its failures)."""

from __future__ import annotations

from typing import Any

from demo_site.urls import urlpatterns as demo_urlpatterns
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path
from django.views.decorators.http import require_POST

from selzy import Selzy, SelzyError
from selzy.client import NoRateLimiter
from selzy.contrib.django.client import connected_client
from selzy.contrib.django.models import Connection


def unmetered_client(**options: Any) -> Selzy:
    """CLIENT_FACTORY: the module's client without its rate limiter."""
    options.pop("rate_limiter", None)
    return Selzy(options.pop("api_key"), rate_limiter=NoRateLimiter(), **options)


@require_POST
def baseline_subscribe(request: HttpRequest) -> HttpResponse:
    """The naive handler: subscribe now, in the request; Selzy's failure is the visitor's."""
    fields = {"email": request.POST.get("email", ""), "Name": request.POST.get("Name", "")}
    try:
        with connected_client() as client:
            client.subscribe(
                list_ids=[int(Connection.current().list_id or 0)], fields=fields, double_optin=0
            )
    except SelzyError:
        return HttpResponse("Selzy could not be reached", status=502)
    return HttpResponseRedirect("/newsletter/?signed_up=newsletter")


urlpatterns = [*demo_urlpatterns, path("baseline/subscribe/", baseline_subscribe)]
