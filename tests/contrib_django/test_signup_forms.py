"""The site's sign-up forms: configured on the server only, typed inputs, consent evidence,
the honeypot, CSRF, the limits, the thank-you redirect, and the entry point adapters call.

The module's tests run with the immediate task runner: once a sign-up's transaction commits,
the queue sends it to the emulator in the same request, so each test sees the whole path."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection as db_connection
from django.template import Context, Template
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from selzy.contrib.django import signups
from selzy.contrib.django.conf import selzy_settings
from selzy.contrib.django.consent import ip_hash
from selzy.contrib.django.models import Connection, ConsentRecord, SignUp
from selzy.contrib.django.signup_limits import client_ip
from selzy.contrib.django.signups import (
    ConsentRequired,
    InvalidSignUp,
    TooManySignUps,
    UnknownForm,
    sign_up,
)
from selzy.emulator import Emulator, SeededAccount

from .settings import SELZY
from .signup_world import contacts, newsletter_post, post, seed

# Each test starts with the sign-up limits' counters empty (conftest's fresh_limits).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_limits")]

NEWSLETTER = SELZY["SIGNUP_FORMS"]["newsletter"]  # type: ignore[index]


@pytest.fixture
def account(emulator: Emulator) -> SeededAccount:
    return seed(emulator)


def forms_with(**forms: Any) -> Any:
    return override_settings(SELZY={**SELZY, "SIGNUP_FORMS": forms})


# --- configuration --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"consent_version": "1"}, "consent_text is required"),
        ({"consent_text": "Yes"}, "consent_version is required"),
        ({**NEWSLETTER, "double_optin": 0}, '"selzy_letter"'),
        ({**NEWSLETTER, "list_id": "5"}, "list_id is a Selzy list id"),
        ({**NEWSLETTER, "tags": [f"t{i}" for i in range(11)]}, "at most 10"),
        ({**NEWSLETTER, "fields": [{"name": "When", "type": "datetime"}]}, "type is one of"),
        ({**NEWSLETTER, "fields": ["Name", "Name"]}, "listed twice"),
        ({**NEWSLETTER, "list_ids": [1, 2]}, "unknown keys \\['list_ids'\\]"),
    ],
)
def test_a_bad_form_configuration_is_explained(entry: dict[str, Any], message: str) -> None:
    with forms_with(newsletter=entry), pytest.raises(ImproperlyConfigured, match=message):
        selzy_settings()


def test_a_form_key_must_fit_in_a_url() -> None:
    with (
        forms_with(**{"News Letter": NEWSLETTER}),
        pytest.raises(ImproperlyConfigured, match="key"),
    ):
        selzy_settings()


def test_a_field_neither_mapped_nor_typed_is_left_out_and_said(
    ready: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with forms_with(newsletter={**NEWSLETTER, "fields": ["Company", "Name"]}):
        page = Client().get("/selzy/signup/newsletter/")
        assert page.status_code == 200  # the site's page stays up
        assert 'name="Name"' in page.content.decode()
        assert 'name="Company"' not in page.content.decode()
        assert "leaves out Company: not in the mapping" in caplog.text
        config = signups.signup_form("newsletter")
        assert signups.unmapped_fields(config) == ["Company"]
        values = {"email": "a@example.com", "Company": "ACME"}
        with pytest.raises(InvalidSignUp, match="Company: not a field of this form"):
            sign_up("newsletter", values, consent=True, request=None, origin="t")


# --- the form and its page ------------------------------------------------------------------


def test_the_form_asks_for_each_field_in_its_selzy_type(ready: Any) -> None:
    page = Client().get("/selzy/signup/newsletter/").content.decode()
    assert re.search(r'<input type="email" name="email"[^>]*required', page)
    # Name comes from the mapping: the leads' name field gives its label.
    assert '<label for="selzy-newsletter-Name">Name:</label>' in page
    assert re.search(r'<input type="date" name="Birthday"', page)
    assert re.search(r'<input type="number" name="Score"', page)
    assert re.search(r'<select name="Vip"', page)
    consent = re.search(r'<input type="checkbox" name="consent"[^>]*>', page)
    assert consent is not None
    assert "checked" not in consent.group(0)  # never ticked for the visitor
    assert "I agree to receive the newsletter. I can unsubscribe at any time." in page
    assert 'aria-hidden="true"' in page
    assert 'name="website"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert "list_id" not in page
    assert "double_optin" not in page


def test_a_sign_up_is_stored_then_sent_with_selzys_confirmation_letter(
    ready: Any, emulator: Emulator, account: SeededAccount
) -> None:
    response = post(newsletter_post(), REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Firefox 🦊")
    assert response.status_code == 302
    assert response["Location"] == "/about/?ref=footer&signed_up=newsletter"

    signup = SignUp.objects.get()
    customers = account.list_ids["Customers"]  # the module's list (the form names none)
    assert (signup.email, signup.form_key, signup.origin) == (
        "Anna.Petrova@example.com",
        "newsletter",
        "form",
    )
    assert signup.values == {
        "Name": "Анна Петрова 🌸",
        "Birthday": "1990-03-05",
        "Score": "7",
        "Vip": "1",
    }
    assert (signup.list_id, signup.double_optin, signup.tags) == (customers, 0, ["site-form"])
    assert signup.status == SignUp.Status.SENT
    assert signup.person_id
    assert signup.sent_at
    assert signup.attempts == 1

    record = signup.consent
    assert record.consent_text == NEWSLETTER["consent_text"]
    assert (record.consent_version, record.language, record.double_optin) == ("2026-01", "en-us", 0)
    assert (record.ip_mode, record.ip) == ("hash", ip_hash("203.0.113.9"))
    assert record.user_agent == "Firefox 🦊"
    assert record.page == "/about/?ref=footer"
    assert record.confirmed_at is None

    [letter] = emulator.outbox(to="anna.petrova@example.com")
    assert letter.kind == "optin"
    contact = contacts(emulator)["anna.petrova@example.com"]
    assert contact["email_status"] == "invited"  # in no list until the click
    assert contact["fields"]["Name"] == "Анна Петрова 🌸"
    assert contact["tags"] == ["site-form"]


def test_a_forged_post_cannot_choose_the_list_skip_confirmation_or_add_tags(
    ready: Any, emulator: Emulator, account: SeededAccount
) -> None:
    newsletter = account.list_ids["Newsletter"]
    forged = newsletter_post(
        email="mallory@example.com",
        list_ids=str(newsletter),
        list_id=str(newsletter),
        double_optin="3",
        tags="vip,free-upgrade",
        overwrite="1",
    )
    assert post(forged).status_code == 302
    signup = SignUp.objects.get()
    assert (signup.list_id, signup.double_optin) == (account.list_ids["Customers"], 0)
    assert signup.tags == ["site-form"]
    assert set(signup.values) == {"Name", "Birthday", "Score", "Vip"}
    contact = contacts(emulator)["mallory@example.com"]
    assert contact["email_status"] == "invited"  # Selzy's letter went out: not skipped
    assert contact["email_lists"] == {}  # in no list, Newsletter included, until confirmed
    assert contact["tags"] == ["site-form"]
    assert len(emulator.outbox(to="mallory@example.com")) == 1


def test_the_confirmed_by_site_form_adds_at_once(
    ready: Any, emulator: Emulator, account: SeededAccount
) -> None:
    data = {"email": "member@example.com", "Name": "Mia", "phone": "+44 7700 900123"}
    assert post({**data, "consent": "on"}, key="members").status_code == 302
    signup = SignUp.objects.get()
    assert signup.values == {"Name": "Mia", "phone": "+447700900123"}
    assert signup.double_optin == 3
    assert emulator.outbox(to="member@example.com") == []
    customers = str(account.list_ids["Customers"])
    assert contacts(emulator)["member@example.com"]["email_lists"] == {customers: "active"}


def test_a_filled_honeypot_looks_like_success_and_keeps_nothing(
    ready: Any, emulator: Emulator
) -> None:
    response = post(newsletter_post(website="http://spam.example"))
    assert response.status_code == 302
    assert response["Location"] == "/about/?ref=footer&signed_up=newsletter"
    assert (SignUp.objects.count(), ConsentRecord.objects.count()) == (0, 0)
    assert emulator.outbox() == []


def test_a_post_without_the_csrf_token_is_refused(ready: Any) -> None:
    response = Client(enforce_csrf_checks=True).post("/selzy/signup/newsletter/", newsletter_post())
    assert response.status_code == 403
    assert SignUp.objects.count() == 0


def test_an_unticked_box_or_a_bad_value_shows_the_form_again(ready: Any) -> None:
    response = post(newsletter_post(consent=None))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please tick the box to agree" in page
    assert 'value="Анна Петрова 🌸"' in page  # what was typed is kept
    response = post(newsletter_post(email="not an address", Birthday="31.02.1990", Score="x"))
    page = response.content.decode()
    assert "Enter a valid email address." in page
    assert "Enter a valid date." in page
    assert "Enter a number." in page
    assert (SignUp.objects.count(), ConsentRecord.objects.count()) == (0, 0)


def test_the_page_goes_back_only_to_this_site(ready: Any) -> None:
    response = post(newsletter_post(next="https://evil.example/phish"))
    assert response["Location"] == "/selzy/signup/newsletter/?signed_up=newsletter"
    thanks = Client().get(response["Location"]).content.decode()
    assert "Please check your inbox" in thanks
    assert "<form" not in thanks


def test_an_unknown_form_is_not_found(db: Any) -> None:
    assert Client().get("/selzy/signup/nope/").status_code == 404
    assert Client().post("/selzy/signup/nope/", {"email": "a@example.com"}).status_code == 404


# --- limits -----------------------------------------------------------------------------------


def test_a_flood_from_one_ip_is_refused_before_anything_is_written(ready: Any) -> None:
    with override_settings(SELZY={**SELZY, "SIGNUP_LIMIT_PER_IP": (5, 3600)}):
        for i in range(5):
            assert post(newsletter_post(email=f"p{i}@example.com")).status_code == 302
        with CaptureQueriesContext(db_connection) as queries:
            refused = post(newsletter_post(email="p5@example.com"))
        assert refused.status_code == 429
        assert "too many sign-ups from you" in refused.content.decode()
        assert queries.captured_queries == []  # one cache lookup, not a query
        other_ip = post(newsletter_post(email="p6@example.com"), REMOTE_ADDR="198.51.100.7")
        assert other_ip.status_code == 302
    assert SignUp.objects.count() == 6


def test_one_address_cannot_be_buried_under_letters(ready: Any, emulator: Emulator) -> None:
    with override_settings(SELZY={**SELZY, "SIGNUP_LIMIT_PER_EMAIL": (2, 3600)}):
        for i, email in enumerate(
            ["victim@example.com", "VICTIM@example.com", "Victim@Example.com"]
        ):
            response = post(newsletter_post(email=email), REMOTE_ADDR=f"198.51.100.{i}")
            assert response.status_code == (302 if i < 2 else 429)
    assert SignUp.objects.count() == 2
    assert len(emulator.outbox(to="victim@example.com")) == 2


def test_behind_proxies_the_visitor_ip_is_the_one_the_first_proxy_saw(db: Any) -> None:
    request = RequestFactory().post(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5"
    )
    assert client_ip(request) == "10.0.0.2"
    with override_settings(SELZY={**SELZY, "SIGNUP_PROXIES": 1}):
        assert client_ip(request) == "203.0.113.5"  # 1.2.3.4 is the visitor's to forge
    with override_settings(SELZY={**SELZY, "SIGNUP_PROXIES": 2}):
        assert client_ip(request) == "1.2.3.4"


@pytest.mark.parametrize(("mode", "kept"), [("store", "203.0.113.9"), ("none", "")])
def test_the_ip_is_kept_as_configured(ready: Any, mode: str, kept: str) -> None:
    with override_settings(SELZY={**SELZY, "SIGNUP_IP": mode}):
        post(newsletter_post(), REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Safari")
    record = ConsentRecord.objects.get()
    assert (record.ip_mode, record.ip) == (mode, kept)
    assert record.user_agent == ("" if mode == "none" else "Safari")


# --- the template tag and languages -----------------------------------------------------------


def test_the_template_tag_puts_the_form_in_any_page_and_thanks_there(ready: Any) -> None:
    template = Template('{% load selzy_signup %}<main>{% selzy_signup_form "newsletter" %}</main>')
    request = RequestFactory().get("/about/", {"ref": "footer"})
    page = template.render(Context({"request": request, "csrf_token": "t0ken"}))
    assert 'action="/selzy/signup/newsletter/"' in page
    assert 'name="next" value="/about/?ref=footer"' in page
    assert 'name="csrfmiddlewaretoken" value="t0ken"' in page
    done = RequestFactory().get("/about/", {"ref": "footer", "signed_up": "newsletter"})
    page = template.render(Context({"request": done}))
    assert "Please check your inbox" in page
    assert "<form" not in page


def test_the_visitor_reads_the_form_in_russian(ready: Any) -> None:
    tag = Template('{% load selzy_signup %}{% selzy_signup_form "newsletter" %}')
    with translation.override("ru"):
        page = tag.render(Context({"request": RequestFactory().get("/")}))
        assert "Подписаться" in page  # the button
        assert "Электронная почта" in page
        assert "Оставьте это поле пустым" in page  # the honeypot's label, for screen readers
        assert ">Да<" in page
        assert ">Нет<" in page
        done = RequestFactory().get("/", {"signed_up": "newsletter"})
        thanks = tag.render(Context({"request": done}))
        assert "Спасибо! Пожалуйста, проверьте почту" in thanks
        response = post(newsletter_post(consent=None))
        assert "Пожалуйста, отметьте согласие" in response.content.decode()


# --- the entry point for adapters -------------------------------------------------------------


def test_sign_up_is_the_one_entry_point(ready: Any, emulator: Emulator) -> None:
    with pytest.raises(UnknownForm):
        sign_up("nope", {"email": "a@example.com"}, consent=True, request=None, origin="test")
    with pytest.raises(ConsentRequired):
        sign_up("members", {"email": "a@example.com"}, consent=False, request=None, origin="x")
    with pytest.raises(InvalidSignUp) as refused:
        sign_up(
            "members",
            {"email": "a@@example.com", "list_ids": "1", "phone": "call me"},
            consent=True,
            request=None,
            origin="wagtail:contact",
        )
    assert set(refused.value.errors) == {"email", "list_ids", "Name", "phone"}
    assert refused.value.errors["Name"] == "required"
    assert SignUp.objects.count() == 0

    signup = sign_up(
        "members",
        {"email": "Ivan@Example.ru", "Name": "Иван"},
        consent=True,
        request=None,
        origin="registration",
    )
    signup.refresh_from_db()  # the immediate runner sent it once the sign-up was committed
    assert (signup.status, signup.origin, signup.email) == (
        "sent",
        "registration",
        "Ivan@example.ru",
    )
    assert (signup.consent.ip, signup.consent.ip_mode) == ("", "hash")  # no request: no IP
    assert signup.consent.consent_text == "Send me the members' news."


def test_sign_up_applies_the_limits_with_or_without_a_request(ready: Any) -> None:
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.1")
    limits = {"SIGNUP_LIMIT_PER_IP": (1, 60), "SIGNUP_LIMIT_PER_EMAIL": (1, 60)}
    with override_settings(SELZY={**SELZY, **limits}):
        values = {"email": "a@example.com", "Name": "A"}
        sign_up("members", values, consent=True, request=request, origin="x")
        # The same request is counted once, whoever asks.
        with pytest.raises(TooManySignUps) as refused:
            sign_up("members", values, consent=True, request=request, origin="x")
        assert refused.value.scope == "email"
        other = RequestFactory().post("/", REMOTE_ADDR="203.0.113.1")
        with pytest.raises(TooManySignUps) as refused:
            sign_up(
                "members",
                {**values, "email": "b@example.com"},
                consent=True,
                request=other,
                origin="x",
            )
        assert refused.value.scope == "ip"
    assert SignUp.objects.count() == 1


def test_the_entry_points_surface_is_pinned() -> None:
    assert signups.__all__ == [
        "ConsentRequired",
        "InvalidSignUp",
        "SignUpError",
        "SignUpField",
        "TooManySignUps",
        "UnknownForm",
        "form_fields",
        "sign_up",
        "signup_form",
        "unmapped_fields",
    ]


def test_without_a_chosen_list_a_sign_up_is_kept_until_there_is_one(
    connected: Any, account: SeededAccount
) -> None:
    values = {"email": "early@example.com", "Name": "Early"}
    signup = sign_up("members", values, consent=True, request=None, origin="x")
    signup.refresh_from_db()
    assert (signup.status, signup.attempts) == ("pending", 1)
    assert "choose the module's list" in signup.error
    Connection.objects.filter(pk=connected.pk).update(list_id=account.list_ids["Customers"])
    SignUp.objects.update(next_attempt_at=None)  # the backoff ran out
    from selzy.contrib.django.signup_queue import send_signups

    assert send_signups() == 1


def test_the_russian_catalogue_is_complete_and_its_compiled_copy_current(tmp_path: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (gettext) is not installed")
    folder = Path(signups.__file__).parent / "locale" / "ru" / "LC_MESSAGES"
    compiled = tmp_path / "django.mo"
    result = subprocess.run(  # noqa: S603 - gettext's own tool on our own file
        [msgfmt, "--check", "--statistics", "-o", str(compiled), str(folder / "django.po")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "untranslated" not in result.stderr
    assert "fuzzy" not in result.stderr
    assert compiled.read_bytes() == (folder / "django.mo").read_bytes()
