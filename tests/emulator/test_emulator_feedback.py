"""The campaign model's every event agrees with its statistics, its report, the contacts and the
export: what a CRM learns by webhook equals what it would learn by reading the API."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from emuworld import World

from selzy.integration import EXPORT_FIELDS, delivery_feedback, exported_status

HARD = {"err_user_unknown", "err_domain_inactive"}
SOFT = {"err_mailbox_full", "err_spam_rejected", "err_giveup"}
#: Addresses whose tag forces each outcome, mixed case on purpose.
FORCED = {
    "bounce": "Hard.{i}+Bounce@Example.org",
    "softbounce": "soft.{i}+softbounce@example.org",
    "mailboxfull": "Full.{i}+MailboxFull@example.org",
    "deferred": "late.{i}+deferred@example.org",
    "unsub": "Bye.{i}+unsub@Example.org",
    "spam": "angry.{i}+spam@example.org",
}


@pytest.fixture(params=[False, True], ids=["batched", "single_event"])
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    w = World(seed=11, single_event=request.param)
    yield w
    w.close()


def addresses(n: int) -> list[str]:
    forced = [pattern.format(i=i) for pattern in FORCED.values() for i in range(3)]
    plain = [f"Person.{i}@Example.{'org' if i % 2 else 'com'}" for i in range(n - len(forced))]
    return plain + forced


def assert_agree(world: World, cid: int) -> dict[str, int]:
    """Hook, statistics and delivery report tell the same story at this instant."""
    stats = world.stats(cid)
    heard = world.statuses(cid)
    report = world.report(cid)
    assert heard["ok_sent"] == stats["sent"] == len(report)
    assert heard["ok_delivered"] == stats["delivered"]
    assert heard["ok_read"] == stats["read_unique"]
    assert heard["ok_link_visited"] == stats["clicked_unique"]
    assert heard["ok_unsubscribed"] == stats["unsubscribed"]
    assert heard["ok_spam_folder"] == stats["spam"]
    unsubscribes = [
        e for e in world.events("unsubscribe") if e["unsubscribed_list_ids"] == [world.list_id]
    ]
    assert len(unsubscribes) == stats["unsubscribed"]
    last: dict[str, str] = {}
    for event in world.events("email_status"):
        if event.get("campaign_id") == cid:
            last[event["email"]] = event["status"]
    assert report == last
    failed = sum(heard[s] for s in HARD | SOFT)
    in_flight = sum(1 for s in report.values() if s in ("ok_sent", "err_will_retry"))
    assert failed == stats["sent"] - stats["delivered"] - in_flight
    return stats


def test_every_event_agrees_with_stats_report_contacts_and_export(world: World) -> None:
    emails = addresses(300)
    world.import_contacts(emails)
    cid = world.campaign()
    for _ in range(14):
        world.emu.advance(minutes=10)
        assert_agree(world, cid)
    world.emu.advance(hours=3)
    stats = assert_agree(world, cid)
    assert world.api("getCampaignStatus", campaign_id=cid)["status"] == "completed"
    heard = world.statuses(cid)
    assert stats["sent"] == stats["total"] == 300
    assert 0 < stats["clicked_unique"] < stats["read_unique"] < stats["delivered"] < 300
    # Every kind of event happened, and each reads as the feedback a CRM expects.
    for status in (*HARD, *SOFT, "err_will_retry", "ok_unsubscribed", "ok_spam_folder"):
        assert heard[status] > 0, status
    kinds = Counter(delivery_feedback(s) for s in heard.elements())
    assert kinds["hard_bounce"] == sum(heard[s] for s in HARD)
    assert kinds["soft_bounce"] == sum(heard[s] for s in SOFT) + heard["err_will_retry"]
    assert kinds["complaint"] == stats["spam"]
    assert None not in kinds

    # The contacts carry the side effects, and the export reports them.
    export = world.export(*EXPORT_FIELDS)
    assert len(export) == 300
    availability = Counter(row["email_availability"] for row in export.values())
    assert availability["unreachable"] == sum(heard[s] for s in HARD)
    assert availability["mailbox_full"] == heard["err_mailbox_full"]
    assert availability["spam_rejected"] == heard["err_spam_rejected"]
    assert availability["temp_unreachable"] == heard["err_giveup"]
    assert availability["spam_folder"] == stats["spam"]
    left = {e["email"].lower() for e in world.events("unsubscribe")}
    assert len(left) == stats["unsubscribed"]
    for email, row in export.items():
        status = exported_status(row, world.list_id)
        assert status is not None
        assert status.unsubscribed == (email in left), email
        assert status.in_list == (email not in left), email
        assert status.undeliverable == (row["email_availability"] == "unreachable")
        contact = world.contact(email)["email"]
        assert (contact["status"], contact["availability"]) == (
            row["email_status"],
            row["email_availability"],
        )


def test_forced_tags_give_their_outcome(world: World) -> None:
    world.import_contacts(addresses(30))
    cid = world.campaign()
    world.emu.advance(hours=4)
    per_email: dict[str, list[str]] = {}
    for event in world.events("email_status"):
        per_email.setdefault(event["email"].lower(), []).append(event["status"])
    expected = {
        "bounce": (["ok_sent", "err_user_unknown"], "unreachable"),
        "softbounce": (["ok_sent", "err_will_retry", "err_giveup"], "temp_unreachable"),
        "mailboxfull": (["ok_sent", "err_mailbox_full"], "mailbox_full"),
        "deferred": (["ok_sent", "err_will_retry", "ok_delivered"], "available"),
    }
    for tag, (statuses, availability) in expected.items():
        for i in range(3):
            email = FORCED[tag].format(i=i)
            assert per_email[email.lower()] == statuses, email
            assert world.contact(email)["email"]["availability"] == availability
    for i in range(3):
        spam = FORCED["spam"].format(i=i)
        assert per_email[spam.lower()][-1] == "ok_spam_folder"
        assert world.contact(spam)["email"]["availability"] == "spam_folder"
        bye = FORCED["unsub"].format(i=i)
        assert "ok_unsubscribed" in per_email[bye.lower()]
        assert world.contact(bye)["lists"] == [
            {"id": world.list_id, "status": "unsubscribed", "added_at": "2025-01-06 09:00:00"}
        ]
    assert world.stats(cid)["spam"] == 3


def test_an_address_that_bounced_hard_bounces_again() -> None:
    world = World(seed=2)
    world.import_contacts(["gone+bounce@example.org", "Gone.Too@example.org"])
    world.campaign()
    world.emu.advance(hours=4)
    world.emu.act("Gone.Too@example.org", "hard_bounce")
    world.emu.advance(hours=2)
    second = world.campaign()
    world.emu.advance(hours=4)
    assert world.stats(second)["delivered"] == 0
    assert world.report(second) == {
        "gone+bounce@example.org": "err_user_unknown",
        "Gone.Too@example.org": "err_user_unknown",
    }
    world.close()


def test_delivered_letters_clear_a_temporary_availability() -> None:
    world = World(seed=4)
    world.import_contacts(["ann+read@example.org", "bob+bounce@example.org"])
    world.emu.act("ann+read@example.org", "soft_bounce")
    world.emu.act("bob+bounce@example.org", "soft_bounce")
    assert world.contact("ann+read@example.org")["email"]["availability"] == "mailbox_full"
    cid = world.campaign()
    world.emu.advance(hours=4)
    assert world.report(cid) == {
        "ann+read@example.org": "ok_read",
        "bob+bounce@example.org": "err_user_unknown",
    }
    assert world.contact("ann+read@example.org")["email"]["availability"] == "available"
    assert world.contact("bob+bounce@example.org")["email"]["availability"] == "unreachable"
    world.close()
