"""The owner's set-up the browser tests share: log in, connect the account, create a list, keep
the suggested mapping, and register the webhook (Receive status updates)."""

from __future__ import annotations

from typing import Any

from .conftest import ADMIN

LOGGED_IN = "You have successfully logged in"
LIST_SELECTED = "List has been selected"
MAPPING_DONE = "Mapping of the fields has been completed successfully"


def connect_with_webhook(page: Any, site: str, api_key: str, list_title: str) -> None:
    """Walk the set-up screens as the owner would, ending with the webhook registered."""
    from playwright.sync_api import expect

    page.goto(f"{site}/admin/")
    page.fill("#id_username", ADMIN[0])
    page.fill("#id_password", ADMIN[1])
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{site}/admin/selzy/connection/")
    page.locator("#selzy-go-connect").click()
    page.fill("#id_api_key", api_key)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_text(LOGGED_IN)).to_be_visible()
    page.fill("#id_new_list_title", list_title)
    page.get_by_role("button", name="Select list").click()
    expect(page.get_by_text(LIST_SELECTED)).to_be_visible()
    page.locator("#selzy-continue").click()
    page.get_by_role("button", name="Save mapping").click()
    expect(page.get_by_text(MAPPING_DONE)).to_be_visible()
    page.goto(f"{site}/admin/selzy/connection/")
    page.locator("#selzy-webhook-register").click()
    expect(page.locator(".messagelist")).to_contain_text("Selzy will notify")
