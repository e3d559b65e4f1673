"""The sign-up queue: nothing lost, nothing sent twice, everything in order.

Selzy away for a while, a setup problem (a list without its confirmation letter), Selzy
refusing one sign-up's data, a sender that died mid-call, two senders at once; then the
person's click coming back through the webhook as the consent's confirmation, the admin's
lists and the GDPR export."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.utils import timezone

from selzy import Selzy
from selzy.client import NoRateLimiter
from selzy.contrib.django import hooks, jobs
from selzy.contrib.django.client import connected_client
from selzy.contrib.django.models import Connection, ConsentRecord, SignUp
from selzy.contrib.django.signup_queue import RETRY_MAX, retry_delay, send_signups
from selzy.contrib.django.signups import sign_up
from selzy.emulator import Emulator, SeededAccount, SystemClock

from . import emulated
from .settings import SELZY
from .signup_world import contacts, newsletter_post, post, seed

# Each test starts with the sign-up limits' counters empty (conftest's fresh_limits).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_limits")]

HOOK_URL = "http://testserver/selzy/webhook/"
Status = SignUp.Status


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """The emulator on the wall clock (Selzy's confirmation times are real times), without
    its per-minute limits: subscribe allows 300 a minute per key, which a frozen clock would
    never let pass for the 1,000 sign-ups below (keeping to Selzy's limits is the client's
    bucket's job, tested with the client)."""
    emulator = Emulator(seed=11, clock=SystemClock(), rate_limits=False)
    emulated.CURRENT["emulator"] = emulator
    yield emulator
    emulated.CURRENT.pop("emulator", None)


@pytest.fixture
def account(emulator: Emulator) -> SeededAccount:
    return seed(emulator, bare=("Bare",))


def unreachable_client_factory(**options: Any) -> Selzy:
    """CLIENT_FACTORY while Selzy is down: every connection is refused."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    options.pop("rate_limiter", None)
    return Selzy(
        options.pop("api_key"),
        transport=httpx.MockTransport(refuse),
        rate_limiter=NoRateLimiter(),
        **options,
    )


def broken_client_factory(**options: Any) -> Selzy:
    """CLIENT_FACTORY whose transport has a bug: it raises what no Selzy error covers."""

    def crash(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("a bug in the transport")

    options.pop("rate_limiter", None)
    return Selzy(
        options.pop("api_key"),
        transport=httpx.MockTransport(crash),
        rate_limiter=NoRateLimiter(),
        **options,
    )


def selzy_down() -> Any:
    here = f"{__name__}.unreachable_client_factory"
    return override_settings(SELZY={**SELZY, "CLIENT_FACTORY": here, "MAX_RETRIES": 0})


def backoff_over() -> None:
    """Time passes: every waiting sign-up's next attempt is due."""
    SignUp.objects.filter(next_attempt_at__isnull=False).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )


def members(email: str, name: str = "M") -> SignUp:
    return sign_up(
        "members", {"email": email, "Name": name}, consent=True, request=None, origin="t"
    )


def test_the_backoff_doubles_up_to_a_quarter_of_an_hour() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 5, 6, 7, 20)] == [
        30,
        60,
        120,
        240,
        480,
        900,
        900,
        900,
    ]
    assert dt.timedelta(minutes=15) == RETRY_MAX


def test_selzy_down_while_1000_sign_up_then_each_arrives_once_in_order(
    ready: Any, emulator: Emulator, account: SeededAccount
) -> None:
    emails = [f"Visitor{i:04d}@Example.com" for i in range(1000)]
    with selzy_down():
        for i, email in enumerate(emails):
            values = {"email": email, "Name": f"Посетитель {i} 👋"}
            sign_up("newsletter", values, consent=True, request=None, origin="form")
    assert SignUp.objects.count() == 1000
    head = SignUp.objects.order_by("created_at", "pk").first()
    assert head is not None
    # Only the first was tried (the rest waited behind it), and it waits for its retry.
    assert (head.status, head.attempts) == (Status.PENDING, 1)
    assert head.next_attempt_at is not None
    assert "could not be reached" in head.error
    assert SignUp.objects.filter(attempts=0).count() == 999
    assert emulator.outbox() == []
    assert contacts(emulator) == {}

    # Selzy is back; the backoff runs out, and the periodic scan submits the queue.
    backoff_over()
    jobs.scan_changes()

    signups = list(SignUp.objects.order_by("created_at", "pk"))
    assert {s.status for s in signups} == {Status.SENT}
    in_selzy = contacts(emulator)
    assert sorted(in_selzy) == sorted(e.lower() for e in emails)  # each address once
    letters = emulator.outbox()
    assert sorted(letter.to.lower() for letter in letters) == sorted(in_selzy)  # one letter each
    # In order: Selzy numbered the contacts as they came.
    person_ids = [s.person_id for s in signups]
    assert person_ids == sorted(person_ids)
    assert [in_selzy[s.email.lower()]["id"] for s in signups] == person_ids
    assert in_selzy["visitor0999@example.com"]["fields"]["Name"] == "Посетитель 999 👋"

    # Nothing is sent twice: a second run finds nothing.
    assert send_signups() == 0
    assert len(emulator.outbox()) == 1000


def test_a_setup_problem_holds_the_queue_in_order_until_fixed(
    connected: Any, emulator: Emulator, account: SeededAccount
) -> None:
    bare_list = account.list_ids["Bare"]
    forms = {"bare": {"list_id": bare_list, "consent_text": "Yes please", "consent_version": "1"}}
    with override_settings(SELZY={**SELZY, "SIGNUP_FORMS": forms}):
        first = sign_up(
            "bare", {"email": "one@example.com"}, consent=True, request=None, origin="t"
        )
        second = sign_up(
            "bare", {"email": "two@example.com"}, consent=True, request=None, origin="t"
        )
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.status, first.attempts, second.attempts) == (Status.PENDING, 1, 0)
        assert "confirmation letter" in first.error
        assert contacts(emulator) == {}

        with connected_client() as client:
            client.update_opt_in_email(
                list_id=bare_list,
                sender_name="News",
                sender_email="news@example.com",
                subject="Confirm",
                body='<a href="{{ConfirmUrl}}">Confirm</a>',
            )
        backoff_over()
        assert send_signups() == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.SENT, Status.SENT)
    assert first.person_id is not None
    assert second.person_id is not None
    assert first.person_id < second.person_id
    assert first.error == ""


def test_a_sign_up_selzy_refuses_fails_alone_and_can_be_sent_again(
    connected: Any, emulator: Emulator, account: SeededAccount
) -> None:
    # The site says Birthday is text; Selzy's field is a date and refuses "soon".
    forms = {
        "loose": {
            "list_id": account.list_ids["Newsletter"],
            "fields": [{"name": "Birthday", "type": "string"}],
            "consent_text": "Yes",
            "consent_version": "1",
        }
    }
    with override_settings(SELZY={**SELZY, "SIGNUP_FORMS": forms}):
        for email, birthday in (("bad@example.com", "soon"), ("good@example.com", "1990-01-02")):
            values = {"email": email, "Birthday": birthday}
            sign_up("loose", values, consent=True, request=None, origin="t")
    bad, good = SignUp.objects.order_by("pk")
    assert (bad.status, good.status) == (Status.FAILED, Status.SENT)
    assert "Selzy refused the sign-up" in bad.error
    assert "Birthday" in bad.error

    admin = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
    browser = Client()
    browser.force_login(admin)
    response = browser.post(
        "/admin/selzy/signup/",
        {"action": "send_again", "_selected_action": [bad.pk, good.pk]},
        follow=True,
    )
    assert "1 sign-up(s) queued again." in response.content.decode()
    bad.refresh_from_db()
    assert (bad.status, bad.attempts) == (Status.FAILED, 2)  # tried again: still refused


def test_a_sender_that_died_mid_call_is_taken_over_without_a_second_letter(
    ready: Any, emulator: Emulator, account: SeededAccount
) -> None:
    with selzy_down():
        signup = members("Dead.Sender@example.com")
    # The first attempt failed; another sender then claimed it, and its subscribe reached
    # Selzy (the letter went out: double opt-in) just before its process died.
    with connected_client() as client:
        client.subscribe(
            list_ids=[account.list_ids["Customers"]],
            fields={"email": "Dead.Sender@example.com"},
        )
    stale = timezone.now() - dt.timedelta(hours=1)
    SignUp.objects.filter(pk=signup.pk).update(status=Status.SENDING, claimed_at=stale)
    assert len(emulator.outbox(to="dead.sender@example.com")) == 1

    assert send_signups() == 1
    signup.refresh_from_db()
    assert (signup.status, signup.uncertain) == (Status.SENT, False)
    assert len(emulator.outbox(to="dead.sender@example.com")) == 1  # asked first: no 2nd


def test_an_unexpected_error_is_retried_with_the_backoff_not_left_claimed(
    ready: Any, caplog: pytest.LogCaptureFixture
) -> None:
    broken = f"{__name__}.broken_client_factory"
    with override_settings(SELZY={**SELZY, "CLIENT_FACTORY": broken}):
        signup = members("bug@example.com")
    signup.refresh_from_db()
    assert (signup.status, signup.attempts) == (Status.PENDING, 1)
    assert signup.error == "RuntimeError: a bug in the transport"
    assert signup.next_attempt_at is not None
    assert f"Sign-up {signup.pk} could not be sent" in caplog.text
    backoff_over()
    assert send_signups() == 1


def test_a_slow_sender_still_inside_its_claim_is_waited_for(ready: Any) -> None:
    with selzy_down():
        signup = members("slow@example.com")
    SignUp.objects.filter(pk=signup.pk).update(status=Status.SENDING, claimed_at=timezone.now())
    assert send_signups() == 0
    assert SignUp.objects.get(pk=signup.pk).status == Status.SENDING


def test_one_sender_at_a_time(ready: Any, emulator: Emulator) -> None:
    until = timezone.now() + dt.timedelta(minutes=1)
    Connection.objects.filter(pk=ready.pk).update(
        signups_sender="another-worker", signups_lease_until=until
    )
    signup = members("queued@example.com")  # its own submission finds the queue taken
    assert send_signups() == 0
    assert SignUp.objects.get(pk=signup.pk).status == Status.PENDING
    # The other sender vanished: its lease runs out, and the next job sends.
    Connection.objects.filter(pk=ready.pk).update(
        signups_lease_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert send_signups() == 1
    assert Connection.objects.get(pk=ready.pk).signups_sender == ""


def test_the_scan_submits_the_queue_only_when_its_head_is_due(ready: Any) -> None:
    with selzy_down():
        signup = members("wait@example.com")
    jobs.scan_changes()  # not due yet: nothing tried
    assert SignUp.objects.get(pk=signup.pk).attempts == 1
    backoff_over()
    jobs.scan_changes()
    assert SignUp.objects.get(pk=signup.pk).status == Status.SENT


def django_receiver(url: str, body: bytes, headers: dict[str, str]) -> int:
    """Selzy's POST, delivered to this site's webhook view."""
    return Client().post(urlsplit(url).path, body, content_type="application/json").status_code


def test_the_persons_click_confirms_the_consent_record(
    ready: Any, emulator: Emulator, account: SeededAccount
) -> None:
    emulator.webhook_sender = django_receiver
    with connected_client() as client:
        hooks.register_hook(client, HOOK_URL)
    assert post(newsletter_post(email="Click.Me@Example.com")).status_code == 302
    signup = SignUp.objects.get()
    assert signup.status == Status.SENT
    [letter] = emulator.outbox(to="click.me@example.com")

    emulator.confirm(letter.links[0][1])  # Selzy's subscribe webhook comes to the site

    signup.refresh_from_db()
    record = ConsentRecord.objects.get()
    assert signup.status == Status.CONFIRMED
    assert signup.confirmed_at is not None
    assert record.confirmed_at == signup.confirmed_at
    customers = str(account.list_ids["Customers"])
    assert contacts(emulator)["click.me@example.com"]["email_lists"] == {customers: "active"}
    # Selzy's redelivery of the same event changes nothing.
    emulator.confirm(letter.links[0][1])
    assert ConsentRecord.objects.get().confirmed_at == record.confirmed_at


def test_a_sign_up_without_a_letter_is_confirmed_by_selzys_own_event(
    ready: Any, emulator: Emulator
) -> None:
    emulator.webhook_sender = django_receiver
    with connected_client() as client:
        hooks.register_hook(client, HOOK_URL)
    signup = members("member@example.com")  # double_optin 3: in the list at once
    signup.refresh_from_db()
    assert signup.status == Status.CONFIRMED  # the event came during the very call
    assert signup.person_id is not None
    assert signup.sent_at is not None
    assert signup.consent.confirmed_at is not None


def test_the_admin_lists_and_the_gdpr_export(ready: Any, emulator: Emulator) -> None:
    for email in ("Anna@Example.com", "anna@example.com", "other@example.com"):
        post(newsletter_post(email=email), REMOTE_ADDR="203.0.113.9")
    admin = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
    browser = Client()
    browser.force_login(admin)
    for page in ("/admin/selzy/signup/", "/admin/selzy/consentrecord/"):
        listed = browser.get(page, {"q": "ANNA@example.com"}).content.decode()
        assert listed.count("Anna@example.com") + listed.count("anna@example.com") >= 2
        assert "other@example.com" not in listed
    record = ConsentRecord.objects.filter(email="anna@example.com").get()
    assert browser.get(f"/admin/selzy/consentrecord/{record.pk}/change/").status_code == 200
    assert browser.post(f"/admin/selzy/consentrecord/{record.pk}/delete/").status_code == 403

    response = browser.post(
        "/admin/selzy/consentrecord/", {"action": "export_gdpr", "_selected_action": [record.pk]}
    )
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="selzy-consent-')
    data = json.loads(response.content)
    assert data["emails"] == ["anna@example.com"]
    assert len(data["consent_records"]) == 2
    assert len(data["sign_ups"]) == 2
    first = data["consent_records"][0]
    assert first["consent_text"] == SELZY["SIGNUP_FORMS"]["newsletter"]["consent_text"]  # type: ignore[index]
    assert first["ip_kept_as"] == "hash"
    assert first["ip"] != "203.0.113.9"
    assert data["sign_ups"][0]["values"]["Name"] == "Анна Петрова 🌸"
    assert data["sign_ups"][0]["status"] == "sent"
    assert "Анна Петрова" in response.content.decode()  # readable, not \\u-escaped
