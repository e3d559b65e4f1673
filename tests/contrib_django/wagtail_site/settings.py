"""The Django module's test settings plus a Wagtail site: Wagtail's apps and a contact page
(:mod:`.models`) whose submissions also subscribe. Without Wagtail installed the apps are left
out and the pass is skipped (:mod:`.conftest`)."""

from __future__ import annotations

import importlib.util

from tests.contrib_django.settings import *  # noqa: F403
from tests.contrib_django.settings import INSTALLED_APPS, SELZY

WAGTAIL_INSTALLED = importlib.util.find_spec("wagtail") is not None

ROOT_URLCONF = "tests.contrib_django.wagtail_site.urls"
WAGTAIL_SITE_NAME = "Selzy adapter tests"
WAGTAILADMIN_BASE_URL = "http://testserver"
if WAGTAIL_INSTALLED:
    INSTALLED_APPS = [
        *INSTALLED_APPS,
        "wagtail.contrib.forms",
        "wagtail.sites",
        "wagtail.users",
        "wagtail.images",
        "wagtail.documents",
        "wagtail.admin",
        "wagtail",
        "modelcluster",
        "taggit",
        "wagtail_newsletter",  # in the wagtail and dev extras beside Wagtail
        "tests.contrib_django.wagtail_site",
    ]

# wagtail-newsletter's campaigns go to Selzy (selzy.contrib.wagtail.newsletter), from the
# emulator's seeded confirmed sender.
WAGTAIL_NEWSLETTER_CAMPAIGN_BACKEND = "selzy.contrib.wagtail.newsletter.SelzyCampaignBackend"
SELZY = {**SELZY, "NEWSLETTER_SENDER": {"email": "news@example.com", "name": "Новости 📰"}}
# wagtail-newsletter's page mixin asks for these whatever the backend; the Selzy backend sends
# from NEWSLETTER_SENDER (a confirmed sender) instead.
WAGTAIL_NEWSLETTER_FROM_NAME = "Newsletter"
WAGTAIL_NEWSLETTER_REPLY_TO = "news@example.com"
