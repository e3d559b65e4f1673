"""``GET /_emulator/contacts``: every contact with its standing and buttons that act, escaped."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from emuworld import World

from selzy.emulator import Reply

HTML_TYPE = "text/html; charset=utf-8"


@pytest.fixture
def world() -> Iterator[World]:
    w = World(seed=6)
    yield w
    w.close()


def get(world: World, query: str = "") -> str:
    reply = world.emu.handle("GET", "/_emulator/contacts", query.encode(), {}, b"")
    assert (reply.status, dict(reply.headers)["Content-Type"]) == (200, HTML_TYPE)
    return reply.body.decode()


def press(world: World, page: str, email: str, label: str) -> Reply:
    """Submit the row's form of `email` with the button labelled `label`, as a browser would."""
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    (row,) = [r for r in rows if f"<td>{html.escape(email)}</td>" in r]
    fields = {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', row)
    }
    (action,) = re.findall(rf'<button name="action" value="([a-z_]+)">{label}</button>', row)
    body = urlencode({**fields, "action": action}).encode()
    return world.emu.handle(
        "POST",
        "/_emulator/contacts/act",
        b"",
        {"Content-Type": "application/x-www-form-urlencoded"},
        body,
    )


def test_the_index_links_to_the_contacts(world: World) -> None:
    index = world.emu.handle("GET", "/_emulator/", b"", {}, b"").body.decode()
    assert "<a href='/_emulator/contacts'>Contacts</a>" in index


def test_contacts_are_listed_with_their_standing_and_buttons(world: World) -> None:
    world.import_contacts(["Ann@Example.org", "bob+bounce@example.org"])
    page = get(world)
    assert "1-2 of 2" in page
    assert "<td>Ann@Example.org</td><td>new</td><td>available</td>" in page
    assert f"Newsletter ({world.list_id}): active" in page
    for label in ("Unsubscribe", "Hard bounce", "Soft bounce", "Spam complaint", "Resubscribe"):
        assert page.count(f">{label}</button>") == 2
    assert page.count('<form method="post" action="/_emulator/contacts/act">') == 2


def test_everything_a_user_wrote_is_escaped(world: World) -> None:
    nasty_list = world.api("createList", title="<script>alert('list')</script> & Co")["id"]
    email = "o'hara&<b>@example.org"
    imported = world.api(
        "importContacts",
        field_names=["email", "email_list_ids"],
        data=[["o'hara&co@example.org", str(nasty_list)]],
    )
    assert imported["inserted"] == 1
    page = get(world, "q=<script>")
    assert "<script>" not in page
    assert html.escape("<script>") in page  # the search box keeps what was typed, escaped
    page = get(world)
    assert "<script>alert" not in page
    assert html.escape("<script>alert('list')</script> & Co") in page
    assert "o'hara&co@" not in page
    assert "o&#x27;hara&amp;co@example.org" in page
    notice = get(world, urlencode({"message": email, "error": ""}))
    assert "<b>" not in notice.split("<h1>")[1]
    assert html.escape(email) in notice


def test_a_button_acts_and_comes_back_with_the_outcome(world: World) -> None:
    world.import_contacts([f"lead{i}@example.org" for i in range(3)])
    page = get(world, "q=lead1&page=1")
    reply = press(world, page, "lead1@example.org", "Unsubscribe")
    assert reply.status == 303
    location = dict(reply.headers)["Location"]
    parts = urlsplit(location)
    assert parts.path == "/_emulator/contacts"
    query = parse_qs(parts.query)
    assert query["q"] == ["lead1"]
    assert query["message"] == ["lead1@example.org: unsubscribe (unsubscribe)"]
    assert world.contact("lead1@example.org")["lists"][0]["status"] == "unsubscribed"
    assert [e["event_name"] for e in world.events()] == ["unsubscribe"]
    back = get(world, parts.query)
    assert '<p class="done" role="status">lead1@example.org: unsubscribe (unsubscribe)</p>' in back
    assert f"Newsletter ({world.list_id}): unsubscribed" in back

    assert "<td>lead1@example.org</td><td>unsubscribed</td>" in back  # from every list

    reply = press(world, back, "lead1@example.org", "Unsubscribe")
    assert reply.status == 303
    query = parse_qs(urlsplit(dict(reply.headers)["Location"]).query)
    assert query["error"] == ["lead1@example.org is unsubscribed already"]
    shown = get(world, urlsplit(dict(reply.headers)["Location"]).query)
    assert '<p class="error" role="alert">lead1@example.org is unsubscribed already</p>' in shown

    press(world, get(world), "lead1@example.org", "Resubscribe")
    assert world.api(
        "isContactInLists", email="lead1@example.org", list_ids=world.list_id, condition="and"
    )
    press(world, get(world), "lead2@example.org", "Hard bounce")
    press(world, get(world), "lead0@example.org", "Spam complaint")
    page = get(world)
    assert "<td>lead2@example.org</td><td>new</td><td>unreachable</td>" in page
    assert "<td>lead0@example.org</td><td>new</td><td>spam_folder</td>" in page
    assert [e.get("status") for e in world.events("email_status")] == [
        "err_user_unknown",
        "ok_spam_folder",
    ]


def test_pages_of_fifty(world: World) -> None:
    world.import_contacts([f"c{i:03}@example.org" for i in range(120)])
    first = get(world)
    assert "1-50 of 120" in first
    assert "c000@example.org" in first
    assert "c050@example.org" not in first
    assert 'href="/_emulator/contacts?page=2">Next</a>' in first
    assert "Previous" not in first
    last = get(world, "page=3")
    assert "101-120 of 120" in last
    assert 'href="/_emulator/contacts?page=2">Previous</a>' in last
    assert "Next" not in last
    found = get(world, "q=c11&page=1")
    assert "1-10 of 10" in found
    assert get(world, "page=abc").count("<tr>") == 51
    assert "No contacts." in get(world, "q=nobody")
