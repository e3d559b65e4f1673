"""The Django module's test settings plus a django CMS site with djangocms-form-builder and the
Selzy action (selzy.contrib.djangocms). Without django CMS installed the apps are left out and
the pass is skipped (:mod:`.conftest`)."""

from __future__ import annotations

import importlib.util

from tests.contrib_django.settings import *  # noqa: F403
from tests.contrib_django.settings import INSTALLED_APPS, MIDDLEWARE, TEMPLATES

CMS_INSTALLED = all(
    importlib.util.find_spec(name) is not None for name in ("cms", "djangocms_form_builder")
)

ROOT_URLCONF = "tests.contrib_django.djangocms_site.urls"
SITE_ID = 1
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
CMS_TEMPLATES = [("page.html", "Page")]
CMS_CONFIRM_VERSION4 = True
if CMS_INSTALLED:
    INSTALLED_APPS = [
        *INSTALLED_APPS,
        "django.contrib.sites",
        "cms",
        "menus",
        "treebeard",
        "sekizai",
        "djangocms_form_builder",
        "selzy.contrib.djangocms",
        "tests.contrib_django.djangocms_site",
    ]
    MIDDLEWARE = [
        *MIDDLEWARE,
        "django.middleware.locale.LocaleMiddleware",
        "cms.middleware.user.CurrentUserMiddleware",
        "cms.middleware.page.CurrentPageMiddleware",
        "cms.middleware.toolbar.ToolbarMiddleware",
        "cms.middleware.language.LanguageCookieMiddleware",
    ]
    TEMPLATES = [
        {
            **TEMPLATES[0],
            "OPTIONS": {
                "context_processors": [
                    *TEMPLATES[0]["OPTIONS"]["context_processors"],
                    "django.template.context_processors.i18n",
                    "sekizai.context_processors.sekizai",
                    "cms.context_processors.cms_settings",
                ]
            },
        }
    ]
