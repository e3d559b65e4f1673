"""What Selzy learns comes back to the demo CRM's leads, walked in real Chromium (issue 10):
the site connected, its leads synced and its webhook registered; then in the emulator's contacts
page one lead unsubscribes and another's address hard-bounces, and the leads' own admin pages
show it: consent cleared for the first, the address marked undeliverable for the second, each
with the event on the lead's Selzy panel. Screenshots go to tests/e2e/artifacts/<test name>/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._setup import connect_with_webhook
from .conftest import DemoSite
from .test_guideline_flow_browser import Steps, reload_until

SYNC_DONE = "Completed"


def test_unsubscribe_and_hard_bounce_reach_the_leads(
    chromium: Any, demo_site: DemoSite, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    site, emulator_url = demo_site.url, demo_site.emulator_url
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(20_000)
    page = context.new_page()
    steps = Steps(page, artifacts)
    try:
        # Log in, connect, pick a new list, keep the suggested mapping, register the webhook.
        connect_with_webhook(page, site, demo_site.account.api_key, "Demo CRM leads")
        steps.shot("webhook-registered")

        # The leads into the list: a full sync, until it completes.
        page.goto(f"{site}/admin/selzy/connection/import/")
        page.get_by_role("button", name="Full sync").click()
        reload_until(
            page,
            lambda: SYNC_DONE in page.inner_text("body"),
            timeout=120,
            what="the full sync did not complete",
        )
        steps.shot("synced")

        # In the emulator: the first contact unsubscribes, the second's address bounces hard.
        page.goto(f"{emulator_url}/_emulator/contacts")
        rows = page.locator("tr", has=page.locator("button[value=unsubscribe]"))
        expect(rows.first).to_be_visible()
        unsubscriber = rows.nth(0).locator("td").nth(1).inner_text().strip()
        bouncer = rows.nth(1).locator("td").nth(1).inner_text().strip()
        steps.shot("emulator-contacts")
        rows.nth(0).locator("button[value=unsubscribe]").click()
        steps.shot("emulator-unsubscribed")
        page.locator("tr", has_text=bouncer).locator("button[value=hard_bounce]").click()
        steps.shot("emulator-bounced")

        # The leads' own pages: within a task-runner cycle of the webhook.
        def open_lead(email: str) -> None:
            page.goto(f"{site}/admin/crm/lead/?q={email}")
            page.locator("#result_list tbody tr th a").first.click()

        open_lead(unsubscriber)
        reload_until(
            page,
            lambda: not page.locator("#id_consent").is_checked(),
            timeout=30,
            what=f"{unsubscriber}'s consent was not cleared",
        )
        expect(page.locator("#id_email_undeliverable")).not_to_be_checked()
        panel = page.locator(".selzy-panel")
        expect(panel.locator(".selzy-contact-state")).to_contain_text("Unsubscribed on")
        expect(panel.locator(".selzy-activity")).to_contain_text("Unsubscribed")
        steps.shot("lead-unsubscribed")

        open_lead(bouncer)
        reload_until(
            page,
            lambda: page.locator("#id_email_undeliverable").is_checked(),
            timeout=30,
            what=f"{bouncer} was not marked undeliverable",
        )
        expect(page.locator("#id_consent")).to_be_checked()  # a bounce is not an unsubscription
        expect(panel.locator(".selzy-contact-state")).not_to_contain_text("Unsubscribed on")
        expect(panel.locator(".selzy-activity")).to_contain_text("Hard bounce")
        steps.shot("lead-bounced")
    except Exception:
        steps.shot("failure")
        raise
    finally:
        context.close()
