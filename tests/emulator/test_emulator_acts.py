"""``POST /_emulator/contacts/act`` and `Emulator.act`: a contact does something now, and the
contact, the statistics, the report, the export and the hook all hear of it as from a campaign."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from emuwire import Api
from emuworld import World
from test_emulator_feedback import assert_agree

from selzy.emulator import ActRefused, Reply

BASE = "http://emu.test"


@pytest.fixture
def world() -> Iterator[World]:
    w = World(seed=5)
    yield w
    w.close()


def post(world: World, path: str, body: dict[str, Any] | bytes, ctype: str = "") -> Reply:
    if isinstance(body, dict):
        body, ctype = json.dumps(body).encode(), "application/json"
    headers = {"Content-Type": ctype} if ctype else {}
    return world.emu.handle("POST", path, b"", headers, body, base_url=BASE)


def act(world: World, status: int = 200, **args: Any) -> dict[str, Any]:
    reply = post(world, "/_emulator/contacts/act", args)
    assert reply.status == status, reply.body
    answer: dict[str, Any] = json.loads(reply.body)
    return answer


def test_hard_bounce_without_a_letter(world: World) -> None:
    world.import_contacts(["Ann.Lee@Example.org"])
    answer = act(world, email="ann.lee@example.org", action="hard_bounce")
    assert answer["email"] == "Ann.Lee@Example.org"
    assert answer["contact"]["email_availability"] == "unreachable"
    (event,) = answer["events"]
    assert event["event_name"] == "email_status"
    # A letter outside campaigns: no campaign_id to mislead the statistics.
    assert event["event_data"] == {
        "email": "Ann.Lee@Example.org",
        "status": "err_user_unknown",
        "status_group": "fail_group",
    }
    heard = world.events("email_status")
    assert [e["status"] for e in heard] == ["err_user_unknown"]
    exported = world.export("email", "email_availability")["ann.lee@example.org"]
    assert exported["email_availability"] == "unreachable"
    again = act(world, 409, email="ann.lee@example.org", action="hard_bounce")
    assert again == {"error": "Ann.Lee@Example.org is unreachable already (it bounced hard)"}
    assert len(world.events("email_status")) == 1


def test_unsubscribe_through_the_newest_letter_counts_in_its_campaign(world: World) -> None:
    world.import_contacts([f"p{i}+noread@example.org" for i in range(20)])
    cid = world.campaign()
    world.emu.advance(hours=1)
    before = world.stats(cid)
    assert before["unsubscribed"] == 0
    answer = act(world, email="p3+noread@example.org", action="unsubscribe")
    statuses = [(e["event_name"], e["event_data"].get("status")) for e in answer["events"]]
    # Unsubscribing through the link opens the letter first, as the model's unsubscribers do.
    assert statuses == [
        ("email_status", "ok_read"),
        ("email_status", "ok_unsubscribed"),
        ("unsubscribe", None),
    ]
    assert answer["events"][2]["event_data"]["unsubscribed_list_ids"] == [world.list_id]
    assert answer["contact"]["email_lists"] == {str(world.list_id): "unsubscribed"}
    after = assert_agree(world, cid)
    assert (after["unsubscribed"], after["read_unique"]) == (1, 1)
    assert world.report(cid)["p3+noread@example.org"] == "ok_unsubscribed"
    world.emu.advance(hours=3)
    assert_agree(world, cid)
    row = world.export("email", "email_list_ids", "email_unsubscribed_list_ids")
    assert row["p3+noread@example.org"]["email_unsubscribed_list_ids"] == str(world.list_id)
    assert row["p3+noread@example.org"]["email_list_ids"] == ""
    assert not world.api(
        "isContactInLists", email="p3+noread@example.org", list_ids=world.list_id, condition="or"
    )
    # Again, with no list left: the address leaves everything (every list, so none named).
    everything = act(world, email="p3+noread@example.org", action="unsubscribe")
    assert everything["contact"]["email_status"] == "unsubscribed"
    assert everything["events"][0]["event_data"]["unsubscribed_list_ids"] == []
    assert act(world, 409, email="p3+noread@example.org", action="unsubscribe") == {
        "error": "p3+noread@example.org is unsubscribed already"
    }


def test_resubscribe_after_unsubscribing(world: World) -> None:
    world.import_contacts(["bo@example.org"])
    act(world, email="bo@example.org", action="unsubscribe", list_id=world.list_id)
    assert world.contact("bo@example.org")["lists"][0]["status"] == "unsubscribed"
    answer = act(world, email="bo@example.org", action="subscribe")
    assert [e["event_name"] for e in answer["events"]] == ["subscribe"]
    assert answer["events"][0]["event_data"] == {
        "email": "bo@example.org",
        "subscribed_list_ids": [world.list_id],
    }
    assert world.api(
        "isContactInLists", email="bo@example.org", list_ids=world.list_id, condition="and"
    )
    assert act(world, 409, email="bo@example.org", action="subscribe") == {
        "error": "bo@example.org is subscribed already to its lists"
    }
    assert act(world, 409, email="bo@example.org", action="subscribe", list_id=world.list_id) == {
        "error": "bo@example.org is subscribed already"
    }
    assert [e["event_name"] for e in world.events()] == ["unsubscribe", "subscribe"]


def test_unsubscribe_from_everything_without_a_letter(world: World) -> None:
    other = world.api("createList", title="Другой список")["id"]
    world.import_contacts(["cy@example.org"])
    world.api(
        "importContacts",
        field_names=["email", "email_list_ids"],
        data=[["cy@example.org", str(other)]],
    )
    answer = act(world, email="cy@example.org", action="unsubscribe")
    assert answer["contact"]["email_status"] == "unsubscribed"
    assert sorted(answer["events"][0]["event_data"]["unsubscribed_list_ids"]) == sorted(
        [world.list_id, other]
    )
    assert act(world, 409, email="cy@example.org", action="unsubscribe") == {
        "error": "cy@example.org is unsubscribed already"
    }
    back = act(world, email="cy@example.org", action="subscribe")
    assert back["contact"]["email_status"] == "active"
    assert set(back["contact"]["email_lists"].values()) == {"active"}


def test_open_click_and_complaint_on_a_delivered_letter(world: World) -> None:
    world.import_contacts([f"q{i}+noread@example.org" for i in range(10)])
    cid = world.campaign()
    assert act(world, 409, email="q1+noread@example.org", action="open") == {
        "error": "no campaign letter was delivered to q1+noread@example.org to open"
    }
    world.emu.advance(hours=1)
    opened = act(world, email="q1+noread@example.org", action="open")
    assert [e["event_data"]["status"] for e in opened["events"]] == ["ok_read"]
    assert opened["events"][0]["event_data"]["campaign_id"] == cid
    # A second open changes no status: counted, not announced.
    assert act(world, email="q1+noread@example.org", action="open")["events"] == []
    assert world.stats(cid)["read_all"] == 2
    clicked = act(
        world,
        email="q2+noread@example.org",
        action="click",
        url="https://shop.example/b?x=1&amp;y=2",
    )
    assert [e["event_data"]["status"] for e in clicked["events"]] == ["ok_read", "ok_link_visited"]
    links = world.api("getVisitedLinks", campaign_id=cid)["data"]
    assert [(row[0], row[1]) for row in links] == [
        ("q2+noread@example.org", "https://shop.example/b?x=1&amp;y=2")
    ]
    bad = act(world, 400, email="q2+noread@example.org", action="click", url="https://evil.example")
    assert bad["error"].startswith(f"url: not a tracked link of campaign {cid}")
    spam = act(world, email="q3+noread@example.org", action="complaint")
    assert [e["event_data"]["status"] for e in spam["events"]] == ["ok_spam_folder"]
    assert spam["contact"]["email_availability"] == "spam_folder"
    stats = assert_agree(world, cid)
    assert (stats["read_unique"], stats["clicked_unique"], stats["spam"]) == (2, 1, 1)
    world.emu.advance(hours=3)
    assert assert_agree(world, cid) == stats


def test_bounce_of_a_letter_in_flight_replaces_its_delivery(world: World) -> None:
    world.import_contacts(["slow+deferred@example.org", "x@example.org"])
    cid = world.campaign()
    while "err_will_retry" not in world.statuses(cid):
        world.emu.advance(seconds=20)
    answer = act(world, email="slow+deferred@example.org", action="hard_bounce", campaign_id=cid)
    assert [e["event_data"] for e in answer["events"]] == [
        {
            "email": "slow+deferred@example.org",
            "status": "err_user_unknown",
            "status_group": "fail_group",
            "campaign_id": cid,
        }
    ]
    world.emu.advance(hours=4)
    stats = assert_agree(world, cid)
    assert world.report(cid)["slow+deferred@example.org"] == "err_user_unknown"
    assert stats["delivered"] == world.statuses(cid)["ok_delivered"]
    # The planned delivery never happens now.
    delivered = [e["email"] for e in world.events("email_status") if e["status"] == "ok_delivered"]
    assert "slow+deferred@example.org" not in delivered
    refused = act(world, 409, email="x@example.org", action="soft_bounce", campaign_id=cid)
    assert refused["error"].startswith(
        f"campaign {cid}: the letter to x@example.org has its result"
    )


def test_soft_bounces_repeat_and_never_make_an_address_unreachable(world: World) -> None:
    world.import_contacts(["full@example.org"])
    for _ in range(3):
        answer = act(world, email="full@example.org", action="soft_bounce")
        assert answer["contact"]["email_availability"] == "mailbox_full"
    assert world.statuses()["err_mailbox_full"] == 3


@pytest.mark.parametrize(
    ("args", "status", "error"),
    [
        ({"email": "nobody@example.org", "action": "open"}, 404, "no account has a contact"),
        ({"email": "a@example.org", "action": "dance"}, 400, "action: 'dance' is not one of"),
        ({"email": "", "action": "open"}, 400, "email: required"),
        ({"email": "a@example.org", "action": "unsubscribe", "list_id": "abc"}, 400, "list_id: "),
        ({"email": "a@example.org", "action": "subscribe", "list_id": 9}, 404, "list_id: account"),
        ({"email": "a@example.org", "action": "open", "campaign_id": 1}, 404, "campaign_id: "),
        ({"email": "a@example.org", "action": "open", "login": "x"}, 404, "login: no account"),
    ],
)
def test_refusals_say_why(world: World, args: dict[str, Any], status: int, error: str) -> None:
    world.import_contacts(["a@example.org"])
    assert act(world, status, **args)["error"].startswith(error)
    assert world.events() == []


def test_acts_are_post_only_and_read_forms(world: World) -> None:
    world.import_contacts(["form@example.org"])
    for method in ("GET", "PUT", "DELETE"):
        reply = world.emu.handle(
            method,
            "/_emulator/contacts/act",
            b"email=form%40example.org&action=hard_bounce",
            {},
            b"",
        )
        assert reply.status == 404
    assert world.contact("form@example.org")["email"]["availability"] == "available"
    reply = post(
        world,
        "/_emulator/contacts/act",
        b"email=form%40example.org&action=hard_bounce",
        "application/x-www-form-urlencoded",
    )
    assert reply.status == 200
    assert world.contact("form@example.org")["email"]["availability"] == "unreachable"


def test_an_address_in_two_accounts_needs_a_login(world: World) -> None:
    world.import_contacts(["twice@example.org"])
    other = world.emu.seed_account("other-key", login="other")
    Api(world.http, "other-key")(
        "importContacts",
        field_names=["email", "email_list_ids"],
        data=[["twice@example.org", str(other.list_ids["Newsletter"])]],
    )
    with pytest.raises(ActRefused, match="several accounts"):
        world.emu.act("twice@example.org", "hard_bounce")
    answer = world.emu.act("twice@example.org", "hard_bounce", login="other")
    assert answer["login"] == "other"
    assert world.contact("twice@example.org")["email"]["availability"] == "available"
    # The other account has no hook: nothing reached ours.
    assert world.events() == []


def test_a_refused_act_still_delivers_what_fell_due(world: World) -> None:
    world.import_contacts(["due@example.org"])
    world.campaign()
    world.emu.clock.advance(3600)  # time passes without anyone replaying it
    with pytest.raises(ActRefused):
        world.emu.act("due@example.org", "subscribe")
    assert world.statuses()["ok_sent"] == 1


def test_an_unsubscribe_names_one_letter_and_its_list(world: World) -> None:
    other = world.api("createList", title="Other")["id"]
    world.import_contacts(["dee+read@example.org"])
    cid = world.campaign()
    world.emu.advance(hours=1)
    mismatch = act(
        world,
        409,
        email="dee+read@example.org",
        action="unsubscribe",
        campaign_id=cid,
        list_id=other,
    )
    assert mismatch["error"].startswith("dee+read@example.org is not subscribed to list")
    world.api(
        "importContacts",
        field_names=["email", "email_list_ids"],
        data=[["dee+read@example.org", str(other)]],
    )
    mismatch = act(
        world,
        400,
        email="dee+read@example.org",
        action="unsubscribe",
        campaign_id=cid,
        list_id=other,
    )
    assert mismatch == {"error": f"campaign {cid} went to list {world.list_id}, not {other}"}
    # Without a letter of that list, the other list is left as from an unsubscribe page.
    answer = act(world, email="dee+read@example.org", action="unsubscribe", list_id=other)
    assert [e["event_name"] for e in answer["events"]] == ["unsubscribe"]
    assert answer["contact"]["email_lists"] == {
        str(world.list_id): "active",
        str(other): "unsubscribed",
    }
    assert answer["contact"]["email_status"] == "new"
    assert world.stats(cid)["unsubscribed"] == 0


def test_a_hard_bounce_dooms_the_letters_not_sent_yet(world: World) -> None:
    world.import_contacts(["later+click@example.org"])
    cid = world.campaign(start_time="2025-01-07 12:00", timezone="UTC")
    answer = act(world, email="later+click@example.org", action="hard_bounce")
    assert "campaign_id" not in answer["events"][0]["event_data"]
    world.emu.advance(days=2)
    assert world.report(cid) == {"later+click@example.org": "err_user_unknown"}
    assert assert_agree(world, cid)["delivered"] == 0
