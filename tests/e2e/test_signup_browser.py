"""The demo's public newsletter page, walked in real Chromium (issue 11).

The owner connects the demo CRM, picks a list, registers the webhook and sets the list's
confirmation letter on Selzy → Sign-up forms; a visitor subscribes on /newsletter/, the
confirmation letter appears in the emulator's outbox, the visitor clicks its link, the contact
is in the list as confirmed, and the consent record in the admin shows when. A second test
floods the form from one address and sees the limit hold. Screenshots go to
tests/e2e/artifacts/<test name>/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._setup import connect_with_webhook
from .conftest import ADMIN, DemoSite
from .test_guideline_flow_browser import Steps, reload_until

VISITOR = "Visitor.One@Example.com"
LIST_TITLE = "Demo CRM newsletter"
THANKS = "Please check your inbox"
TOO_MANY = "too many sign-ups from you"
PER_IP = 20  # SIGNUP_LIMIT_PER_IP's default: 20 an hour


def _owner_sets_up(page: Any, site: str, api_key: str, steps: Steps) -> None:
    from playwright.sync_api import expect

    # Status updates too: Selzy tells the site when the visitor confirms.
    connect_with_webhook(page, site, api_key, LIST_TITLE)
    # A list made by createList has no confirmation letter: Selzy would refuse the sign-ups.
    page.goto(f"{site}/admin/selzy/connection/signups/")
    expect(page.locator('tr[data-form="newsletter"]')).to_contain_text(LIST_TITLE)
    page.select_option("#id_sender_email", "news@example.com")
    page.fill("#id_sender_name", "Demo CRM")
    steps.shot("confirmation-letter")
    page.locator("#selzy-optin-save").click()
    expect(page.locator(".messagelist")).to_contain_text("confirmation letter of list")
    steps.shot("confirmation-letter-saved")


def test_a_visitor_subscribes_confirms_and_the_consent_is_on_record(
    chromium: Any, demo_site: DemoSite, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    site, emulator_url = demo_site.url, demo_site.emulator_url
    owner_context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    visitor_context = chromium.new_context(viewport={"width": 800, "height": 900}, locale="en-US")
    for context in (owner_context, visitor_context):
        context.set_default_timeout(20_000)
    owner, visitor = owner_context.new_page(), visitor_context.new_page()
    steps, visitor_steps = Steps(owner, artifacts), Steps(visitor, artifacts / "visitor")
    (artifacts / "visitor").mkdir()
    try:
        _owner_sets_up(owner, site, demo_site.account.api_key, steps)

        # The visitor: the public page, no admin session.
        visitor.goto(f"{site}/newsletter/")
        expect(visitor.locator("#selzy-newsletter-consent")).not_to_be_checked()
        visitor.fill("#selzy-newsletter-email", VISITOR)
        visitor.fill("#selzy-newsletter-Name", "Анна Петрова")
        visitor.check("#selzy-newsletter-consent")
        visitor_steps.shot("form-filled")
        visitor.get_by_role("button", name="Subscribe").click()
        expect(visitor.locator(".selzy-signup-done")).to_contain_text(THANKS)
        assert visitor.url.endswith("/newsletter/?signed_up=newsletter")
        visitor_steps.shot("thanks")

        # The letter Selzy sent (the site's queue sends in the background).
        visitor.goto(f"{emulator_url}/_emulator/outbox")
        row = visitor.locator("tr", has_text=VISITOR)
        reload_until(
            visitor, lambda: row.count() > 0, timeout=30, what="no confirmation letter came"
        )
        visitor_steps.shot("outbox")
        row.locator("td").nth(4).get_by_role("link").click()  # the letter itself
        visitor_steps.shot("letter")
        visitor.get_by_role("link", name="yes, subscribe me").click()
        expect(visitor.locator("body")).to_contain_text("is subscribed")
        visitor_steps.shot("confirmed-in-selzy")

        # Selzy has the contact in the list, confirmed.
        (account,) = demo_site.emulator.state_dump()["accounts"]
        list_id = next(lst["id"] for lst in account["lists"] if lst["title"] == LIST_TITLE)
        (contact,) = [c for c in account["contacts"] if c["email"].lower() == VISITOR.lower()]
        assert contact["email_lists"] == {str(list_id): "active"}
        assert contact["fields"]["Name"] == "Анна Петрова"
        assert contact["tags"] == ["website"]

        # The owner finds the consent record, confirmed (the webhook came back).
        owner.goto(f"{site}/admin/selzy/consentrecord/?q={VISITOR}")
        owner.locator("#result_list tbody tr th a").first.click()
        confirmed = owner.locator(".field-confirmed_at .readonly")
        reload_until(
            owner,
            lambda: confirmed.inner_text().strip() not in ("", "-"),
            timeout=30,
            what="the consent record was not confirmed",
        )
        expect(owner.locator(".field-consent_text .readonly")).to_contain_text(
            "I agree to receive the Demo CRM newsletter by email"
        )
        expect(owner.locator(".field-consent_version .readonly")).to_have_text("2026-01")
        expect(owner.locator(".field-ip_mode .readonly")).to_contain_text("HMAC")
        steps.shot("consent-record")
        owner.goto(f"{site}/admin/selzy/signup/?q={VISITOR}")
        expect(owner.locator("#result_list tbody tr").first).to_contain_text("Confirmed")
        steps.shot("sign-up-confirmed")
    except Exception:
        steps.shot("failure")
        visitor_steps.shot("failure")
        raise
    finally:
        owner_context.close()
        visitor_context.close()


def test_a_flood_from_one_address_is_held_at_the_limit(
    chromium: Any, demo_site: DemoSite, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    site = demo_site.url
    context = chromium.new_context(viewport={"width": 800, "height": 900}, locale="en-US")
    context.set_default_timeout(20_000)
    page = context.new_page()
    steps = Steps(page, artifacts)
    statuses = []
    try:
        for i in range(PER_IP + 3):
            page.goto(f"{site}/newsletter/")
            page.fill("#selzy-newsletter-email", f"flood{i}@example.com")
            page.check("#selzy-newsletter-consent")
            with page.expect_response(lambda r: r.request.method == "POST") as posted:
                page.get_by_role("button", name="Subscribe").click()
            statuses.append(posted.value.status)
            page.wait_for_load_state()
            if i in (0, PER_IP):
                steps.shot(f"post-{i + 1}")
        assert statuses == [302] * PER_IP + [429] * 3
        expect(page.locator(".selzy-signup-notice")).to_contain_text(TOO_MANY)
        expect(page.locator("form.selzy-signup-form")).to_have_count(0)

        # What got through is stored, what did not left no trace.
        page.goto(f"{site}/admin/")
        page.fill("#id_username", ADMIN[0])
        page.fill("#id_password", ADMIN[1])
        page.get_by_role("button", name="Log in").click()
        page.goto(f"{site}/admin/selzy/signup/")
        expect(page.locator("#changelist-form .paginator")).to_contain_text(f"{PER_IP} sign-ups")
        page.goto(f"{site}/admin/selzy/consentrecord/?q=flood{PER_IP}@example.com")
        expect(page.locator("#changelist-form .paginator")).to_contain_text("0 consent records")
        steps.shot("stored")
    except Exception:
        steps.shot("failure")
        raise
    finally:
        context.close()
