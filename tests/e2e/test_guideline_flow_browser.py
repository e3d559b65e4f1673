"""The guideline flow in real Chromium, clicked as a person would, over the demo CRM and the
emulator: login, connect, list, mapping, a new sender confirmed from the emulator's outbox,
message, test email, campaign, statistics, the per-contact activity (the campaign's follow-ups,
a lead's own page). A screenshot of every step goes to
tests/e2e/artifacts/<test name>/ (ignored by git)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from ._setup import LIST_SELECTED, LOGGED_IN, MAPPING_DONE
from .conftest import ADMIN, DemoSite

SENDER = "crm@selzydemo.example"
OWNER = "owner@selzydemo.example"
SUBJECT = "Spring offers for {{Name}}"
BODY = (
    "<h1>Hello {{Name}}</h1><p>Our spring offers are here.</p>"
    '<p><a href="https://selzydemo.example/offers">See the offers</a></p>'
)
SENDER_LETTER_SENT = (
    "Confirmation letter has been sent to your address, you can send emails from this address "
    "after clicking the link"
)
CAMPAIGN_SENT = "Your campaign has been sent"
CREATE_FIELD = "__new__"  # the mapping select's "Create a new Selzy field" option


class Steps:
    """Numbered full-page screenshots, and the page's text at each one for failure reports."""

    def __init__(self, page: Any, folder: Path) -> None:
        self.page = page
        self.folder = folder
        self.count = 0

    def shot(self, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def reload_until(page: Any, found: Callable[[], bool], *, timeout: float, what: str) -> None:
    """Reload the page (as a person presses F5) until ``found()``; bounded by ``timeout``."""
    deadline = time.monotonic() + timeout
    while not found():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{what} within {timeout:.0f} s; the page says:\n{page.inner_text('body')[:3000]}"
            )
        page.wait_for_timeout(1000)
        page.reload()


def test_guideline_flow_in_chromium(chromium: Any, demo_site: DemoSite, artifacts: Path) -> None:
    from playwright.sync_api import expect

    site, emulator_url = demo_site.url, demo_site.emulator_url
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(20_000)
    page = context.new_page()
    steps = Steps(page, artifacts)
    try:
        # Admin login.
        page.goto(f"{site}/admin/")
        page.fill("#id_username", ADMIN[0])
        page.fill("#id_password", ADMIN[1])
        steps.shot("admin-login")
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(f"{site}/admin/")
        steps.shot("admin-index")

        # Selzy: the overview, then Connect with the account's API key.
        page.locator('a[href="/admin/selzy/connection/"]').first.click()
        expect(page.locator("#selzy-step-connect")).to_be_visible()
        steps.shot("selzy-overview")
        page.locator("#selzy-go-connect").click()
        page.fill("#id_api_key", demo_site.account.api_key)
        steps.shot("connect")
        page.get_by_role("button", name="Log in", exact=True).click()
        expect(page.get_by_text(LOGGED_IN)).to_be_visible()
        assert demo_site.account.api_key not in page.content()

        # The list: a new one, created in Selzy.
        page.fill("#id_new_list_title", "Demo CRM leads")
        steps.shot("list")
        page.get_by_role("button", name="Select list").click()
        expect(page.get_by_text(LIST_SELECTED)).to_be_visible()
        steps.shot("list-selected")
        page.locator("#selzy-continue").click()

        # The mapping: the suggestions, plus two new Selzy fields (createField) for fields the
        # account does not have yet.
        expect(page.locator("select[name=map_email]")).to_have_value("email")
        page.select_option("select[name=map_company]", CREATE_FIELD)
        page.select_option("select[name=map_birthday]", CREATE_FIELD)
        steps.shot("mapping")
        page.get_by_role("button", name="Save mapping").click()
        expect(page.get_by_text(MAPPING_DONE)).to_be_visible()
        steps.shot("mapping-done")

        # A new sender: validate, then follow the link in the emulator's outbox.
        page.locator("#selzy-validate-sender").click()
        page.fill("#id_email", SENDER)
        page.get_by_role("button", name="Validate sender").click()
        expect(page.get_by_text(SENDER_LETTER_SENT)).to_be_visible()
        steps.shot("sender-letter-sent")
        page.goto(f"{emulator_url}/_emulator/outbox")
        row = page.locator("tr", has_text=SENDER)
        expect(row).to_be_visible()
        steps.shot("outbox-confirmation")
        row.get_by_role("link").last.click()
        steps.shot("sender-confirmed-in-selzy")
        page.goto(f"{site}/admin/selzy/connection/sender/")
        expect(page.locator(f'tr[data-email="{SENDER}"][data-confirmed="yes"]')).to_be_visible()
        steps.shot("sender-confirmed")

        # The message, from the confirmed sender, with a small attachment.
        page.get_by_role("link", name="Back to the message").click()
        page.select_option("#id_sender_email", SENDER)
        page.fill("#id_sender_name", "Demo CRM")
        page.fill("#id_subject", SUBJECT)
        page.fill("#id_body", BODY)
        page.set_input_files(
            "#id_attachments",
            files=[{"name": "price-list.txt", "mimeType": "text/plain", "buffer": b"Prices\n"}],
        )
        steps.shot("message")
        page.get_by_role("button", name="Create message").click()
        expect(page.locator("#selzy-message")).to_be_visible()
        steps.shot("message-created")

        # A test email, read in the outbox.
        page.fill("#id_test_emails", OWNER)
        page.get_by_role("button", name="Send test email").click()
        expect(page.locator(".messagelist")).to_contain_text(OWNER)
        steps.shot("test-email-sent")
        message_page = page.url
        page.goto(f"{emulator_url}/_emulator/outbox")
        expect(page.locator("tr", has_text=OWNER)).to_contain_text("Spring offers")
        steps.shot("outbox-test-letter")

        # The campaign, now: contacts imported in the background, then createCampaign.
        page.goto(message_page)
        page.locator("#selzy-send-campaign").click()
        page.locator("input[name=send_mode][value=now]").check()
        steps.shot("campaign")
        page.get_by_role("button", name="Send campaign").click()
        reload_until(
            page,
            lambda: CAMPAIGN_SENT in page.inner_text("body"),
            timeout=120,
            what=f"{CAMPAIGN_SENT!r} did not appear",
        )
        steps.shot("campaign-sent")

        # Two days later (the emulator's clock): statistics.
        with httpx.Client(timeout=10) as client:
            client.post(f"{emulator_url}/_emulator/clock/advance", data={"days": 2})
        page.get_by_role("button", name="Refresh").click()
        delivered = page.locator("#stat-delivered")
        expect(delivered).to_be_visible()
        assert int(delivered.inner_text().replace(",", "")) > 0
        expect(page.locator("#selzy-chart polyline").first).to_be_attached()
        steps.shot("statistics")

        # The refresh fetched each lead's activity in the background: the campaign page counts
        # it and offers the follow-ups.
        reload_until(
            page,
            lambda: page.locator("#activity-delivered").count() > 0,
            timeout=60,
            what="the per-contact activity was not fetched",
        )
        assert int(page.inner_text("#activity-delivered").replace(",", "")) > 0
        expect(page.locator("#selzy-follow-up-opened")).to_be_enabled()
        steps.shot("follow-up")
        campaign_page = page.url

        # A lead's own page ends with its Selzy section: its state and its activity.
        page.goto(f"{site}/admin/crm/lead/?consent__exact=1")
        leads = page.locator("#result_list tbody tr th a")
        links = [leads.nth(i).get_attribute("href") for i in range(5)]
        for link in links:  # the first few consenting leads: one was surely delivered
            page.goto(f"{site}{link}")
            if "Delivered" in page.locator(".selzy-panel").inner_text():
                break
        else:
            raise AssertionError(f"none of the leads {links} shows a delivery")
        expect(page.locator(".selzy-contact-state")).to_contain_text("Synced")
        steps.shot("lead-activity")

        # The import behind the campaign: totals, and the rows Selzy refused, with the reason.
        page.goto(campaign_page)
        page.get_by_role("link", name="Import details").click()
        expect(page.locator("#selzy-rejections")).to_contain_text("role address")
        steps.shot("import-details")
    except Exception:
        steps.shot("failure")
        raise
    finally:
        context.close()
