"""What Selzy learned, read into one vocabulary (selzy.integration._feedback): every delivery
status of checkEmail's vocabulary has one kind (or none), hard and soft bounces stay apart, an
unsubscription names its lists, an export row reads into a contact's standing."""

from __future__ import annotations

import datetime as dt

import pytest

from selzy.integration import (
    EXPORT_FIELDS,
    FEEDBACK_KINDS,
    STATUS_KINDS,
    Feedback,
    delivery_feedback,
    exported_status,
    is_hard_bounce,
)
from selzy.integration._feedback import HARD_BOUNCES, SOFT_BOUNCES

# checkEmail's status vocabulary as REFERENCE.md §5.5 lists it (Selzy's documentation and the
# most complete client library), copied here so that the classification is checked against the
# source, not against itself.
CHECK_EMAIL_STATUSES = [
    "not_sent",
    "ok_sent",
    "ok_delivered",
    "ok_read",
    "ok_fbl",
    "ok_link_visited",
    "ok_unsubscribed",
    "ok_spam_folder",
    "err_blacklisted",
    "err_will_retry",
    "err_resend",
    "err_internal",
    "err_user_unknown",
    "err_user_inactive",
    "err_mailbox_discarded",
    "err_mailbox_full",
    "err_no_dns",
    "err_no_smtp",
    "err_domain_inactive",
    "err_destination_misconfigured",
    "err_spam_rejected",
    "err_too_large",
    "err_giveup",
    "err_spam_removed",
    "err_spam_may_retry",
    "err_delivery_failed",
    "err_skip_letter",
    "err_spam_skipped",
    "err_unsubscribed",
    "err_src_invalid",
    "err_dest_invalid",
    "err_not_allowed",
    "err_over_quota",
    "err_not_available",
    "err_unreachable",
    "err_lost",
]

#: The letter never went out: nothing happened to the address.
NOT_SENT = {
    "not_sent",
    "err_skip_letter",
    "err_spam_skipped",
    "err_unsubscribed",
    "err_src_invalid",
    "err_not_allowed",
}

AT = dt.datetime(2025, 1, 6, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        ("ok_sent", "sent"),
        ("ok_delivered", "delivered"),
        ("ok_read", "opened"),
        ("ok_link_visited", "clicked"),
        ("ok_unsubscribed", "unsubscribed"),
        ("ok_spam_folder", "complaint"),
        ("ok_fbl", "complaint"),
        ("err_user_unknown", "hard_bounce"),
        ("err_domain_inactive", "hard_bounce"),
        ("err_mailbox_full", "soft_bounce"),
        ("err_will_retry", "soft_bounce"),
        ("err_spam_rejected", "soft_bounce"),
        (" ERR_User_Unknown\n", "hard_bounce"),  # case and stray spaces tolerated
        ("not_sent", None),
        ("err_skip_letter", None),
        ("something_new", None),  # an unknown status says nothing about the address
        ("", None),
    ],
)
def test_a_delivery_status_reads_as_one_kind(status: str, kind: str | None) -> None:
    assert delivery_feedback(status) == kind


def test_every_documented_status_is_classified_once() -> None:
    classified = {s for s in CHECK_EMAIL_STATUSES if delivery_feedback(s) is not None}
    assert classified | NOT_SENT == set(CHECK_EMAIL_STATUSES)
    assert not classified & NOT_SENT
    assert not HARD_BOUNCES & SOFT_BOUNCES
    # Nothing is classified that Selzy does not document (a typo would hide a real status).
    assert set(CHECK_EMAIL_STATUSES) >= HARD_BOUNCES | SOFT_BOUNCES
    assert {delivery_feedback(s) for s in CHECK_EMAIL_STATUSES} - {None} <= set(FEEDBACK_KINDS)


def test_a_soft_bounce_is_never_a_hard_one() -> None:
    for status in SOFT_BOUNCES:
        assert delivery_feedback(status) == "soft_bounce"
        assert not is_hard_bounce(status)
    for status in HARD_BOUNCES:
        assert is_hard_bounce(status.upper())
    assert "soft_bounce" not in STATUS_KINDS  # it changes nothing about the address
    assert {"hard_bounce", "complaint", "unsubscribed", "subscribed"} == STATUS_KINDS


def test_an_unsubscription_concerns_the_lists_it_names() -> None:
    everywhere = Feedback("unsubscribed", "ann@example.com", AT, "webhook")
    some = Feedback("unsubscribed", "ann@example.com", AT, "webhook", list_ids=(3, 7))
    assert everywhere.concerns(5)
    assert everywhere.concerns(None)
    assert some.concerns(3)
    assert some.concerns(7)
    assert not some.concerns(5)
    assert some.concerns(None)  # no list chosen yet: it may be ours


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            {
                "email": " Ann@Example.COM ",
                "email_status": "active",
                "email_availability": "available",
                "email_list_ids": "3,5",
                "email_unsubscribed_list_ids": "",
            },
            ("ann@example.com", True, False, False),
        ),
        (  # left our list, still in another
            {
                "email": "bob@example.com",
                "email_status": "active",
                "email_availability": "available",
                "email_list_ids": "3",
                "email_unsubscribed_list_ids": " 5, 9",
            },
            ("bob@example.com", False, True, False),
        ),
        (  # unsubscribed from the whole account
            {
                "email": "eve@example.com",
                "email_status": "Unsubscribed",
                "email_list_ids": "5",
            },
            ("eve@example.com", True, True, False),
        ),
        (  # a hard-bounced address; junk in the id columns is skipped
            {
                "email": "Ivan@Пример.рф",
                "email_status": "active",
                "email_availability": "unreachable",
                "email_list_ids": "5,x,,",
                "email_unsubscribed_list_ids": None,
            },
            ("ivan@пример.рф", True, False, True),
        ),
        (  # a full mailbox clears by itself: not undeliverable
            {"email": "zoe@example.com", "email_availability": "mailbox_full"},
            ("zoe@example.com", False, False, False),
        ),
    ],
)
def test_an_export_row_reads_into_the_contacts_standing(
    row: dict[str, str], expected: tuple[str, bool, bool, bool]
) -> None:
    status = exported_status(row, 5)
    assert status is not None
    assert (status.email, status.in_list, status.unsubscribed, status.undeliverable) == expected


def test_an_export_row_without_an_email_is_none() -> None:
    assert exported_status({"email": "  ", "phone": "+79123456789"}, 5) is None
    assert exported_status({}, 5) is None
    assert set(EXPORT_FIELDS) >= {"email", "email_status", "email_availability"}
