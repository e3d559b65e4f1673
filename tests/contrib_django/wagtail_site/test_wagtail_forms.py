"""Wagtail's form pages that also subscribe (selzy.contrib.wagtail.forms), on a real Wagtail
site: a contact page built in the form builder, posted to as a visitor would, and edited in
Wagtail's page editor."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client, override_settings
from wagtail.contrib.forms.models import FormSubmission
from wagtail.models import Locale, Page, Site
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from selzy.contrib.django.models import ConsentRecord, SignUp
from selzy.emulator import Emulator, SeededAccount
from tests.contrib_django.settings import SELZY
from tests.contrib_django.signup_world import contacts, seed

from .models import ContactFormField, ContactPage

# Each test starts with the sign-up limits' counters empty (conftest's fresh_limits).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_limits")]

NEWSLETTER = SELZY["SIGNUP_FORMS"]["newsletter"]  # type: ignore[index]
FIELD_MAP = "your_name = Name\nbirthday = Birthday  # the day, no year needed\nvip = Vip\n"

#: The page's form as an editor builds it: (label, type, required).
FIELDS = [
    ("Your email", "email", True),
    ("Your name", "singleline", False),
    ("Birthday", "date", False),
    ("Topics", "checkboxes", False),
    ("VIP", "checkbox", False),
    ("Message", "multiline", True),
    ("Send me the newsletter", "checkbox", False),
]


@pytest.fixture
def account(emulator: Emulator) -> SeededAccount:
    return seed(emulator)


@pytest.fixture(autouse=True)
def home(db: Any) -> Page:
    """The site's home page. Wagtail's migrations make one, but these tests flush the
    database after each (they need real commits: the queue sends once a sign-up commits)."""
    Locale.objects.get_or_create(language_code="en")
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    home = root.get_children().first() or root.add_child(instance=Page(title="Home", slug="home"))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "testserver", "root_page": home}
    )
    return home


def contact_page(**settings: str) -> ContactPage:
    home = Site.objects.get(is_default_site=True).root_page
    page = ContactPage(
        title="Contact us",
        slug="contact",
        to_address="office@example.com",
        from_address="site@example.com",
        subject="A message from the site",
        selzy_signup_form="newsletter",
        selzy_email_field="your_email",
        selzy_consent_field="send_me_the_newsletter",
        selzy_field_map=FIELD_MAP,
    )
    for name, value in settings.items():
        setattr(page, name, value)
    home.add_child(instance=page)
    for order, (label, kind, required) in enumerate(FIELDS):
        ContactFormField.objects.create(
            page=page,
            sort_order=order,
            label=label,
            field_type=kind,
            required=required,
            choices="Books, Films" if kind == "checkboxes" else "",
            # An editor's ticked default for the consent box is not shown to the visitor.
            default_value="on" if label.startswith("Send me") else "",
        )
    return page


def visitor_post(**changes: Any) -> dict[str, Any]:
    data = {
        "your_email": "Maria.Sidorova@Example.com",
        "your_name": "Мария Сидорова 🌼",
        "birthday": "1988-12-31",
        "topics": ["Books", "Films"],
        "vip": "on",
        "message": "Здравствуйте! Hello 👋",
        "send_me_the_newsletter": "on",
        # A forged POST: none of these is a field of the page's form, nor of the sign-up.
        "list_ids": "1,2,3",
        "double_optin": "3",
        "tags": "free-upgrade",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def post(page: ContactPage, data: dict[str, Any]) -> Any:
    return Client().post(page.url, data, REMOTE_ADDR="192.0.2.44", HTTP_USER_AGENT="Opera 🎭")


def test_the_consent_box_is_unticked_and_reads_the_sign_up_forms_consent_text(
    ready: Any,
) -> None:
    page = contact_page()
    html = Client().get(page.url).content.decode()
    box = re.search(r'<input type="checkbox" name="send_me_the_newsletter"[^>]*>', html)
    assert box is not None
    assert "checked" not in box.group(0)  # the editor's default "on" is not the visitor's tick
    label = re.search(r'<label for="id_send_me_the_newsletter">([^<]*)</label>', html)
    assert label is not None
    assert label.group(1).rstrip(":") == NEWSLETTER["consent_text"]
    assert "Send me the newsletter" not in html  # the editor's label gave way to the record's


def test_a_ticked_box_stores_the_submission_and_signs_the_visitor_up(
    ready: Any, emulator: Emulator, account: SeededAccount
) -> None:
    page = contact_page()
    response = post(page, visitor_post())
    assert response.status_code == 200
    assert "Thank you for your message." in response.content.decode()

    submission = FormSubmission.objects.get()
    assert submission.get_data()["message"] == "Здравствуйте! Hello 👋"
    [office_mail] = mail.outbox
    assert office_mail.to == ["office@example.com"]

    signup = SignUp.objects.get()
    assert (signup.origin, signup.form_key, signup.email) == (
        f"wagtail:{page.pk}",
        "newsletter",
        "Maria.Sidorova@example.com",
    )
    assert signup.values == {"Name": "Мария Сидорова 🌼", "Birthday": "1988-12-31", "Vip": "1"}
    # The list, the letter and the tags are the sign-up form's; the forged fields went nowhere.
    assert (signup.list_id, signup.double_optin) == (account.list_ids["Customers"], 0)
    assert signup.tags == ["site-form"]
    assert signup.status == "sent"
    record = signup.consent
    assert record.consent_text == NEWSLETTER["consent_text"]
    assert (record.origin, record.page) == (f"wagtail:{page.pk}", "http://testserver/contact/")
    assert record.user_agent == "Opera 🎭"
    [letter] = emulator.outbox(to="maria.sidorova@example.com")
    assert letter.kind == "optin"
    contact = contacts(emulator)["maria.sidorova@example.com"]
    assert contact["email_status"] == "invited"
    assert contact["fields"]["Name"] == "Мария Сидорова 🌼"
    assert contact["tags"] == ["site-form"]


def test_an_unticked_box_stores_the_submission_and_signs_nobody_up(
    ready: Any, emulator: Emulator
) -> None:
    page = contact_page()
    assert post(page, visitor_post(send_me_the_newsletter=None)).status_code == 200
    assert FormSubmission.objects.count() == 1
    assert SignUp.objects.count() == ConsentRecord.objects.count() == 0
    assert contacts(emulator) == {}


def test_a_page_that_feeds_no_sign_up_form_is_a_plain_form_page(ready: Any) -> None:
    page = contact_page(selzy_signup_form="")
    html = Client().get(page.url).content.decode()
    assert "Send me the newsletter" in html  # the editor's own label, untouched
    assert post(page, visitor_post()).status_code == 200
    assert FormSubmission.objects.count() == 1
    assert SignUp.objects.count() == 0


def test_a_refused_sign_up_never_costs_the_submission(
    ready: Any, caplog: pytest.LogCaptureFixture
) -> None:
    page = contact_page()
    limits = {**SELZY, "SIGNUP_LIMIT_PER_EMAIL": (1, 3600)}
    with override_settings(SELZY=limits), caplog.at_level(logging.WARNING, "selzy.django"):
        assert post(page, visitor_post()).status_code == 200
        again = post(page, visitor_post(message="A second message"))
    assert again.status_code == 200
    assert "Thank you for your message." in again.content.decode()
    assert FormSubmission.objects.count() == 2
    assert SignUp.objects.count() == 1
    assert f"Sign-up form newsletter (wagtail:{page.pk}): not subscribed" in caplog.text
    assert "Maria" not in caplog.text


def test_a_mapping_the_sign_up_form_refuses_is_logged_and_the_submission_kept(
    ready: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # Saved before the sign-up form changed: "members" requires a Name the page does not map.
    page = contact_page(selzy_signup_form="members", selzy_field_map="")
    with caplog.at_level(logging.WARNING, "selzy.django"):
        assert post(page, visitor_post()).status_code == 200
    assert FormSubmission.objects.count() == 1
    assert SignUp.objects.count() == 0
    assert "values it does not take in Name" in caplog.text


def test_a_field_map_that_cannot_be_read_is_refused_on_save(ready: Any) -> None:
    from django.core.exceptions import ValidationError

    page = contact_page()
    page.selzy_field_map = "your_name -> Name"
    with pytest.raises(ValidationError) as refused:
        page.full_clean()
    assert "line 1: write “form field = Selzy field”" in str(refused.value)


# --- the page editor --------------------------------------------------------------------------


def editor() -> Client:
    admin = User.objects.create_superuser("editor", "editor@example.com", "editor-pass-123")
    client = Client()
    client.force_login(admin)
    return client


def edit_post(page: ContactPage, **selzy: str) -> dict[str, Any]:
    fields = [
        {
            "id": field.pk,
            "label": field.label,
            "field_type": field.field_type,
            "required": "on" if field.required else "",
            "choices": field.choices,
            "default_value": "",
            "help_text": "",
            "ORDER": str(order),
        }
        for order, field in enumerate(page.form_fields.all())
    ]
    data = {
        "title": page.title,
        "slug": page.slug,
        "to_address": page.to_address,
        "form_fields": inline_formset(fields, initial=len(fields)),
        "comments": inline_formset([]),
        "selzy_signup_form": page.selzy_signup_form,
        "selzy_email_field": page.selzy_email_field,
        "selzy_consent_field": page.selzy_consent_field,
        "selzy_field_map": page.selzy_field_map,
    }
    data.update(selzy)
    return nested_form_data(data)


def test_the_editor_shows_the_sign_up_panel_with_the_configured_forms(ready: Any) -> None:
    page = contact_page()
    html = editor().get(f"/cms/pages/{page.pk}/edit/").content.decode()
    assert "Selzy sign-up" in html
    select = re.search(r'<select name="selzy_signup_form".*?</select>', html, re.S)
    assert select is not None
    options = re.findall(r'<option value="([^"]*)"', select.group(0))
    assert options == ["", "members", "newsletter"]
    assert 'name="selzy_field_map"' in html


def test_the_editor_saves_a_good_mapping(ready: Any) -> None:
    page = contact_page()
    client = editor()
    changed = edit_post(page, selzy_field_map="your_name = Name\ntopics = Name_alt")
    response = client.post(f"/cms/pages/{page.pk}/edit/", changed)
    assert response.status_code == 200  # refused: Name_alt is not a field of the sign-up form
    assert "&#x27;Name_alt&#x27; is not a field of the sign-up form &#x27;newsletter&#x27;" in (
        response.content.decode()
    )

    response = client.post(
        f"/cms/pages/{page.pk}/edit/", edit_post(page, selzy_field_map="your_name = Name")
    )
    assert response.status_code == 302
    assert ContactPage.objects.get(pk=page.pk).get_latest_revision_as_object().selzy_field_map == (
        "your_name = Name"
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"selzy_email_field": "e_mail"}, "the form has no field &#x27;e_mail&#x27;"),
        ({"selzy_email_field": "birthday"}, "is a date field; the address needs an email"),
        ({"selzy_consent_field": ""}, "name the form&#x27;s checkbox the visitor ticks"),
        ({"selzy_consent_field": "topics"}, "is a checkboxes field; the consent box is a checkbox"),
        ({"selzy_field_map": "nickname = Name"}, "the form has no field &#x27;nickname&#x27;"),
        ({"selzy_field_map": "your_name = Name\nmessage = Name"}, "two form fields fill"),
        ({"selzy_signup_form": "members", "selzy_field_map": ""}, "requires &#x27;Name&#x27;"),
        ({"selzy_signup_form": "gone"}, "No sign-up form &#x27;gone&#x27;"),
    ],
)
def test_the_editor_explains_a_mapping_that_cannot_work(
    ready: Any, changes: dict[str, str], message: str
) -> None:
    page = contact_page()
    response = editor().post(f"/cms/pages/{page.pk}/edit/", edit_post(page, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ContactPage.objects.get(pk=page.pk).selzy_field_map == FIELD_MAP  # nothing saved
