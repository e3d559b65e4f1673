"""The Selzy campaign backend of wagtail-newsletter (selzy.contrib.wagtail.newsletter) against
the emulator: lists and tags as audiences and segments, the message and its versions, the
sender check, test letters, sending, scheduling, the panel's status and report, and Selzy's
errors in plain words."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from selzy.contrib.django import models
from selzy.emulator import Emulator, SeededAccount
from selzy.testing import client_for

pytest.importorskip("wagtail_newsletter")

from wagtail_newsletter.audiences import Audience
from wagtail_newsletter.campaign_backends import CampaignBackendError, get_backend

from selzy.contrib.wagtail.newsletter import SelzyCampaignBackend

from .settings import SELZY

pytestmark = pytest.mark.django_db

SUBJECT = "Новости недели 🎉"
HTML = "<h1>Привет!</h1><p>Our <a href='https://example.com/'>news</a>.</p>"


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def backend(connected: Any) -> SelzyCampaignBackend:
    made = get_backend()
    assert isinstance(made, SelzyCampaignBackend)  # the setting names it
    return made


@pytest.fixture
def people(emulator: Emulator, account: SeededAccount) -> SeededAccount:
    """Newsletter: 3 contacts (2 tagged VIP, 1 tagged with Cyrillic and emoji); Customers: 1."""
    with client_for(emulator, account.api_key) as client:
        newsletter = account.list_ids["Newsletter"]
        for email, tags in [
            ("Anna.Petrova@Example.com", ["VIP", "Клиенты 🎉"]),
            ("boris@example.com", ["VIP"]),
            ("vera@example.com", []),
        ]:
            client.subscribe(
                list_ids=[newsletter], fields={"email": email}, tags=tags or None, double_optin=3
            )
        client.subscribe(
            list_ids=[account.list_ids["Customers"]],
            fields={"email": "gleb@example.com"},
            double_optin=3,
        )
    return account


def calls(emulator: Emulator, name: str) -> int:
    return sum(1 for record in emulator.state.requests if record.method == name)


def recipients(list_id: int, segment: str | None = None) -> Any:
    # wagtail-newsletter's NewsletterRecipientsBase as the backend reads it
    return SimpleNamespace(audience=str(list_id), segment=segment)


def save(
    backend: SelzyCampaignBackend, list_id: int, campaign_id: str | None = None, **kw: Any
) -> str:
    return backend.save_campaign(
        campaign_id=campaign_id,
        recipients=kw.pop("to", recipients(list_id)),
        subject=kw.pop("subject", SUBJECT),
        html=kw.pop("html", HTML),
        from_name="ignored",
        reply_to="ignored@example.com",
    )


def selzy_message(emulator: Emulator, account: SeededAccount, message_id: str) -> Any:
    return emulator.state.accounts[account.api_key].messages[int(message_id)]


def selzy_campaign(emulator: Emulator, account: SeededAccount, message_id: str) -> Any:
    record = models.Campaign.objects.get(message__message_id=int(message_id))
    return emulator.state.accounts[account.api_key].campaigns[record.campaign_id]


# ---------------------------------------------------------------------- audiences


def test_audiences_are_the_lists_with_their_member_counts(
    backend: SelzyCampaignBackend, people: SeededAccount
) -> None:
    audiences = {a.name: (a.id, a.member_count) for a in backend.get_audiences()}
    assert audiences == {
        "Newsletter": (str(people.list_ids["Newsletter"]), 3),
        "Customers": (str(people.list_ids["Customers"]), 1),
    }


def test_audiences_are_cached_so_page_loads_cost_no_calls(
    backend: SelzyCampaignBackend, people: SeededAccount, emulator: Emulator
) -> None:
    backend.get_audiences()
    first = (calls(emulator, "getLists"), calls(emulator, "getContactCount"))
    assert first == (1, 2)  # one getLists, one count per list
    for _ in range(5):  # five more page loads, each with its own backend as wagtail makes one
        get_backend().get_audiences()
        get_backend().get_audience_segments(str(people.list_ids["Newsletter"]))
    assert calls(emulator, "getLists") == 1
    tag_counts = calls(emulator, "getContactCount") - 2
    assert tag_counts == 2  # the segments' counts, once: two tags
    cache.clear()  # the cache expiring
    get_backend().get_audiences()
    assert calls(emulator, "getLists") == 2


def test_segments_are_tags_with_list_and_tag_in_the_id(
    backend: SelzyCampaignBackend, people: SeededAccount
) -> None:
    newsletter = str(people.list_ids["Newsletter"])
    segments = backend.get_audience_segments(newsletter)
    by_name = {s.name: s for s in segments}
    assert set(by_name) == {"VIP", "Клиенты 🎉"}
    assert by_name["VIP"].member_count == 2
    assert by_name["Клиенты 🎉"].member_count == 1
    for segment in segments:
        list_part, tag_part = segment.id.split("/")
        assert list_part == newsletter
        assert tag_part.isdigit()
    with pytest.raises(Audience.DoesNotExist):
        backend.get_audience_segments("999999")


# ---------------------------------------------------------------------- the message


def test_save_creates_the_message_then_updates_it(
    backend: SelzyCampaignBackend, people: SeededAccount, emulator: Emulator
) -> None:
    newsletter = people.list_ids["Newsletter"]
    first = save(backend, newsletter)
    message = selzy_message(emulator, people, first)
    assert (message.subject, message.sender_email, message.list_id) == (
        SUBJECT,
        "news@example.com",
        newsletter,
    )
    assert message.sender_name == "Новости 📰"
    assert "Привет!" in message.body
    again = save(backend, people.list_ids["Customers"], first, subject="Second draft")
    assert again == first  # not sent yet: the same message, changed
    message = selzy_message(emulator, people, first)
    assert (message.subject, message.list_id) == ("Second draft", people.list_ids["Customers"])
    assert models.Message.objects.get(message_id=int(first)).subject == "Second draft"


def test_a_segment_sends_to_the_tag(
    backend: SelzyCampaignBackend, people: SeededAccount, emulator: Emulator
) -> None:
    newsletter = people.list_ids["Newsletter"]
    vip = next(s for s in backend.get_audience_segments(str(newsletter)) if s.name == "VIP")
    message_id = save(backend, newsletter, to=recipients(newsletter, vip.id))
    assert selzy_message(emulator, people, message_id).tag == "VIP"
    backend.send_campaign(message_id)
    campaign = selzy_campaign(emulator, people, message_id)
    assert sorted(r.email.lower() for r in campaign.recipients) == [
        "anna.petrova@example.com",
        "boris@example.com",
    ]


def test_an_unconfirmed_sender_is_named_in_the_error(
    backend: SelzyCampaignBackend, people: SeededAccount, emulator: Emulator
) -> None:
    unconfirmed = {**SELZY, "NEWSLETTER_SENDER": {"email": "Editor@Example.org", "name": "Ed"}}
    with override_settings(SELZY=unconfirmed), pytest.raises(CampaignBackendError) as caught:
        save(backend, people.list_ids["Newsletter"])
    assert "Editor@Example.org" in caught.value.message
    assert "confirm" in caught.value.message
    assert calls(emulator, "createEmailMessage") == 0
    without = {k: v for k, v in SELZY.items() if k != "NEWSLETTER_SENDER"}
    with override_settings(SELZY=without), pytest.raises(CampaignBackendError) as caught:
        save(backend, people.list_ids["Newsletter"])
    assert 'SELZY["NEWSLETTER_SENDER"]' in caught.value.message


def test_an_update_after_sending_is_a_new_version(
    backend: SelzyCampaignBackend, people: SeededAccount
) -> None:
    first = save(backend, people.list_ids["Newsletter"])
    backend.send_campaign(first)
    second = save(backend, people.list_ids["Newsletter"], first, subject="Issue 2")
    assert second != first
    assert models.Message.objects.get(message_id=int(second)).subject == "Issue 2"
    draft = backend.get_campaign(second)
    assert draft is not None
    assert not draft.is_sent
    assert not draft.is_scheduled
    assert draft.status == "Draft"


def test_an_edit_in_selzys_editor_is_followed(
    backend: SelzyCampaignBackend, people: SeededAccount, emulator: Emulator
) -> None:
    first = save(backend, people.list_ids["Newsletter"])
    backend.send_campaign(first)
    with client_for(emulator, people.api_key) as client:  # an editor in Selzy's own editor
        edited = client.update_email_message(id=int(first), subject="Fixed in Selzy").message_id
    assert edited is not None
    assert str(edited) != first
    with pytest.raises(CampaignBackendError, match="newer version"):
        backend.send_test_email(campaign_id=first, email="ed@example.com")
    saved = save(backend, people.list_ids["Newsletter"], first, subject="From the page")
    assert saved == str(edited)  # the current version was updated, no third one made
    assert selzy_message(emulator, people, saved).subject == "From the page"
    assert calls(emulator, "getActualMessageVersion") >= 1


# ---------------------------------------------------------------------- sending


def test_a_test_email_reaches_the_outbox(
    backend: SelzyCampaignBackend, people: SeededAccount, emulator: Emulator
) -> None:
    message_id = save(backend, people.list_ids["Newsletter"])
    backend.send_test_email(campaign_id=message_id, email="Editor@Example.com")
    letters = emulator.outbox()
    assert [letter.subject for letter in letters if "editor@" in letter.to.lower()] == [SUBJECT]
    record = models.Message.objects.get(message_id=int(message_id))
    assert record.test_sent_to == "Editor@Example.com"
    assert record.test_sent_at is not None


def test_send_now_tracks_reads_and_links_and_reports(
    backend: SelzyCampaignBackend, people: SeededAccount, emulator: Emulator
) -> None:
    message_id = save(backend, people.list_ids["Newsletter"])
    assert backend.get_campaign(message_id).is_sent is False  # type: ignore[union-attr]
    backend.send_campaign(message_id)
    campaign = selzy_campaign(emulator, people, message_id)
    assert (campaign.track_read, campaign.track_links) == (True, True)
    emulator.advance(days=2)
    shown = backend.get_campaign(message_id)
    assert shown is not None
    assert shown.is_sent
    assert not shown.is_scheduled
    report = shown.get_report()
    stats = client_for(emulator, people.api_key).get_campaign_common_stats(campaign_id=campaign.id)
    assert report["emails_sent"] == stats.sent == 3
    assert report["opens"] == stats.read_unique
    assert report["clicks"] == stats.clicked_unique
    assert report["bounces"] == stats.sent - stats.delivered
    assert isinstance(report["send_time"], dt.datetime)
    assert shown.url.endswith(f"/campaign/{shown.record.pk}/")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("status", "label"),
    [
        ("waits_censor", "Waiting for Selzy's moderation"),
        ("censor_hold", "Held by Selzy's moderation"),
        ("declined", "Declined by Selzy's moderation"),
    ],
)
def test_moderation_statuses_reach_the_panel(
    backend: SelzyCampaignBackend,
    people: SeededAccount,
    emulator: Emulator,
    status: str,
    label: str,
) -> None:
    message_id = save(backend, people.list_ids["Newsletter"])
    backend.send_campaign(message_id)
    campaign = selzy_campaign(emulator, people, message_id)
    campaign.statuses = [(campaign.created, status)]  # Selzy's moderators took it
    shown = backend.get_campaign(message_id)
    assert shown is not None
    assert shown.is_sent
    assert not shown.is_scheduled
    assert shown.status.startswith(label)
    assert models.Campaign.objects.get(campaign_id=campaign.id).status == status


def test_schedule_times_are_validated(backend: SelzyCampaignBackend) -> None:
    now = timezone.now()
    with pytest.raises(CampaignBackendError, match="future"):
        backend.validate_schedule_time(now - dt.timedelta(minutes=1))
    with pytest.raises(CampaignBackendError, match="100 days"):
        backend.validate_schedule_time(now + dt.timedelta(days=100, minutes=5))
    backend.validate_schedule_time(now + dt.timedelta(days=99))
    with pytest.raises(CampaignBackendError, match="future"):
        backend.schedule_campaign("1", now - dt.timedelta(hours=1))


def test_schedule_then_unschedule_then_send(
    backend: SelzyCampaignBackend, people: SeededAccount, emulator: Emulator
) -> None:
    # The emulator's frozen clock to the site's time: both judge "3 days ahead"
    emulator.advance((timezone.now() - emulator.now()).total_seconds())
    message_id = save(backend, people.list_ids["Newsletter"])
    when = (timezone.now() + dt.timedelta(days=3)).replace(second=0, microsecond=0)
    backend.schedule_campaign(message_id, when)
    shown = backend.get_campaign(message_id)
    assert shown is not None
    assert shown.is_scheduled
    assert not shown.is_sent
    assert shown.get_report()["send_time"] == when
    backend.unschedule_campaign(message_id)
    with pytest.raises(CampaignBackendError, match="already canceled"):
        backend.unschedule_campaign(message_id)
    shown = backend.get_campaign(message_id)
    assert shown is not None
    assert not shown.is_scheduled
    assert not shown.is_sent
    backend.send_campaign(message_id)
    emulator.advance(days=1)
    shown = backend.get_campaign(message_id)
    assert shown is not None
    assert shown.is_sent
    with pytest.raises(CampaignBackendError, match="cannot cancel"):
        backend.unschedule_campaign(message_id)


# ---------------------------------------------------------------------- errors


def test_selzy_errors_reach_the_editor_in_plain_words(
    backend: SelzyCampaignBackend, people: SeededAccount, connected: Any
) -> None:
    connected.set_api_key("0" * 40)  # a key Selzy no longer accepts
    connected.save()
    with pytest.raises(CampaignBackendError) as caught:
        get_backend().get_audiences()
    assert "no longer accepts the saved API key" in caught.value.message
    assert "0" * 40 not in caught.value.message


def test_no_connection_and_unknown_ids(db: Any) -> None:
    with pytest.raises(CampaignBackendError, match="No Selzy account is connected"):
        get_backend().get_audiences()
    assert get_backend().get_campaign("12345") is None  # the panel offers to save again
    with pytest.raises(CampaignBackendError, match="not a Selzy message id"):
        get_backend().get_campaign("abc")


# ---------------------------------------------------------------------- through wagtail-newsletter


@pytest.fixture
def editor(db: Any) -> Any:
    from django.contrib.auth.models import User

    return User.objects.create_superuser("editor", "Editor@Example.com", "pw")


def newsletter_page(list_id: int) -> Any:
    from wagtail.models import Locale, Page, Site
    from wagtail_newsletter.models import NewsletterRecipients

    from .models import NewsletterPage

    Locale.objects.get_or_create(language_code="en")
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    home = root.get_children().first() or root.add_child(instance=Page(title="Home", slug="home"))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "testserver", "root_page": home}
    )
    audience = NewsletterRecipients.objects.create(name="Everyone", audience=str(list_id))
    page = home.add_child(
        instance=NewsletterPage(
            title="Выпуск №1 🎉",
            slug="issue-1",
            body="Привет, читатели!",
            newsletter_recipients=audience,
        )
    )
    page.save_revision(log_action=False)
    return page


def action_request(user: Any, post: dict[str, str] | None = None) -> Any:
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.test import RequestFactory

    request = RequestFactory().post("/cms/", post or {})
    request.user = user
    request._messages = CookieStorage(request)  # type: ignore[attr-defined]
    return request


def said(request: Any) -> list[str]:
    # wagtail-newsletter's messages arrive HTML-escaped, with Wagtail's trailing newlines
    return [html.unescape(str(message)).strip() for message in request._messages]


def test_an_editor_saves_tests_schedules_unschedules_sends_and_reads_the_report(
    people: SeededAccount, emulator: Emulator, editor: Any, connected: Any
) -> None:
    """wagtail-newsletter's own actions, views and panel, with the Selzy backend behind them."""
    from django.test import Client
    from wagtail_newsletter import actions

    emulator.advance((timezone.now() - emulator.now()).total_seconds())
    page = newsletter_page(people.list_ids["Newsletter"])

    request = action_request(editor)
    actions.save_campaign(request, page)
    assert said(request) == ["Newsletter campaign 'Выпуск №1 🎉' has been saved to Selzy"]
    page.refresh_from_db()
    message = selzy_message(emulator, people, page.newsletter_campaign)
    assert "Привет, читатели!" in message.body

    request = action_request(editor, {"newsletter-test-email": "Ed@Example.com"})
    actions.send_test_email(request, page)
    assert [letter.subject for letter in emulator.outbox() if letter.to.lower() == "ed@example.com"]

    when = timezone.localtime() + dt.timedelta(days=2)
    request = action_request(
        editor, {"newsletter-schedule-schedule_time": when.strftime("%Y-%m-%d %H:%M")}
    )
    actions.schedule_campaign(request, page)
    assert said(request)[-1].startswith("Campaign scheduled to send at")
    page.refresh_from_db()

    browser = Client()
    browser.force_login(editor)
    edit = f"/cms/pages/{page.pk}/edit/"
    panel = " ".join(browser.get(edit).content.decode().split())
    assert "<b>Status:</b> Scheduled" in panel
    assert "won't affect the scheduled campaign" in panel
    browser.post(f"/cms/newsletter/pages/{page.pk}/unschedule/")
    assert get_backend().get_campaign(page.newsletter_campaign).is_scheduled is False  # type: ignore[union-attr]

    request = action_request(editor)
    actions.send_campaign(request, page)
    assert said(request)[-1] == "Newsletter campaign is now sending"
    page.refresh_from_db()
    emulator.advance(days=1)
    panel = " ".join(browser.get(edit).content.decode().split())
    assert "<b>Status:</b> Sent" in panel
    report = get_backend().get_campaign(page.newsletter_campaign).get_report()  # type: ignore[union-attr]
    assert report["emails_sent"] == 3
    sent_line = f"{report['emails_sent']} ({report['bounces']} bounces)"
    assert sent_line in panel  # the panel shows Selzy's report
