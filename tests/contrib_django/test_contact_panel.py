"""The Selzy panel on a contact's own admin page (the test CRM's admin includes it in one line):
the ledger's status cache and the activity of the record's address, for integer, UUID and text
keys, escaped, capped, and only for staff who may see the record."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Permission, User
from django.test import Client, override_settings
from django.urls import reverse

from selzy.contrib.django.contact_panel import ACTIVITY_SHOWN, SelzyContactPanel, render_panel
from selzy.contrib.django.models import Campaign, ContactActivity, ContactState, Message
from tests.contrib_django.crm.models import Customer, Lead, Person

from .settings import SELZY

pytestmark = pytest.mark.django_db

SOURCES = {
    **SELZY["CONTACT_SOURCES"],
    "people": {"model": "crm.Person", "fields": ["email", "name"]},
    "customers": {"model": "crm.Customer", "fields": ["email", "name"]},
}
AT = dt.datetime(2025, 3, 4, 9, 15, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def sources() -> Iterator[None]:
    with override_settings(SELZY={**SELZY, "CONTACT_SOURCES": SOURCES}):
        yield


def staff(username: str, *codenames: str) -> User:
    user = User.objects.create_user(username, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def page(client: Client, obj: Any) -> str:
    meta = obj._meta
    response = client.get(
        reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[quote(obj.pk)])
    )
    assert response.status_code == 200
    return response.content.decode()


def synced(source: str, obj: Any, email: str, **state: Any) -> ContactState:
    """The record's ledger row as a sync (and Selzy's feedback) left it."""
    row, _ = ContactState.objects.update_or_create(
        source=source, source_id=str(obj.pk), defaults={"email": email, "synced_at": AT, **state}
    )
    return row


def activity(email: str, kind: str, minutes: int, campaign_id: int = 700001, **extra: Any) -> None:
    ContactActivity.objects.create(
        email=email.lower(),
        campaign_id=campaign_id,
        kind=kind,
        happened_at=AT + dt.timedelta(minutes=minutes),
        origin="delivery_stats",
        **extra,
    )


def panel_of(html: str) -> str:
    """The panel's part of the page."""
    found = re.search(r'<div class="selzy-panel">.*?</div>', html, re.S)
    assert found is not None, "no Selzy panel on the page"
    return found.group(0)


def test_a_leads_page_shows_its_state_and_activity_newest_first(client: Client) -> None:
    client.force_login(User.objects.create_superuser("root"))
    lead = Lead.objects.create(email="Reader@Example.com", name="Reader")
    synced("leads", lead, "Reader@example.com", soft_bounces=2, last_soft_bounce_at=AT)
    message = Message.objects.create(
        message_id=5, list_id=1, sender_name="S", sender_email="s@x.example",
        subject="<script>alert(1)</script> Sale", body="b",
    )  # fmt: skip
    campaign = Campaign.objects.create(message=message, campaign_id=700001, stage="created")
    activity("reader@example.com", "sent", 0)
    activity("reader@example.com", "opened", 5)
    activity("reader@example.com", "soft_bounce", 1, campaign_id=700002, status="<b>full</b>")
    activity("someone.else@example.com", "clicked", 9)
    html = panel_of(page(client, lead))
    assert "Reader@example.com" in html
    assert "2 soft bounces" in html
    assert "Subscribed" in html
    kinds = re.findall(r"<tr><td>[^<]*</td><td>([^<]+)</td>", html)
    assert kinds == ["Opened", "Soft bounce", "Sent"]  # newest first; others' activity not
    # Everything Selzy or a user wrote is escaped.
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Sale" in html
    assert "&lt;b&gt;full&lt;/b&gt;" in html
    assert reverse("admin:selzy_campaign", args=[campaign.pk]) in html
    assert "Campaign 700002" in html  # a campaign sent from elsewhere: its id
    assert "3 activities." in html


def test_the_panel_shows_what_selzy_said_about_the_address(client: Client) -> None:
    client.force_login(User.objects.create_superuser("root"))
    lead = Lead.objects.create(email="gone@example.com", name="Gone")
    synced(
        "leads", lead, "gone@example.com",
        unsubscribed=True, status_at=AT, undeliverable_at=AT, complained_at=AT,
    )  # fmt: skip
    html = panel_of(page(client, lead))
    assert "Unsubscribed on" in html
    assert html.count("2025") >= 4  # synced, unsubscribed, undeliverable, complaint
    assert "No activity yet." in html


def test_the_activity_list_is_capped_with_the_count(client: Client) -> None:
    client.force_login(User.objects.create_superuser("root"))
    lead = Lead.objects.create(email="busy@example.com")
    synced("leads", lead, "busy@example.com")
    ContactActivity.objects.bulk_create(
        ContactActivity(
            email="busy@example.com", campaign_id=800000 + i, kind="sent",
            happened_at=AT + dt.timedelta(hours=i), origin="webhook",
        )
        for i in range(ACTIVITY_SHOWN + 10)
    )  # fmt: skip
    html = panel_of(page(client, lead))
    assert html.count("<tr><td>") == ACTIVITY_SHOWN
    assert f"The latest {ACTIVITY_SHOWN} of {ACTIVITY_SHOWN + 10} activities." in html
    assert f"Campaign {800000 + ACTIVITY_SHOWN + 9}" in html  # the newest is shown
    assert "Campaign 800000<" not in html  # the oldest is not


@pytest.mark.parametrize("kind", ["uuid", "text"])
def test_records_keyed_by_uuid_or_text_find_their_ledger_row(client: Client, kind: str) -> None:
    client.force_login(User.objects.create_superuser("root"))
    record: Any
    if kind == "uuid":  # the panel among readonly_fields
        record, source = Person.objects.create(email="p@crm.example", name="Персона 🙂"), "people"
    else:  # the mixin beside declared fieldsets
        record, source = (
            Customer.objects.create(code="C-00001/ÄÖ", email="c@crm.example"),
            "customers",
        )
    synced(source, record, record.email)
    activity(record.email, "delivered", 3)
    html = panel_of(page(client, record))
    assert record.email in html
    assert "Delivered" in html


def test_a_record_never_synced_says_so_and_the_add_page_has_no_panel(client: Client) -> None:
    client.force_login(User.objects.create_superuser("root"))
    lead = Lead.objects.create(email="new@example.com")
    ContactState.objects.filter(source="leads").delete()  # the save only marked it
    html = page(client, lead)
    assert "This record has not been sent to Selzy yet." in html
    add = client.get(reverse("admin:crm_lead_add")).content.decode()
    assert "selzy-panel" not in add
    assert "Saved records only." in str(render_panel(None))


def test_only_staff_who_may_view_the_record_see_it(client: Client) -> None:
    lead = Lead.objects.create(email="private@example.com")
    synced("leads", lead, "private@example.com")
    activity("private@example.com", "opened", 1)
    url = reverse("admin:crm_lead_change", args=[lead.pk])
    client.force_login(staff("clerk", "send_selzy_campaigns"))  # the module, not the leads
    assert client.get(url).status_code == 403
    client.force_login(staff("viewer", "view_lead"))
    assert "Opened" in panel_of(page(client, lead))


def test_the_panel_is_one_readonly_field() -> None:
    panel = SelzyContactPanel()
    assert callable(panel)
    assert str(panel.short_description) == "Status and activity"
