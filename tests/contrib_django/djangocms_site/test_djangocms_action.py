"""django CMS's form builder with the "Subscribe (Selzy)" action (selzy.contrib.djangocms), on a
real django CMS site: a page whose Form plugin is built from field plugins, posted to through
djangocms-form-builder's own endpoint as the visitor's browser does, and the plugin's settings
form as the editor fills it in."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from cms.api import add_plugin, create_page
from django.contrib.auth.models import User
from django.test import Client, override_settings
from djangocms_form_builder import actions as builder_actions
from djangocms_form_builder.cms_plugins.ajax_plugins import FormPlugin
from djangocms_form_builder.entry_model import FormEntry

from selzy.contrib.django.models import ConsentRecord, SignUp
from selzy.contrib.djangocms.actions import SelzySubscribeAction, action_hash
from selzy.emulator import Emulator, SeededAccount
from tests.contrib_django.settings import SELZY
from tests.contrib_django.signup_world import contacts, seed

# Each test starts with the sign-up limits' counters empty (conftest's fresh_limits).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_limits")]

NEWSLETTER = SELZY["SIGNUP_FORMS"]["newsletter"]  # type: ignore[index]
CONSENT_TEXT = NEWSLETTER["consent_text"]
SUBSCRIBE = action_hash(SelzySubscribeAction)
SAVE = action_hash(builder_actions.SaveToDBAction)
PARAMETERS = {
    "selzy_signup_form": "newsletter",
    "selzy_email_field": "email",
    "selzy_consent_field": "newsletter",
    "selzy_field_map": "name = Name\nbirthday = Birthday\nscore = Score\n",
}


@pytest.fixture
def account(emulator: Emulator) -> SeededAccount:
    return seed(emulator)


def form_page(*, consent_label: str = CONSENT_TEXT, **parameters: str) -> Any:
    """A page with a Form plugin (saved, then subscribed) of five field plugins."""
    page = create_page("Newsletter", "page.html", "en", slug="newsletter")
    placeholder = page.get_placeholders("en").get(slot="content")
    form = add_plugin(
        placeholder,
        "FormPlugin",
        "en",
        form_name="newsletter-form",
        form_actions=json.dumps([SAVE, SUBSCRIBE]),
        action_parameters={**PARAMETERS, **parameters},
    )
    fields = [
        ("EmailFieldPlugin", "email", "Your email", True),
        ("CharFieldPlugin", "name", "Your name", False),
        ("DateFieldPlugin", "birthday", "Birthday", False),
        ("IntegerFieldPlugin", "score", "How many issues a month?", False),
        ("BooleanFieldPlugin", "newsletter", consent_label, False),
    ]
    for plugin_type, name, label, required in fields:
        add_plugin(
            placeholder,
            plugin_type,
            "en",
            target=form,
            config={"field_name": name, "field_label": label, "field_required": required},
        )
    add_plugin(placeholder, "SubmitPlugin", "en", target=form, config={"field_label": "Subscribe"})
    return page, form


def submit(form: Any, **changes: Any) -> Any:
    data = {
        "email": "Pyotr.Ilyich@Example.com",
        "name": "Пётр Ильич 🎻",
        "birthday": "1990-05-07",
        "score": "4",
        "newsletter": "on",
        # A forged POST: not fields of the form, so nothing reads them.
        "list_ids": "1,2,3",
        "double_optin": "3",
    }
    data.update(changes)
    return Client().post(
        f"/@form-builder/{form.pk}",
        {k: v for k, v in data.items() if v is not None},
        HTTP_ACCEPT="application/json",
        HTTP_REFERER="http://testserver/en/newsletter/",
        REMOTE_ADDR="203.0.113.77",
        HTTP_USER_AGENT="Firefox 🦊",
    )


def test_the_action_is_registered_with_the_form_builder() -> None:
    assert builder_actions.get_action_class(SUBSCRIBE) is SelzySubscribeAction
    assert (SUBSCRIBE, "Subscribe (Selzy)") in [
        (key, str(name)) for key, name in builder_actions.get_registered_actions()
    ]


def test_the_page_shows_the_form_with_an_unticked_consent_box(ready: Any) -> None:
    page, _form = form_page()
    html = Client().get(page.get_absolute_url("en")).content.decode()
    box = re.search(r'<input type="checkbox" name="newsletter"[^>]*>', html)
    assert box is not None
    assert "checked" not in box.group(0)
    assert CONSENT_TEXT in html


def test_a_ticked_box_saves_the_submission_and_signs_the_visitor_up(
    ready: Any, emulator: Emulator, account: SeededAccount
) -> None:
    _page, form = form_page()
    response = submit(form)
    assert response.status_code == 200
    assert response.json()["result"] == "success"

    assert FormEntry.objects.get().entry_data["name"] == "Пётр Ильич 🎻"  # the other action ran
    signup = SignUp.objects.get()
    assert (signup.origin, signup.form_key, signup.email) == (
        "djangocms",
        "newsletter",
        "Pyotr.Ilyich@example.com",
    )
    assert signup.values == {"Name": "Пётр Ильич 🎻", "Birthday": "1990-05-07", "Score": "4"}
    assert (signup.list_id, signup.double_optin) == (account.list_ids["Customers"], 0)
    assert signup.tags == ["site-form"]
    assert signup.status == "sent"
    record = signup.consent
    assert record.consent_text == CONSENT_TEXT
    assert record.page == "http://testserver/en/newsletter/"
    assert record.user_agent == "Firefox 🦊"
    [letter] = emulator.outbox(to="pyotr.ilyich@example.com")
    assert letter.kind == "optin"
    contact = contacts(emulator)["pyotr.ilyich@example.com"]
    assert contact["email_status"] == "invited"
    assert contact["fields"]["Name"] == "Пётр Ильич 🎻"


def test_an_unticked_box_saves_the_submission_and_signs_nobody_up(
    ready: Any, emulator: Emulator
) -> None:
    _page, form = form_page()
    assert submit(form, newsletter=None).json()["result"] == "success"
    assert FormEntry.objects.count() == 1
    assert SignUp.objects.count() == ConsentRecord.objects.count() == 0
    assert contacts(emulator) == {}


def test_a_box_labelled_otherwise_signs_nobody_up_and_says_why(
    ready: Any, caplog: pytest.LogCaptureFixture
) -> None:
    _page, form = form_page(consent_label="Yes, spam me")
    with caplog.at_level(logging.ERROR, "selzy.django"):
        assert submit(form).json()["result"] == "success"
    assert FormEntry.objects.count() == 1
    assert SignUp.objects.count() == 0
    assert "must be labelled with the sign-up form 'newsletter'" in caplog.text


def test_a_refused_sign_up_never_costs_the_submission(
    ready: Any, caplog: pytest.LogCaptureFixture
) -> None:
    _page, form = form_page()
    limits = {**SELZY, "SIGNUP_LIMIT_PER_EMAIL": (1, 3600)}
    with override_settings(SELZY=limits), caplog.at_level(logging.WARNING, "selzy.django"):
        assert submit(form).json()["result"] == "success"
        assert submit(form, name="Again").json()["result"] == "success"
    assert FormEntry.objects.count() == 2
    assert SignUp.objects.count() == 1
    assert "Sign-up form newsletter (djangocms): not subscribed, over the per-email limit" in (
        caplog.text
    )


def test_a_value_the_sign_up_form_refuses_is_logged_and_the_submission_kept(
    ready: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # The "members" form requires a Name; this form's name field is optional and left empty.
    members = SELZY["SIGNUP_FORMS"]["members"]["consent_text"]  # type: ignore[index]
    _page, form = form_page(
        consent_label=members, selzy_signup_form="members", selzy_field_map="name = Name"
    )
    with caplog.at_level(logging.WARNING, "selzy.django"):
        assert submit(form, name="").json()["result"] == "success"
    assert FormEntry.objects.count() == 1
    assert SignUp.objects.count() == 0
    assert "values it does not take in Name" in caplog.text


# --- the editor's side: the Form plugin's settings form -------------------------------------------


def settings_form(form: Any, **parameters: str) -> Any:
    """The Form plugin's admin form (with every registered action's settings) as the editor
    submits it."""
    admin_form = FormPlugin(admin_site=None).get_form(request=None)
    data = {
        "form_name": "newsletter-form",
        "form_actions": [SAVE, SUBSCRIBE],
        "form_spacing": "mb-3",
        "captcha_requirement": "0.5",
        "sendemail_template": "default",
        "submitmessage_message": "<p>Thank you</p>",
        "attributes_key": "",
        "attributes_value": "",
        "captcha_config_key": "",
        "captcha_config_value": "",
        **PARAMETERS,
        **parameters,
    }
    return admin_form(data, instance=form)


def test_the_settings_offer_the_configured_sign_up_forms(ready: Any) -> None:
    _page, form = form_page()
    bound = settings_form(form)
    choices = [key for key, _label in bound.fields["selzy_signup_form"].choices]
    assert choices == ["", "members", "newsletter"]
    assert bound.is_valid(), bound.errors
    bound.save()
    form.refresh_from_db()
    assert form.action_parameters["selzy_field_map"] == PARAMETERS["selzy_field_map"].strip()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"selzy_signup_form": ""}, "selzy_signup_form", "Choose the sign-up form"),
        ({"selzy_consent_field": ""}, "selzy_consent_field", "Name the checkbox"),
        ({"selzy_field_map": "name -> Name"}, "selzy_field_map", "line 1: write"),
        ({"selzy_field_map": "nickname = Name"}, "selzy_field_map", "no field 'nickname'"),
        ({"selzy_field_map": "name = Nom"}, "selzy_field_map", "'Nom' is not a field of"),
        ({"selzy_email_field": "e_mail"}, "selzy_field_map", "no field 'e_mail'"),
        (
            {"selzy_signup_form": "members", "selzy_field_map": ""},
            "selzy_field_map",
            "requires 'Name'",
        ),
    ],
)
def test_the_settings_explain_a_mapping_that_cannot_work(
    ready: Any, changes: dict[str, str], field: str, message: str
) -> None:
    _page, form = form_page()
    bound = settings_form(form, **changes)
    assert not bound.is_valid()
    assert message in " ".join(bound.errors[field])


def test_the_settings_are_not_checked_when_the_action_is_not_chosen(ready: Any) -> None:
    _page, form = form_page()
    bound = settings_form(form, selzy_signup_form="", selzy_consent_field="")
    bound.data["form_actions"] = [SAVE]
    assert bound.is_valid(), bound.errors


def test_a_staff_user_can_open_the_forms_settings(ready: Any) -> None:
    _page, form = form_page()
    admin = User.objects.create_superuser("editor", "editor@example.com", "editor-pass-123")
    client = Client()
    client.force_login(admin)
    response = client.get(f"/admin/cms/placeholder/edit-plugin/{form.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Subscribe (Selzy)" in html
    assert 'name="selzy_field_map"' in html
    # The words the consent box's label must read, for the editor to copy.
    assert f"Its label must read: “{CONSENT_TEXT}”" in html
