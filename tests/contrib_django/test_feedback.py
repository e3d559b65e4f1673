"""What Selzy learns comes back to the site's records (issue 10.3): write-back rules, signals.

Driven two ways: through the public webhook endpoint with signed bodies (the immediate runner
processes the stored events once the view's transaction commits, so those tests use
``transaction=True``), and through :func:`apply_feedback` directly, the entry point the delivery
report and the reconciliation share. The test CRM's leads have the rule of ``settings.py``:
an unsubscription clears ``consent`` and stamps ``consent_withdrawn_at``, a hard bounce sets
``email_undeliverable``, a complaint sets it and clears ``consent``; a soft bounce has no rule.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F
from django.test import override_settings
from django.utils import timezone

from selzy.contrib.django import events, signals
from selzy.contrib.django.feedback import Applied, apply_feedback, states_of
from selzy.contrib.django.models import (
    Campaign,
    Connection,
    ContactActivity,
    ContactState,
    ImportRun,
    WebhookEvent,
)
from selzy.contrib.django.sources import contact_sources, get_source
from selzy.integration import Feedback
from tests.contrib_django.crm import feedback as site_callable
from tests.contrib_django.crm.models import Customer, Lead, Person

from .settings import SELZY
from .test_webhook_events import contact_event, post

LIST = 1  # the module's list (the events' unsubscribed_list_ids name it)
OTHER_LIST = 999
CAMPAIGN = 700001
T10 = dt.datetime(2025, 1, 6, 10, 0, tzinfo=dt.UTC)
T11 = dt.datetime(2025, 1, 6, 11, 0, tzinfo=dt.UTC)
SIGNALS = {
    "feedback": signals.contact_feedback,
    "unsubscribed": signals.contact_unsubscribed,
    "subscribed": signals.contact_subscribed,
    "bounced": signals.contact_bounced,
    "complained": signals.contact_complained,
}

Sent = list[tuple[str, Any, dict[str, Any]]]


# --- fixtures and helpers -----------------------------------------------------------------


@pytest.fixture
def site(connected: Connection) -> Connection:
    """The leads synced into the list once: from now on a save of a lead marks its contact and
    queues an incremental sync (the loop write-back must not set off)."""
    connected.list_id = LIST
    connected.source = "leads"
    connected.save()
    ImportRun.objects.create(
        source="leads",
        list_id=LIST,
        kind=ImportRun.Kind.FULL,
        status=ImportRun.Status.COMPLETED,
        planned=True,
        finished=True,
        started_at=timezone.now() - dt.timedelta(hours=1),
    )
    return connected


@pytest.fixture
def sent() -> Iterator[Sent]:
    """Every contact_* signal sent during the test: (name, sender, arguments)."""
    received: Sent = []
    handlers = {}
    for name, signal in SIGNALS.items():

        def handler(sender: Any, signal: Any = None, _name: str = name, **kwargs: Any) -> None:
            received.append((_name, sender, kwargs))

        handlers[name] = handler
        signal.connect(handler)
    yield received
    for name, signal in SIGNALS.items():
        signal.disconnect(handlers[name])


@pytest.fixture(autouse=True)
def _forget_calls() -> Iterator[None]:
    site_callable.CALLS.clear()
    yield
    site_callable.CALLS.clear()


def in_ledger(record: Any, source: str = "leads", email: str | None = None) -> ContactState:
    """A record the sync has sent: its ledger row, clean."""
    return ContactState.objects.create(
        source=source,
        source_id=str(record.pk),
        email=email if email is not None else record.email,
        row_hash="sent",
        synced_at=timezone.now(),
    )


def new_lead(email: str, **values: Any) -> Lead:
    """A lead as the CRM holds it (bulk_create: no signal, the ledger row is made by hand)."""
    (lead,) = Lead.objects.bulk_create([Lead(email=email, name="Иван Петров 🚀", **values)])
    return lead


def email_status(status: str, at: str, email: str, **extra: Any) -> dict[str, Any]:
    return {
        "login": "ID1",
        "event_name": "email_status",
        "event_time": at,
        "email": email,
        "status": status,
        "status_group": "success_group",
        "campaign_id": CAMPAIGN,
        **extra,
    }


def unsubscribe(at: str, email: str, lists: list[int] | None = None) -> dict[str, Any]:
    event = contact_event("unsubscribe", at, email)
    event["unsubscribed_list_ids"] = [LIST] if lists is None else lists
    return event


def feedback(kind: Any, email: str, time: dt.datetime = T10, **extra: Any) -> Feedback:
    return Feedback(kind=kind, email=email, time=time, origin="webhook", **extra)


def assert_no_sync_set_off() -> None:
    """Writing back marked no contact changed and queued no sync."""
    assert not ContactState.objects.filter(dirty=True).exists()
    assert not ImportRun.objects.filter(kind=ImportRun.Kind.INCREMENTAL).exists()


def with_write_back(rule: Any, **more_sources: dict[str, Any]) -> Any:
    """override_settings with the leads' write_back replaced (and more sources declared)."""
    selzy = copy.deepcopy(SELZY)
    selzy["CONTACT_SOURCES"]["leads"]["write_back"] = rule
    selzy["CONTACT_SOURCES"].update(more_sources)
    return override_settings(SELZY=selzy)


def names(sent: Sent) -> list[str]:
    return [name for name, _, _ in sent]


# --- the rules, through the webhook ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_unsubscribe_clears_consent_at_the_event_time(site: Connection, sent: Sent) -> None:
    lead = new_lead("Ann.Lee@Example.COM")  # mixed case in the CRM and the ledger
    in_ledger(lead)
    assert post(unsubscribe("2025-01-06 10:00:00", "ann.lee@example.com")) == 200
    lead.refresh_from_db()
    assert (lead.consent, lead.consent_withdrawn_at) == (False, T10)
    assert lead.email_undeliverable is False
    state = ContactState.objects.get()
    assert (state.unsubscribed, state.status_at) == (True, T10)
    assert names(sent) == ["feedback", "unsubscribed"]
    for _, sender, arguments in sent:
        assert sender is Lead
        assert arguments["source"] == "leads"
        assert arguments["record_id"] == str(lead.pk)
        assert arguments["email"] == "ann.lee@example.com"
        assert (arguments["feedback"].kind, arguments["feedback"].time) == ("unsubscribed", T10)
        assert arguments["feedback"].origin == "webhook"
    assert list(ContactActivity.objects.values_list("email", "kind", "campaign_id")) == [
        ("ann.lee@example.com", "unsubscribed", 0)
    ]
    assert WebhookEvent.objects.get().applied is True
    assert_no_sync_set_off()


@pytest.mark.django_db(transaction=True)
def test_a_hard_bounce_marks_the_address_undeliverable(site: Connection, sent: Sent) -> None:
    lead = new_lead("bounce@example.com")
    in_ledger(lead)
    assert post(email_status("err_user_unknown", "2025-01-06 10:00:00", lead.email)) == 200
    lead.refresh_from_db()
    assert (lead.email_undeliverable, lead.consent) == (True, True)
    state = ContactState.objects.get()
    assert (state.undeliverable_at, state.unsubscribed, state.soft_bounces) == (T10, False, 0)
    assert names(sent) == ["feedback", "bounced"]
    assert sent[1][2]["hard"] is True
    assert sent[1][2]["feedback"].status == "err_user_unknown"
    assert sent[1][2]["feedback"].campaign_id == CAMPAIGN
    assert_no_sync_set_off()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("status", ["ok_spam_folder", "ok_fbl"])
def test_a_complaint_marks_the_address_and_withdraws_consent(
    site: Connection, sent: Sent, status: str
) -> None:
    lead = new_lead("spam@example.com")
    in_ledger(lead)
    assert post(email_status(status, "2025-01-06 10:00:00", lead.email)) == 200
    lead.refresh_from_db()
    assert (lead.email_undeliverable, lead.consent) == (True, False)
    assert ContactState.objects.get().complained_at == T10
    assert names(sent) == ["feedback", "complained"]
    assert_no_sync_set_off()


@pytest.mark.django_db(transaction=True)
def test_a_soft_bounce_only_counts_once_per_campaign(site: Connection, sent: Sent) -> None:
    lead = new_lead("full@example.com")
    in_ledger(lead)
    assert post(email_status("err_mailbox_full", "2025-01-06 10:00:00", lead.email)) == 200
    # Selzy's redelivery, and a retry status of the same letter: the same campaign.
    redelivery = email_status("err_mailbox_full", "2025-01-06 10:00:00", lead.email)
    assert post({**redelivery, "retry_count": 1}) == 200
    assert post(email_status("err_will_retry", "2025-01-06 10:20:00", lead.email)) == 200
    # The next campaign bounces too.
    later = email_status("err_will_retry", "2025-01-06 11:00:00", lead.email)
    assert post({**later, "campaign_id": CAMPAIGN + 1}) == 200
    lead.refresh_from_db()
    assert (lead.email_undeliverable, lead.consent) == (False, True)  # never disabled
    state = ContactState.objects.get()
    assert (state.soft_bounces, state.last_soft_bounce_at) == (2, T11)
    assert (state.undeliverable_at, state.unsubscribed) == (None, False)
    assert names(sent) == ["feedback", "bounced"] * 2
    assert [arguments["hard"] for name, _, arguments in sent if name == "bounced"] == [False] * 2
    assert_no_sync_set_off()


@pytest.mark.django_db(transaction=True)
def test_engagement_keeps_activity_and_signals_without_writing(
    site: Connection, sent: Sent
) -> None:
    lead = new_lead("reader@example.com")
    in_ledger(lead)
    for status, at in (
        ("ok_delivered", "10:00"),
        ("ok_read", "10:05"),
        ("ok_link_visited", "10:06"),
    ):
        assert post(email_status(status, f"2025-01-06 {at}:00", lead.email)) == 200
    assert list(ContactActivity.objects.order_by("happened_at").values_list("kind", flat=True)) == [
        "delivered",
        "opened",
        "clicked",
    ]
    assert names(sent) == ["feedback"] * 3
    lead.refresh_from_db()
    assert (lead.consent, lead.email_undeliverable, lead.consent_withdrawn_at) == (
        True,
        False,
        None,
    )
    assert_no_sync_set_off()


# --- no sync loop ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_setup_would_sync_an_ordinary_save(site: Connection) -> None:
    """The control of the no-loop tests: in the same setup the site's own save marks the contact
    and queues an incremental sync, so their 'nothing was set off' can fail."""
    lead = new_lead("own@example.com")
    in_ledger(lead)
    lead.consent = False
    lead.save()
    assert ContactState.objects.get().dirty is True
    assert ImportRun.objects.filter(kind=ImportRun.Kind.INCREMENTAL).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_callable_that_saves_the_record_sets_off_no_sync(site: Connection, sent: Sent) -> None:
    lead = new_lead("callable@example.com")
    in_ledger(lead)
    with with_write_back("tests.contrib_django.crm.feedback.remember"):
        assert post(unsubscribe("2025-01-06 10:00:00", lead.email)) == 200
        assert post(email_status("err_user_unknown", "2025-01-06 10:01:00", lead.email)) == 200
        assert post(email_status("ok_read", "2025-01-06 10:02:00", lead.email)) == 200
    lead.refresh_from_db()
    assert (lead.consent, lead.consent_withdrawn_at, lead.email_undeliverable) == (False, T10, True)
    assert lead.notes == "unsubscribed (unsubscribe) 🚪"
    # It gets (record, feedback) for every kind, engagement included, and decides itself.
    assert [(cls, pk, fb.kind) for cls, pk, fb in site_callable.CALLS] == [
        ("Lead", lead.pk, "unsubscribed"),
        ("Lead", lead.pk, "hard_bounce"),
        ("Lead", lead.pk, "opened"),
    ]
    assert all(fb.email == "callable@example.com" for _, _, fb in site_callable.CALLS)
    assert_no_sync_set_off()


@pytest.mark.django_db
def test_a_callable_given_as_a_function_and_saving_sets_off_no_sync(site: Connection) -> None:
    lead = new_lead("direct@example.com")
    in_ledger(lead)
    with with_write_back(site_callable.remember):
        applied = apply_feedback(feedback("unsubscribed", lead.email), list_id=LIST)
    assert (applied.states, applied.written, applied.new) == (1, 1, True)
    lead.refresh_from_db()
    assert lead.consent is False
    assert_no_sync_set_off()
    lead.save()  # after the write-back the receivers are back at work
    assert ContactState.objects.get().dirty is True


# --- rules checked when read --------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"bounced": {"consent": False}}, r"unknown feedback kind 'bounced'; known: sent, "),
        (
            {"unsubscribed": {"consnet": False}},
            r"\['unsubscribed'\]: crm.Lead has no field 'consnet'",
        ),
        ({"hard_bounce": {"id": 0}}, r"'id' is not a field a rule can write"),
        (["unsubscribed", "consent"], r"must be a dict of rules by feedback kind or a dotted path"),
        ({"unsubscribed": "consent"}, r"\['unsubscribed'\] must be a dict of field: value"),
        ({"unsubscribed": {}}, r"\['unsubscribed'\] must be a dict of field: value"),
        ({"unsubscribed": {"consent": "yes"}}, r"\['consent'\]: 'yes' does not fit the field"),
        ({"hard_bounce": {"email_undeliverable": None}}, r"None, but the field is not nullable"),
        ({"unsubscribed": {"notes": "@event_time"}}, r"'@event_time' needs a date or datetime"),
        ("tests.contrib_django.crm.feedback.nothing_here", r'\["write_back"\]: .*nothing_here'),
        ("tests.contrib_django.crm.feedback.CALLS", r"is not callable"),
        (42, r"must be a dict of rules by feedback kind or a dotted path"),
    ],
)
def test_a_bad_rule_is_refused_when_the_settings_are_read(rule: Any, message: str) -> None:
    with with_write_back(rule):
        with pytest.raises(ImproperlyConfigured, match=message) as refused:
            contact_sources()
        assert 'SELZY["CONTACT_SOURCES"]["leads"]["write_back"]' in str(refused.value)
        assert "selzy.E003" in [e.id for e in checks.run_checks(tags=["selzy"])]


def test_rules_may_hold_expressions_and_no_rule_is_no_write_back() -> None:
    rule = {"soft_bounce": {"score": F("score") - 1}, "subscribed": {"consent": "1"}}
    with with_write_back(rule):
        write_back = get_source("leads").write_back
    assert write_back.wants("soft_bounce")
    assert write_back.wants("subscribed")
    assert not write_back.wants("hard_bounce")
    with with_write_back(None):
        assert not get_source("leads").write_back.wants("unsubscribed")


@pytest.mark.django_db
def test_an_expression_rule_is_evaluated_by_the_database(site: Connection) -> None:
    lead = new_lead("score@example.com", score=10)
    in_ledger(lead)
    with with_write_back({"soft_bounce": {"score": F("score") - 1}}):
        for campaign in (1, 2, 2):  # the second of campaign 2 is the same bounce again
            apply_feedback(feedback("soft_bounce", lead.email, campaign_id=campaign), list_id=LIST)
    lead.refresh_from_db()
    assert lead.score == 8
    assert ContactState.objects.get().soft_bounces == 2


@pytest.mark.django_db(transaction=True)
def test_a_broken_setting_keeps_the_event_waiting_until_it_is_fixed(site: Connection) -> None:
    lead = new_lead("wait@example.com")
    in_ledger(lead)
    with with_write_back({"unsubscribed": {"gone_field": False}}):
        assert post(unsubscribe("2025-01-06 10:00:00", lead.email)) == 200
    event = WebhookEvent.objects.get()
    assert event.processed_at is None
    assert event.error.startswith("ImproperlyConfigured: ")
    assert "no field 'gone_field'" in event.error
    lead.refresh_from_db()
    assert lead.consent is True
    assert ContactState.objects.get().unsubscribed is False  # nothing half-applied
    assert not ContactActivity.objects.exists()
    events.process_events(event.pk)  # the setting fixed: the next processing applies it
    lead.refresh_from_db()
    assert (lead.consent, lead.consent_withdrawn_at) == (False, T10)


# --- order and redelivery ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_older_unsubscribe_after_a_newer_subscribe_changes_nothing(
    site: Connection, sent: Sent
) -> None:
    lead = new_lead("back@example.com")
    state = in_ledger(lead)
    rule = {"unsubscribed": {"consent": False}, "subscribed": {"consent": True}}
    with with_write_back(rule):
        assert post(contact_event("subscribe", "2025-01-06 11:00:00", lead.email)) == 200
        assert post(unsubscribe("2025-01-06 10:00:00", lead.email)) == 200
    lead.refresh_from_db()
    assert lead.consent is True
    state.refresh_from_db()
    assert (state.unsubscribed, state.status_at) == (False, T11)
    assert names(sent) == ["feedback", "subscribed"]


@pytest.mark.django_db
def test_the_ledger_keeps_the_newest_status_whatever_the_order(
    site: Connection, sent: Sent
) -> None:
    """apply_feedback alone (as the delivery report and the reconciliation call it, without the
    webhook's ordering of events): status_at decides."""
    lead = new_lead("order@example.com")
    state = in_ledger(lead)
    apply_feedback(feedback("subscribed", lead.email, T11), list_id=LIST)
    older = apply_feedback(feedback("unsubscribed", lead.email, T10), list_id=LIST)
    assert (older.new, older.states) == (True, 0)  # kept as activity, nothing else
    lead.refresh_from_db()
    assert lead.consent is True
    state.refresh_from_db()
    assert (state.unsubscribed, state.status_at) == (False, T11)
    later = apply_feedback(
        feedback("unsubscribed", " ORDER@Example.com", T11 + dt.timedelta(hours=1)), list_id=LIST
    )
    assert (later.states, later.written) == (1, 1)
    lead.refresh_from_db()
    assert lead.consent is False
    assert names(sent) == ["feedback", "subscribed", "feedback", "unsubscribed"]
    assert sent[-1][2]["email"] == "order@example.com"  # lowercased for the handlers


@pytest.mark.django_db(transaction=True)
def test_a_redelivered_event_applies_once(site: Connection, sent: Sent) -> None:
    lead = new_lead("twice@example.com")
    in_ledger(lead)
    event = unsubscribe("2025-01-06 10:00:00", lead.email)
    assert post(event) == 200
    Lead.objects.filter(pk=lead.pk).update(consent=True, consent_withdrawn_at=None)  # re-agreed
    assert post({**event, "retry_count": 1}) == 200
    batched = {
        "events_by_user": [
            {
                "login": "ID1",
                "events": [
                    {
                        "event_name": "unsubscribe",
                        "event_time": "2025-01-06 10:00:00",
                        "event_data": {"email": lead.email, "unsubscribed_list_ids": [LIST]},
                    }
                ],
            }
        ]
    }
    assert post(batched) == 200
    lead.refresh_from_db()
    assert lead.consent is True  # not written again
    assert names(sent) == ["feedback", "unsubscribed"]
    assert WebhookEvent.objects.count() == 1


@pytest.mark.django_db
def test_the_same_feedback_twice_applies_once(site: Connection, sent: Sent) -> None:
    lead = new_lead("dup@example.com")
    in_ledger(lead)
    bounce = feedback("hard_bounce", lead.email, campaign_id=CAMPAIGN, status="err_user_unknown")
    assert apply_feedback(bounce, list_id=LIST) == Applied(states=1, written=1)
    assert apply_feedback(bounce, list_id=LIST) == Applied(new=False)
    # The delivery report repeating the webhook, at another time: the same campaign's bounce.
    repeated = Feedback("hard_bounce", "DUP@example.com", T11, "delivery_stats", CAMPAIGN)
    assert apply_feedback(repeated, list_id=LIST) == Applied(new=False)
    # Another campaign's hard bounce of an address already undeliverable changes nothing.
    other = feedback("hard_bounce", lead.email, T11, campaign_id=CAMPAIGN + 1)
    assert apply_feedback(other, list_id=LIST) == Applied()
    assert names(sent) == ["feedback", "bounced"]
    assert ContactState.objects.get().undeliverable_at == T10


# --- signals and failures ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_raising_handler_applies_nothing_and_the_retry_succeeds(site: Connection) -> None:
    lead = new_lead("handler@example.com")
    in_ledger(lead)
    calls: list[str] = []

    def fragile(sender: Any, record_id: str, **kwargs: Any) -> None:
        calls.append(record_id)
        if len(calls) == 1:
            raise RuntimeError("the site's CRM hook is down")

    signals.contact_unsubscribed.connect(fragile)
    try:
        assert post(unsubscribe("2025-01-06 10:00:00", lead.email)) == 200
        event = WebhookEvent.objects.get()
        assert (event.processed_at, event.applied) == (None, False)
        assert event.error == "RuntimeError: the site's CRM hook is down"
        lead.refresh_from_db()
        assert (lead.consent, lead.consent_withdrawn_at) == (True, None)  # rolled back
        state = ContactState.objects.get()
        assert (state.unsubscribed, state.status_at) == (False, None)
        assert not ContactActivity.objects.exists()
        # The scan takes it again a minute later.
        WebhookEvent.objects.update(received_at=timezone.now() - dt.timedelta(minutes=2))
        assert events.process_events() == 1
    finally:
        signals.contact_unsubscribed.disconnect(fragile)
    assert calls == [str(lead.pk)] * 2
    event.refresh_from_db()
    assert (event.error, event.applied) == ("", True)
    assert event.processed_at is not None
    lead.refresh_from_db()
    assert (lead.consent, lead.consent_withdrawn_at) == (False, T10)
    assert ContactActivity.objects.count() == 1


@pytest.mark.django_db
def test_apply_feedback_is_all_or_nothing_on_its_own(site: Connection) -> None:
    """Outside any transaction of the caller's, a failing handler still undoes everything."""
    lead = new_lead("atomic@example.com")
    in_ledger(lead)

    def broken(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    signals.contact_complained.connect(broken)
    try:
        with pytest.raises(RuntimeError, match="boom"):
            apply_feedback(feedback("complaint", lead.email, campaign_id=CAMPAIGN), list_id=LIST)
    finally:
        signals.contact_complained.disconnect(broken)
    lead.refresh_from_db()
    assert (lead.consent, lead.email_undeliverable) == (True, False)
    assert ContactState.objects.get().complained_at is None
    assert not ContactActivity.objects.exists()
    applied = apply_feedback(feedback("complaint", lead.email, campaign_id=CAMPAIGN), list_id=LIST)
    assert applied == Applied(states=1, written=1)


# --- whom it concerns ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_unsubscribe_from_other_lists_only_changes_nothing(site: Connection, sent: Sent) -> None:
    lead = new_lead("elsewhere@example.com")
    state = in_ledger(lead)
    assert post(unsubscribe("2025-01-06 10:00:00", lead.email, lists=[OTHER_LIST])) == 200
    lead.refresh_from_db()
    assert (lead.consent, lead.consent_withdrawn_at) == (True, None)
    state.refresh_from_db()
    assert (state.unsubscribed, state.status_at) == (False, None)
    assert sent == []
    assert WebhookEvent.objects.get().applied is False  # so it supersedes nothing either
    # Ours among others: applies.
    assert post(unsubscribe("2025-01-06 11:00:00", lead.email, lists=[OTHER_LIST, LIST])) == 200
    lead.refresh_from_db()
    assert (lead.consent, lead.consent_withdrawn_at) == (False, T11)


@pytest.mark.django_db
def test_apply_feedback_about_other_lists_keeps_only_the_activity(
    site: Connection, sent: Sent
) -> None:
    lead = new_lead("lists@example.com")
    in_ledger(lead)
    elsewhere = feedback("unsubscribed", lead.email, list_ids=(OTHER_LIST,))
    assert apply_feedback(elsewhere, list_id=LIST) == Applied()
    assert ContactActivity.objects.filter(kind="unsubscribed").exists()
    lead.refresh_from_db()
    assert lead.consent is True
    assert sent == []


@pytest.mark.django_db(transaction=True)
def test_an_unsubscribe_letter_status_concerns_its_campaigns_list(
    site: Connection, campaign: Campaign
) -> None:
    """email_status ok_unsubscribed: the person left the list the letter went to, which the
    module knows for its own campaigns (the conftest's went to list 1)."""
    lead = new_lead("letter@example.com")
    in_ledger(lead)
    Connection.objects.update(list_id=OTHER_LIST)
    assert post(email_status("ok_unsubscribed", "2025-01-06 10:00:00", lead.email)) == 200
    lead.refresh_from_db()
    assert lead.consent is True
    assert WebhookEvent.objects.get().applied is False
    Connection.objects.update(list_id=LIST)
    assert post(email_status("ok_unsubscribed", "2025-01-06 10:05:00", lead.email)) == 200
    lead.refresh_from_db()
    assert lead.consent is False
    # A campaign the module did not send: no list known, it concerns ours.
    other = new_lead("foreign@example.com")
    in_ledger(other)
    unknown = email_status("ok_unsubscribed", "2025-01-06 10:06:00", other.email)
    assert post({**unknown, "campaign_id": 123}) == 200
    other.refresh_from_db()
    assert other.consent is False


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("ledger", "event"),
    [
        ("Mixed.Case@Example.COM", "mixed.case@example.com"),
        ("mixed.case@example.com", "MIXED.CASE@EXAMPLE.COM"),
        # The sync sends an international domain IDNA-encoded; Selzy may name it in Unicode.
        ("Ivan.Petrov@xn--e1afmkfd.xn--p1ai", "ivan.petrov@ПРИМЕР.РФ"),
        ("ivan.petrov@xn--e1afmkfd.xn--p1ai", "Ivan.Petrov@xn--e1afmkfd.xn--p1ai"),
    ],
)
def test_an_address_matches_the_ledger_however_it_is_written(
    site: Connection, ledger: str, event: str
) -> None:
    lead = new_lead(ledger)
    in_ledger(lead)
    assert post(email_status("err_user_unknown", "2025-01-06 10:00:00", event)) == 200
    lead.refresh_from_db()
    assert lead.email_undeliverable is True
    assert states_of([event]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_address_the_ledger_does_not_know_keeps_its_activity_only(
    site: Connection, sent: Sent
) -> None:
    lead = new_lead("known@example.com")
    in_ledger(lead)
    assert post(unsubscribe("2025-01-06 10:00:00", "stranger@example.com")) == 200
    assert (
        post(email_status("err_user_unknown", "2025-01-06 10:01:00", "stranger@example.com")) == 200
    )
    assert set(ContactActivity.objects.values_list("email", "kind")) == {
        ("stranger@example.com", "unsubscribed"),
        ("stranger@example.com", "hard_bounce"),
    }
    assert ContactState.objects.count() == 1  # no ledger row made up for it
    assert sent == []
    lead.refresh_from_db()
    assert (lead.consent, lead.email_undeliverable) == (True, False)
    assert_no_sync_set_off()


@pytest.mark.django_db(transaction=True)
def test_every_source_holding_the_address_is_written_back(site: Connection, sent: Sent) -> None:
    """Leads (integer pk), people (UUID pk) and customers (text pk) sharing one address, each
    source with its own rule (the customers' a callable), and two leads of one source."""
    email = "Shared@Example.com"
    leads = [new_lead(email), new_lead(email.lower())]
    person = Person.objects.create(email=email, name="Пётр")
    customer = Customer.objects.create(code="C-001/Ёж 🦔", email=email, name="Ёжик")
    for lead in leads:
        in_ledger(lead)
    in_ledger(person, "people")
    in_ledger(customer, "customers", email=email.lower())
    people = {
        "model": "crm.Person",
        "fields": ["email", "name"],
        "write_back": {"unsubscribed": {"consent": False}},
    }
    customers = {
        "model": "crm.Customer",
        "fields": ["email", "name"],
        "write_back": "tests.contrib_django.crm.feedback.remember",
    }
    rule = SELZY["CONTACT_SOURCES"]["leads"]["write_back"]
    with with_write_back(rule, people=people, customers=customers):
        assert post(unsubscribe("2025-01-06 10:00:00", "shared@example.com")) == 200
    assert [lead.consent for lead in Lead.objects.order_by("pk")] == [False, False]
    person.refresh_from_db()
    customer.refresh_from_db()
    assert (person.consent, customer.consent) == (False, False)
    assert ContactState.objects.filter(unsubscribed=True).count() == 4
    unsubscribed = {
        (sender, arguments["source"], arguments["record_id"])
        for name, sender, arguments in sent
        if name == "unsubscribed"
    }
    assert unsubscribed == {
        (Lead, "leads", str(leads[0].pk)),
        (Lead, "leads", str(leads[1].pk)),
        (Person, "people", str(person.pk)),
        (Customer, "customers", "C-001/Ёж 🦔"),
    }
    assert site_callable.CALLS[0][:2] == ("Customer", "C-001/Ёж 🦔")
    assert_no_sync_set_off()


# --- payloads refused ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "change",
    [
        {"email": None},
        {"email": "   "},
        {"status": "err_" + "x" * 37},  # 41 characters
        {"status": ""},
        {"campaign_id": "x"},
        {"campaign_id": -1},
    ],
)
def test_an_email_status_of_an_unexpected_shape_is_refused(
    site: Connection, change: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    lead = new_lead("shape@example.com")
    in_ledger(lead)
    event = {**email_status("err_user_unknown", "2025-01-06 10:00:00", lead.email), **change}
    event = {key: value for key, value in event.items() if value is not None}
    assert post(event) == 400
    assert "Selzy webhook refused: " in caplog.text
    assert not WebhookEvent.objects.exists()
    lead.refresh_from_db()
    assert lead.email_undeliverable is False
