"""The public sign-up page: ``/selzy/signup/<key>/``, where every sign-up form posts.

Works without JavaScript. A POST goes through, cheapest first:

1. the per-IP limit (a cache lookup, no query): over it, HTTP 429 and a page with a friendly
   message;
2. the honeypot: filled in, the bot is shown the same success as a person and nothing is kept;
3. the form (CSRF checked by Django first): errors re-render the page with the values typed;
4. :func:`..signups.sign_up`: stored and queued (the per-address limit may still say 429);

then a redirect (POST/redirect/GET) to the page the form was on (its ``next``, when it is on
this site) or to this page, with ``?signed_up=<key>``: there the form shows the thank-you
message instead of itself (:mod:`..templatetags.selzy_signup`). A visitor never sees what
Selzy said: Selzy is called later, by the queue.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from ..forms_signup import HONEYPOT, NEXT, SignUpForm
from ..public import NAMESPACE
from ..signup_config import SignUpFormConfig
from ..signup_limits import allow_ip
from ..signups import InvalidSignUp, TooManySignUps, UnknownForm, sign_up, signup_form

logger = logging.getLogger("selzy.django")

#: The query parameter that tells a page the sign-up of that form went through.
SIGNED_UP = "signed_up"
TOO_MANY = _("We have received too many sign-ups from you in a short time. Please try again later.")
CHECK_VALUE = _("Please check this value.")
PAGE_TEMPLATE = "selzy/signup/page.html"


def signup_path(key: str) -> str:
    """Where the form ``key`` posts."""
    return reverse(f"{NAMESPACE}:signup", args=[key])


def done_url(request: HttpRequest, key: str, next_url: str) -> str:
    """``next_url`` (when it is on this site) or the form's own page, marked signed up."""
    safe = url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    target = next_url if next_url and safe else signup_path(key)
    parts = urlsplit(target)
    query = QueryDict(parts.query, mutable=True)
    query[SIGNED_UP] = key
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))


def _page(
    request: HttpRequest,
    config: SignUpFormConfig,
    form: SignUpForm | None,
    *,
    done: bool = False,
    notice: str = "",
    status: int = 200,
) -> TemplateResponse:
    """The form's own page: the form, its thank-you (``done``), or only a ``notice``."""
    return TemplateResponse(
        request,
        PAGE_TEMPLATE,
        {
            "selzy_signup": {
                "config": config,
                "form": form,
                "action": signup_path(config.key),
                "next": "",
                "done": done,
                "notice": notice,
            }
        },
        status=status,
    )


@csrf_protect
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest, key: str) -> HttpResponse:
    """The form ``key`` on a page of its own (GET), and where every copy of it posts (POST)."""
    try:
        config = signup_form(key)
    except UnknownForm:
        raise Http404("No such sign-up form") from None
    if request.method != "POST":
        done = request.GET.get(SIGNED_UP) == key
        return _page(request, config, None if done else SignUpForm(config), done=done)
    next_url = request.POST.get(NEXT, "")
    if not allow_ip(request):
        # A flood: answered from the cache alone, no query (the form's fields need some).
        return _page(request, config, None, notice=str(TOO_MANY), status=429)
    if request.POST.get(HONEYPOT):
        logger.info("Sign-up form %s: honeypot filled in, nothing kept", key)
        return HttpResponseRedirect(done_url(request, key, next_url))
    form = SignUpForm(config, request.POST)
    if not form.is_valid():
        return _page(request, config, form)
    try:
        sign_up(
            key,
            form.values(),
            consent=bool(form.cleaned_data["consent"]),
            request=request,
            origin="form",
            page=next_url,
        )
    except TooManySignUps:
        return _page(request, config, None, notice=str(TOO_MANY), status=429)
    except InvalidSignUp as refused:
        for name in refused.errors:
            form.add_error(name if name in form.fields else None, CHECK_VALUE)
        return _page(request, config, form)
    return HttpResponseRedirect(done_url(request, key, next_url))
