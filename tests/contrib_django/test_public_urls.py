"""The webhook and the segment files outside the admin, and the checks about reaching them.

Selzy calls both from its own servers: under /admin/ they break wherever the admin sits behind
a VPN or an IP allow-list, so the module serves them from its own URLconf, and everything it
hands to Selzy (setHook's URL, createCampaign's contacts_url) points there.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import checks
from django.test import Client, override_settings
from django.urls import reverse

from selzy.contrib.django import jobs
from selzy.contrib.django.models import Campaign, Connection, Message

from .conftest import ACCOUNT_KEY
from .settings import SELZY
from .test_webhooks import signed

STATUS = {
    "login": "ID1",
    "event_name": "campaign_status",
    "event_time": "2025-01-06 10:00:00",
    "campaign_id": 700001,
}


@pytest.fixture
def campaign(connected: Connection) -> Campaign:
    message = Message.objects.create(
        message_id=500001,
        list_id=1,
        sender_name="CRM",
        sender_email="news@example.com",
        subject="Hi",
        body="<p>Hi</p>",
    )
    return Campaign.objects.create(
        message=message, campaign_id=700001, stage="created", status="scheduled"
    )


def check_ids() -> list[str]:
    return [m.id for m in checks.run_checks(tags=["selzy"])]


@pytest.mark.django_db(transaction=True)  # events are processed once the request commits
def test_the_webhook_answers_at_the_public_url_with_auth_verified(campaign: Campaign) -> None:
    url = reverse("selzy:webhook")
    assert url == "/selzy/webhook/"
    forged = signed({**STATUS, "status": "canceled"}, "some0other0key0123456789")
    assert Client().post(url, forged, content_type="application/json").status_code == 403
    campaign.refresh_from_db()
    assert campaign.status == "scheduled"
    body = signed({**STATUS, "status": "in_progress"}, ACCOUNT_KEY)
    response = Client().post(url, body, content_type="application/json")
    assert response.status_code == 200
    campaign.refresh_from_db()
    assert campaign.status == "in_progress"
    assert Client().get(url).status_code == 200  # a sender checking the URL answers


@pytest.mark.django_db(transaction=True)  # events are processed once the request commits
def test_the_old_admin_webhook_url_still_works(campaign: Campaign) -> None:
    """Hooks registered before the public URLconf existed keep arriving."""
    old = reverse("admin:selzy_webhook")
    assert old == "/admin/selzy/connection/webhook/"
    body = signed({**STATUS, "status": "completed"}, ACCOUNT_KEY)
    assert Client().post(old, body, content_type="application/json").status_code == 200
    campaign.refresh_from_db()
    assert campaign.status == "completed"
    bad = json.dumps({"auth": "0" * 32, **STATUS, "status": "canceled"}).encode()
    assert Client().post(old, bad, content_type="application/json").status_code == 403


@pytest.mark.django_db
def test_segment_urls_point_at_the_public_route_and_the_old_one_still_serves() -> None:
    contacts_url = jobs.segment_url("leads", "vip", "https://crm.example/")
    parts = urlsplit(contacts_url)
    assert parts.netloc == "crm.example"
    assert parts.path.startswith("/selzy/segment/")
    assert parts.path.endswith("/contacts.txt")
    token = parts.path.split("/")[3]
    assert parts.path == reverse("selzy:segment_contacts", args=[token])
    old = reverse("admin:selzy_segment_contacts", args=[token])
    for path in (parts.path, old):
        response = Client().get(path)
        assert response.status_code == 200, path
        assert b"".join(response.streaming_content) == b""  # no leads yet
    assert Client().get(reverse("selzy:segment_contacts", args=["made-up"])).status_code == 404


WITHOUT_FORMS = {**SELZY, "SIGNUP_FORMS": {}}


@override_settings(ROOT_URLCONF="tests.contrib_django.urls_admin_only", SELZY=WITHOUT_FORMS)
def test_without_the_public_urlconf_a_check_warns_and_urls_fall_back_to_the_admin() -> None:
    (warning,) = [m for m in checks.run_checks(tags=["selzy"]) if m.id == "selzy.W005"]
    assert "selzy.contrib.django.urls" in (warning.hint or "")
    # Nothing breaks on upgrade: the module still hands out the URLs that answer.
    path = urlsplit(jobs.segment_url("leads", "vip", "https://crm.example")).path
    assert path.startswith("/admin/selzy/connection/segment/")


@override_settings(ROOT_URLCONF="tests.contrib_django.urls_admin_only")
def test_sign_up_forms_without_the_public_urlconf_are_an_error() -> None:
    (error,) = [m for m in checks.run_checks(tags=["selzy"]) if m.id == "selzy.E008"]
    assert "/selzy/signup/<key>/" in error.msg
    assert "selzy.contrib.django.urls" in (error.hint or "")
    assert "selzy.W005" not in check_ids()  # the error says it all


def test_the_public_urlconf_included_is_quiet() -> None:
    assert "selzy.W005" not in check_ids()


def test_a_missing_site_url_is_warned_about() -> None:
    assert "selzy.W006" not in check_ids()
    with override_settings(SELZY={**SELZY, "SITE_URL": None}):
        (warning,) = [m for m in checks.run_checks(tags=["selzy"]) if m.id == "selzy.W006"]
    assert "SITE_URL" in warning.msg


@pytest.mark.parametrize(
    "site_url",
    [
        "http://127.0.0.1:8000",
        "http://localhost:8000",
        "http://app.localhost",
        "https://10.1.2.3",
        "http://192.168.1.20/",
        "http://172.16.0.9",
        "http://[::1]:8000",
        "http://0.0.0.0:8000",
        "http://169.254.1.1",
    ],
)
def test_a_site_url_selzy_cannot_reach_is_warned_about(site_url: str) -> None:
    with override_settings(SELZY={**SELZY, "SITE_URL": site_url}):
        (warning,) = [m for m in checks.run_checks(tags=["selzy"]) if m.id == "selzy.W007"]
    assert urlsplit(site_url).hostname in warning.msg
    assert "selzy.W006" not in check_ids()


@pytest.mark.parametrize(
    "site_url",
    ["https://crm.example", "http://testserver", "http://8.8.8.8", "https://[2001:4860::8888]"],
)
def test_a_reachable_looking_site_url_is_quiet(site_url: str) -> None:
    with override_settings(SELZY={**SELZY, "SITE_URL": site_url}):
        ids: list[Any] = check_ids()
    assert {"selzy.W005", "selzy.W006", "selzy.W007"}.isdisjoint(ids)
