"""``subscribe`` and ``unsubscribe`` events: sent when a person joins or leaves a list, once, and
never for a change that did not happen."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from emuworld import World


@pytest.fixture
def world() -> Iterator[World]:
    w = World(seed=8)
    w.api(
        "updateOptInEmail",
        list_id=w.list_id,
        sender_name="Shop",
        sender_email="news@example.com",
        subject="Подтвердите подписку",
        body='<a href="{{ConfirmUrl}}">Yes</a>',
    )
    yield w
    w.close()


def subscribe(world: World, email: str, double_optin: int, **more: Any) -> None:
    world.api(
        "subscribe",
        list_ids=str(world.list_id),
        fields={"email": email, "Name": "Зоя 🌷"},
        double_optin=double_optin,
        **more,
    )


def joined(world: World) -> list[tuple[str, list[int]]]:
    return [(e["email"], e["subscribed_list_ids"]) for e in world.events("subscribe")]


def test_subscribe_at_once_tells_once(world: World) -> None:
    subscribe(world, "Zoya@Example.org", 3)
    assert joined(world) == [("Zoya@Example.org", [world.list_id])]
    subscribe(world, "zoya@example.org", 3)  # already in the list: nothing new
    subscribe(world, "zoya@example.org", 4)  # known and active: added at once, nothing new
    assert joined(world) == [("Zoya@Example.org", [world.list_id])]
    other = world.api("createList", title="Second")["id"]
    world.api(
        "subscribe",
        list_ids=f"{world.list_id},{other}",
        fields={"email": "zoya@example.org"},
        double_optin=3,
    )
    assert joined(world)[-1] == ("Zoya@Example.org", [other])


def test_double_opt_in_tells_when_the_link_is_followed(world: World) -> None:
    subscribe(world, "new@example.org", 0)
    assert joined(world) == []
    (letter,) = world.emu.outbox("new@example.org")
    world.emu.confirm(letter.links[0][1])
    assert joined(world) == [("new@example.org", [world.list_id])]
    assert world.emu.confirm(letter.links[0][1]) == "new@example.org is subscribed already."
    assert len(joined(world)) == 1


def test_an_unsubscribed_person_comes_back_only_by_their_own_consent(world: World) -> None:
    subscribe(world, "back@example.org", 3)
    world.api("unsubscribe", contact_type="email", contact="back@example.org")
    world.api("unsubscribe", contact_type="email", contact="back@example.org")  # no news
    assert [e["unsubscribed_list_ids"] for e in world.events("unsubscribe")] == [[world.list_id]]
    # Added again without consent: stays unsubscribed, and no one is told otherwise.
    subscribe(world, "back@example.org", 3)
    assert world.contact("back@example.org")["lists"][0]["status"] == "unsubscribed"
    assert len(joined(world)) == 1
    # double_optin=4 for a person who left: an invitation, not a silent re-add.
    subscribe(world, "back@example.org", 4)
    (invite,) = [m for m in world.emu.outbox("back@example.org") if m.kind == "optin"]
    assert len(joined(world)) == 1
    world.emu.confirm(invite.links[0][1])
    assert joined(world)[-1] == ("back@example.org", [world.list_id])
    contact = world.contact("back@example.org")
    assert (contact["email"]["status"], contact["lists"][0]["status"]) == ("active", "active")


def test_a_list_left_alone_is_not_known_good_for_double_optin_4(world: World) -> None:
    subscribe(world, "half@example.org", 3)
    world.api(
        "unsubscribe", contact_type="email", contact="half@example.org", list_ids=world.list_id
    )
    assert world.contact("half@example.org")["email"]["status"] == "new"
    subscribe(world, "half@example.org", 4)
    assert [m.kind for m in world.emu.outbox("half@example.org")] == ["optin"]


def test_imports_tell_nothing(world: World) -> None:
    world.import_contacts(["imp@example.org"])
    world.api(
        "importContacts",
        field_names=["email", "email_unsubscribed_list_ids"],
        data=[["imp@example.org", str(world.list_id)]],
    )
    assert world.contact("imp@example.org")["lists"][0]["status"] == "unsubscribed"
    assert world.events("subscribe") == world.events("unsubscribe") == []
