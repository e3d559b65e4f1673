"""The module's core: settings and checks, the encrypted key, sources, jobs over the emulator."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from selzy.contrib.django import conf, crypto, jobs
from selzy.contrib.django.conf import KNOWN_KEYS, SelzySettings, selzy_settings
from selzy.contrib.django.models import Campaign, Connection, ImportRun, Message
from selzy.contrib.django.sources import get_source
from selzy.emulator import Emulator, SeededAccount

from .conftest import ACCOUNT_KEY, map_leads
from .settings import SELZY


def test_checks_pass_with_the_test_settings() -> None:
    assert [m for m in checks.run_checks(tags=["selzy"]) if m.is_serious()] == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"PLATFORM": None}, "PLATFORM"),
        ({"PLATFORM": "My CRM"}, "Latin letters and digits"),
        ({"TASK_RUNNER": "cron"}, "TASK_RUNNER"),
        ({"IMPORT_BATCH_SIZE": 501}, "1 to 500"),
        ({"TIMEOUT": "soon"}, r'"TIMEOUT"\] = \'soon\': use a number'),
        ({"BATCH_ATTEMPTS": None}, "use a whole number"),
        ({"CONTACT_SOURCES": ["users"]}, "use a dict"),
        ({"NEWSLETTER_SENDER": "news@example.com"}, r'use \{"email": '),
        ({"NEWSLETTER_SENDER": {"email": "news"}}, "the address the newsletter is sent from"),
        ({"NEWSLETTER_SENDER": {"email": "a@b.c", "from": "x"}}, r'use \{"email": '),
        ({"NEWSLETTER_SENDER": {"email": "a@b.c", "name": 7}}, "its name must be text"),
        ({"COLOUR": "blue"}, r"unknown keys \['COLOUR'\]; the known ones are \['BASE_URL', "),
    ],
)
def test_bad_settings_are_explained(change: dict[str, Any], message: str) -> None:
    with override_settings(SELZY={**SELZY, **change}):
        with pytest.raises(ImproperlyConfigured, match=message):
            selzy_settings()
        errors = checks.run_checks(tags=["selzy"])
        assert [e.id for e in errors] == ["selzy.E001"]


def test_the_declared_defaults_are_what_a_left_out_key_reads_as() -> None:
    with override_settings(SELZY={"PLATFORM": "MyCRM"}):
        assert selzy_settings() == SelzySettings(platform="MyCRM")
    assert SelzySettings(platform="A").contact_sources["users"]["label"] == "Users"


def test_the_documented_keys_are_the_known_ones() -> None:
    """The settings are declared once (SelzySettings); the docstring and the README describe
    them, so they must name the same keys, and the docstring's values must be the defaults."""
    documented = dict(re.findall(r'^ {8}"([A-Z_]+)": (.+?),\s+#', conf.__doc__ or "", re.M))
    assert set(documented) == KNOWN_KEYS
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme.split("### Settings", 1)[1].split("\n### ", 1)[0]
    assert set(re.findall(r"^\| `([A-Z_]+)` \|", section, re.M)) == KNOWN_KEYS
    examples = {"PLATFORM", "CONTACT_SOURCES"}  # shown with an example, not the default
    for key, text in documented.items():
        if key not in examples:
            with override_settings(SELZY={"PLATFORM": "MyCRM", key: ast.literal_eval(text)}):
                assert selzy_settings() == SelzySettings(platform="MyCRM"), key


def test_bad_encryption_key_and_missing_model_are_checked() -> None:
    with override_settings(SELZY={**SELZY, "ENCRYPTION_KEY": "not-a-fernet-key"}):
        assert "selzy.E002" in [e.id for e in checks.run_checks(tags=["selzy"])]
    sources = {"x": {"model": "crm.Nope", "fields": ["email"]}}
    with override_settings(SELZY={**SELZY, "CONTACT_SOURCES": sources}):
        assert "selzy.E003" in [e.id for e in checks.run_checks(tags=["selzy"])]
    without_key = {k: v for k, v in SELZY.items() if k != "ENCRYPTION_KEY"}
    with override_settings(SELZY=without_key):
        assert "selzy.W001" in [e.id for e in checks.run_checks(tags=["selzy"])]


@pytest.mark.django_db
def test_api_key_is_encrypted_at_rest_and_masked() -> None:
    connection = Connection.current()
    connection.set_api_key(ACCOUNT_KEY)
    connection.save()
    stored = Connection.objects.values_list("api_key_encrypted", flat=True).get()
    assert ACCOUNT_KEY not in stored
    assert Connection.current().api_key == ACCOUNT_KEY
    assert connection.masked_key == "••••6789"
    assert ACCOUNT_KEY not in repr(connection) + str(connection)
    other = {**SELZY, "ENCRYPTION_KEY": "yV9h3uV2w0l2o1o7bq0hN2P0m6bJ4b0mV3w3kq8oQ1E="}
    with override_settings(SELZY=other), pytest.raises(crypto.UnreadableSecretError):
        _ = Connection.current().api_key


@pytest.mark.django_db
def test_sources_read_types_from_the_model() -> None:
    source = get_source("leads")
    types = {f.name: f.type for f in source.fields()}
    assert types == {
        "email": "string",
        "phone": "string",
        "name": "string",
        "company": "string",
        "birthday": "date",
        "score": "number",
        "notes": "text",
    }


@pytest.mark.django_db(transaction=True)
def test_import_job_streams_consenting_leads_into_the_list(
    connected: Connection, account: SeededAccount, leads: list[Any], emulator: Emulator
) -> None:
    map_leads()
    list_id = account.list_ids["Customers"]
    run = jobs.start_import("leads", list_id)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.COMPLETED
    consenting = sum(1 for lead in leads if lead.consent)
    assert run.expected == consenting
    assert run.summary.total == consenting
    broken = [lead for lead in leads if lead.consent and "@@" in lead.email]
    local = run.rejections.filter(stage="local")
    assert {r.source_id for r in local} == {str(lead.pk) for lead in broken}
    assert all(r.reason for r in local)
    from selzy.testing import client_for

    with client_for(emulator, ACCOUNT_KEY) as client:
        count = client.get_contact_count(list_id=list_id, type="address").count
    assert count == run.summary.inserted + run.summary.updated


@pytest.mark.django_db(transaction=True)
def test_campaign_launch_imports_then_creates_with_tracking(
    connected: Connection, account: SeededAccount, leads: list[Any], emulator: Emulator
) -> None:
    map_leads()
    list_id = account.list_ids["Customers"]
    connected.list_id = list_id
    connected.source = "leads"
    connected.save()
    from selzy.testing import client_for

    with client_for(emulator, ACCOUNT_KEY) as client:
        created = client.create_email_message(
            sender_name="CRM",
            sender_email=account.senders[0],
            subject="Hello",
            body="<p>Hi</p>",
            list_id=list_id,
        )
    message = Message.objects.create(
        message_id=created.message_id,
        list_id=list_id,
        sender_name="CRM",
        sender_email=account.senders[0],
        subject="Hello",
        body="<p>Hi</p>",
    )
    campaign = Campaign.objects.create(message=message)
    jobs.start_campaign(campaign)
    campaign.refresh_from_db()
    assert campaign.stage == Campaign.Stage.CREATED, campaign.error
    assert campaign.import_run is not None
    assert campaign.import_run.status == ImportRun.Status.COMPLETED
    (state,) = emulator.state_dump()["accounts"]
    (remote,) = state["campaigns"]
    assert remote["track_read"]
    assert remote["track_links"]
    emulator.advance(days=2)
    snapshot = jobs.refresh_stats(campaign)
    assert snapshot.status == "completed"
    assert snapshot.total == campaign.import_run.summary.inserted
    assert snapshot.delivered > 0
