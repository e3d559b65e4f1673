"""The module's public URLs: what Selzy's servers call, outside the admin.

Include them in the site's URLconf, where no VPN or IP allow-list guards them::

    path("selzy/", include("selzy.contrib.django.urls")),

- ``webhook/``: Selzy posts its events here (setHook). Each body's ``auth`` is checked against
  the stored API key, anything else gets 403 (:mod:`.views.webhook`);
- ``segment/<token>/contacts.txt``: the addresses of a campaign's segment, which Selzy downloads
  (createCampaign's ``contacts_url``). The token is signed and expires
  (:func:`.views.sending.segment_contacts`);
- ``signup/<key>/``: the site's sign-up form ``key`` (``SELZY["SIGNUP_FORMS"]``): its own page,
  and where every copy of it (``{% selzy_signup_form "key" %}``) posts (:mod:`.views.signup`).

Check selzy.W005 warns while the include is missing (the module then hands out the admin's old
copies of these URLs, which still answer).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import path

from .public import NAMESPACE
from .redaction import hides_secrets
from .views import sending, signup, webhook

app_name = NAMESPACE

# (route, view, name): served here, and by the admin under "selzy_<name>" for older hooks.
ROUTES: list[tuple[str, Callable[..., Any], str]] = [
    ("webhook/", webhook.WebhookView.as_view(), "webhook"),
    ("segment/<str:token>/contacts.txt", sending.segment_contacts, "segment_contacts"),
]

urlpatterns = [path(route, hides_secrets(view), name=name) for route, view, name in ROUTES]
# Visitors' pages: only here (the admin's old copies are for Selzy's servers).
urlpatterns.append(path("signup/<slug:key>/", signup.signup, name="signup"))
