"""A hook whose receiver fails is retried every 10 minutes for 24 hours, then stopped, and its
owner mailed the last response; setHook with status=active switches it on again (§6.2)."""

from __future__ import annotations

import datetime as dt
import itertools
import json

from emuworld import HOOK, World


def hook_status(world: World) -> str:
    (hook,) = world.api("listHooks")
    status: str = hook["status"]
    return status


def attempts(world: World) -> list[dict[str, object]]:
    return [e for e in world.emu.webhook_log() if e["url"] == HOOK]


def test_a_failing_hook_is_stopped_after_24_hours_and_rearmed() -> None:
    world = World(seed=9)
    world.status = 500
    world.import_contacts(["first@example.org", "second@example.org"])
    world.emu.act("first@example.org", "hard_bounce")
    assert hook_status(world) == "active"
    for _ in range(6 * 24 - 1):
        world.emu.advance(minutes=10)
    tries = attempts(world)
    assert [t["retry_count"] for t in tries] == list(range(6 * 24))
    times = [dt.datetime.fromisoformat(str(t["time"])) for t in tries]
    assert {b - a for a, b in itertools.pairwise(times)} == {dt.timedelta(minutes=10)}
    assert json.loads(str(tries[-1]["body"]))["retry_count"] == 6 * 24 - 1
    assert hook_status(world) == "active"  # 23 h 50 min of failures: still trying
    assert world.emu.outbox(world.seeded.email) == []

    world.emu.advance(minutes=10)
    assert hook_status(world) == "stopped"
    (letter,) = world.emu.outbox(world.seeded.email)
    assert letter.kind == "hook_stopped"
    assert HOOK in letter.html
    assert "Last response: <code>HTTP 500</code>" in letter.html
    stopped_after = len(attempts(world))

    # Stopped: nothing new is sent, nothing old is retried, even once the receiver is fixed.
    world.status = 200
    world.emu.act("second@example.org", "hard_bounce")
    world.emu.advance(hours=3)
    assert len(attempts(world)) == stopped_after
    assert world.bodies == []

    # Re-armed by setHook with status=active: new events flow again; the lost ones do not.
    world.api(
        "setHook",
        hook_url=HOOK,
        events=["email_status", "subscribe", "unsubscribe"],
        status="active",
    )
    assert hook_status(world) == "active"
    world.emu.act("second@example.org", "unsubscribe")
    assert [e["event_name"] for e in world.events()] == ["unsubscribe"]
    world.close()


def test_a_refused_connection_is_the_last_response_too() -> None:
    world = World(seed=9)

    def refuse(url: str, body: bytes, headers: dict[str, str]) -> int:
        raise ConnectionRefusedError("no listener on 127.0.0.1:9")

    world.emu.webhook_sender = refuse
    world.import_contacts(["x@example.org"])
    world.emu.act("x@example.org", "soft_bounce")
    world.emu.advance(days=1)  # one step: the first retry comes 24 h late and is the last
    assert hook_status(world) == "stopped"
    (letter,) = world.emu.outbox(world.seeded.email)
    assert "ConnectionRefusedError: no listener on 127.0.0.1:9" in letter.html
    world.close()


def test_a_receiver_that_recovers_keeps_its_hook() -> None:
    world = World(seed=9)
    world.status = 503
    world.import_contacts(["y@example.org"])
    world.emu.act("y@example.org", "complaint")
    for _ in range(12):
        world.emu.advance(minutes=10)
    world.status = 200
    world.emu.advance(minutes=10)
    world.emu.advance(days=2)
    assert hook_status(world) == "active"
    assert [e["status"] for e in world.events("email_status")] == ["ok_spam_folder"]
    assert json.loads(world.bodies[0])["retry_count"] == 13
    world.close()


def test_a_disabled_hook_gets_no_redeliveries() -> None:
    world = World(seed=9)
    world.status = 500
    world.import_contacts(["z@example.org"])
    world.emu.act("z@example.org", "soft_bounce")
    world.api("setHook", hook_url=HOOK, events=["email_status"], status="disabled")
    world.status = 200
    world.emu.advance(minutes=10)
    world.emu.advance(hours=1)
    assert len(attempts(world)) == 1
    assert hook_status(world) == "disabled"
    world.close()
