"""RunTotals and ChangeCounts: what a run did, added up and stored as JSON (no I/O)."""

from __future__ import annotations

import json

import pytest

from selzy.integration import Change, ChangeCounts, RunTotals

FULL = RunTotals(
    total=12,
    sent=9,
    inserted=5,
    updated=2,
    deleted=1,
    new_emails=4,
    invalid=1,
    skipped_locally=3,
    batches=2,
    rejected=1,
    changes=ChangeCounts(new=5, updated=2, unchanged=1, moved=1, removed=1, invalid=2),
    skipped={"invalid_email": 2, "unsubscribed": 1},
)


def test_totals_add_up_and_serialise() -> None:
    a = RunTotals(total=3, sent=2, inserted=1, updated=1, skipped_locally=1, batches=1)
    b = RunTotals(total=1, sent=1, invalid=1, batches=1)
    assert a + b == RunTotals(
        total=4, sent=3, inserted=1, updated=1, invalid=1, skipped_locally=1, batches=2
    )
    assert (a + b).as_dict()["sent"] == 3


def test_nested_counts_and_skipped_reasons_add_up_too() -> None:
    a = RunTotals(
        rejected=1,
        changes=ChangeCounts(new=2, invalid=1),
        skipped={"no_contact": 1, "invalid_email": 2},
    )
    b = RunTotals(
        rejected=2, changes=ChangeCounts(new=1, moved=1), skipped={"invalid_email": 1, "a": 1}
    )
    total = a + b
    assert total.rejected == 3
    assert total.changes == ChangeCounts(new=3, moved=1, invalid=1)
    assert total.skipped == {"a": 1, "invalid_email": 3, "no_contact": 1}
    assert list(total.skipped) == ["a", "invalid_email", "no_contact"]  # sorted by reason
    assert total.total_skipped == 5
    assert a.skipped == {"no_contact": 1, "invalid_email": 2}  # the operands are untouched
    assert RunTotals.sum([a, b, RunTotals(total=1)]) == total + RunTotals(total=1)
    assert RunTotals.sum([]) == RunTotals()


def test_skipping_adds_a_reason() -> None:
    totals = RunTotals(skipped={"no_contact": 1})
    assert totals.skipping("no_contact", 0) is totals
    more = totals.skipping("unsubscribed", 2).skipping("no_contact", 1)
    assert more.skipped == {"no_contact": 2, "unsubscribed": 2}
    assert more.total_skipped == 4
    assert totals.skipped == {"no_contact": 1}


def test_as_dict_and_from_dict_round_trip_through_json() -> None:
    data = FULL.as_dict()
    assert data["changes"] == {
        "new": 5,
        "updated": 2,
        "unchanged": 1,
        "moved": 1,
        "removed": 1,
        "invalid": 2,
    }
    assert data["skipped"] == {"invalid_email": 2, "unsubscribed": 1}
    assert RunTotals.from_dict(data) == FULL
    assert RunTotals.from_dict(json.loads(json.dumps(data))) == FULL
    assert RunTotals.from_dict(RunTotals().as_dict()) == RunTotals()
    assert ChangeCounts.from_dict(FULL.changes.as_dict()) == FULL.changes


def test_from_dict_refuses_an_unknown_key() -> None:
    data = FULL.as_dict()
    with pytest.raises(ValueError, match=r"run totals: unknown keys \['sendt'\]"):
        RunTotals.from_dict({**data, "sendt": 3})
    with pytest.raises(ValueError, match=r"unknown keys \['update'\]"):
        RunTotals.from_dict({**data, "changes": {"update": 1}})
    with pytest.raises(ValueError, match="change counts"):
        ChangeCounts.from_dict({"new": 1, "moves": 2})


def test_from_dict_reads_a_missing_key_as_zero() -> None:
    assert RunTotals.from_dict({}) == RunTotals()
    assert RunTotals.from_dict({"total": 3, "sent": "2"}) == RunTotals(total=3, sent=2)
    assert RunTotals.from_dict({"changes": {"new": 1}}) == RunTotals(changes=ChangeCounts(new=1))
    assert RunTotals.from_dict({"changes": None, "skipped": None}) == RunTotals()
    # Totals an older version stored (no rejected, changes, skipped) still load.
    old = {
        "total": 4,
        "sent": 3,
        "inserted": 1,
        "updated": 1,
        "deleted": 0,
        "new_emails": 1,
        "invalid": 1,
        "skipped_locally": 1,
        "batches": 2,
    }
    loaded = RunTotals.from_dict(old)
    assert loaded == RunTotals(**old)
    assert (loaded.rejected, loaded.changes, loaded.skipped) == (0, ChangeCounts(), {})


def test_change_counts_of_changes_and_of_kinds() -> None:
    changes = [Change("new", 1), Change("new", 2), Change("update", 3), Change("invalid", 4)]
    counts = ChangeCounts.of(changes)
    assert counts == ChangeCounts(new=2, updated=1, invalid=1)
    assert counts.total == 4
    assert ChangeCounts.of_kinds({"move": 2, "remove": 1, "unchanged": 3}) == ChangeCounts(
        moved=2, removed=1, unchanged=3
    )
    assert ChangeCounts(new=1) + ChangeCounts(new=2, removed=1) == ChangeCounts(new=3, removed=1)
