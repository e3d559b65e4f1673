"""``{% selzy_signup_form "key" %}``: a sign-up form of ``SELZY["SIGNUP_FORMS"]`` in any page.

::

    {% load selzy_signup %}
    {% selzy_signup_form "newsletter" %}

The form posts to the module's public page (:mod:`..views.signup`), which comes back to this
page (when the ``request`` context processor is on; else to its own page) with the thank-you
message in place of the form. The page's context must carry the CSRF token, as any page with a
form does (a ``render()`` with the request).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.http import QueryDict

from ..forms_signup import SignUpForm
from ..signups import signup_form
from ..views.signup import SIGNED_UP, signup_path

register = template.Library()


def _page_without_mark(request: Any) -> str:
    """The page's path and query, without a previous sign-up's mark."""
    query: QueryDict = request.GET.copy()
    query.pop(SIGNED_UP, None)
    encoded = query.urlencode()
    return f"{request.path}?{encoded}" if encoded else str(request.path)


@register.inclusion_tag("selzy/signup/form.html", takes_context=True)
def selzy_signup_form(context: template.Context, key: str) -> dict[str, Any]:
    """The sign-up form ``key``, or its thank-you message right after a sign-up."""
    config = signup_form(key)
    request = context.get("request")
    done = request is not None and request.GET.get(SIGNED_UP) == key
    return {
        "selzy_signup": {
            "config": config,
            "form": None if done else SignUpForm(config),
            "action": signup_path(key),
            "next": _page_without_mark(request) if request is not None else "",
            "done": done,
            "notice": "",
        }
    }
