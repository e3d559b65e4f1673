"""The setup screens over the emulator: overview, connect, register, disconnect, list, mapping.

Each test gets its own emulator (conftest); the seeded account's key is ACCOUNT_KEY.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.test import Client, override_settings
from django.urls import reverse

from selzy.contrib.django.models import Campaign, Connection, ImportRun, MappedField, Message
from selzy.contrib.django.views._common import (
    LIST_SELECTED,
    LOGGED_IN,
    MANAGE,
    MAPPING_DONE,
    NOT_CONNECTED,
    REGISTERED,
    SELECT_LIST,
    SEND,
)
from selzy.emulator import Emulator, SeededAccount
from selzy.testing import client_for

from .conftest import ACCOUNT_KEY
from .settings import SELZY

pytestmark = pytest.mark.django_db

OVERVIEW = "admin:selzy_connection_changelist"
SCREENS = [
    OVERVIEW,
    "admin:selzy_connect",
    "admin:selzy_register",
    "admin:selzy_list",
    "admin:selzy_mapping",
]
OTHER_KEY = "another0account0key0abcdefghijklmn"


def staff(username: str, *codenames: str) -> User:
    user = User.objects.create_user(username, is_staff=True)  # no password: fast, force_login
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="selzy", codename__in=codenames)
    )
    return user


@pytest.fixture
def manager(client: Client) -> Client:
    """The test client logged in as staff with both of the module's permissions."""
    client.force_login(staff("manager", "manage_selzy", "send_selzy_campaigns"))
    return client


@pytest.fixture
def listed(connected: Connection, account: SeededAccount) -> Connection:
    """Connected, with the Customers list and the leads source chosen."""
    connected.list_id = account.list_ids["Customers"]
    connected.list_title = "Customers"
    connected.source = "leads"
    connected.save()
    return connected


def texts(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def remote_lists(emulator: Emulator, key: str = ACCOUNT_KEY) -> dict[str, int]:
    with client_for(emulator, key) as api:
        return {item.title: item.id for item in api.get_lists()}


def remote_fields(emulator: Emulator) -> dict[str, str]:
    with client_for(emulator, ACCOUNT_KEY) as api:
        return {field.name: field.type for field in api.get_fields()}


# --- access -------------------------------------------------------------------------------


@pytest.mark.usefixtures("listed")
def test_every_screen_renders_for_an_allowed_user(manager: Client) -> None:
    for name in SCREENS:
        response = manager.get(reverse(name))
        assert response.status_code == 200, name
        assert ACCOUNT_KEY not in response.content.decode(), name
    index = manager.get(reverse("admin:index")).content.decode()
    assert "Selzy" in index


@pytest.mark.usefixtures("listed")
def test_staff_without_the_permissions_get_403_and_no_selzy_in_the_index(client: Client) -> None:
    client.force_login(staff("clerk"))
    for name in [*SCREENS, "admin:selzy_disconnect"]:
        assert client.get(reverse(name)).status_code == 403, name
    assert client.post(reverse("admin:selzy_disconnect")).status_code == 403
    assert client.post(reverse("admin:selzy_connect"), {"api_key": OTHER_KEY}).status_code == 403
    assert "Selzy" not in client.get(reverse("admin:index")).content.decode()
    assert Connection.current().is_connected


def test_the_checked_permissions_are_the_declared_ones() -> None:
    meta = Connection._meta
    assert {MANAGE, SEND} == {f"{meta.app_label}.{codename}" for codename, _ in meta.permissions}


def test_either_permission_shows_the_module_and_neither_hides_it(client: Client) -> None:
    overview = reverse(OVERVIEW)
    for user, shown in ((staff("clerk"), False), (staff("sender", "send_selzy_campaigns"), True)):
        client.force_login(user)
        assert (overview in client.get(reverse("admin:index")).content.decode()) is shown
        assert client.get(overview).status_code == (200 if shown else 403)


def test_anonymous_users_are_sent_to_the_login_page(client: Client) -> None:
    for name in SCREENS:
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("admin:login")), name


@pytest.mark.usefixtures("listed")
def test_a_sender_sees_the_overview_but_no_setup_actions(client: Client) -> None:
    client.force_login(staff("sender", "send_selzy_campaigns"))
    page = client.get(reverse(OVERVIEW)).content.decode()
    assert "••••6789" in page
    assert "Replace key" not in page
    assert "selzy-disconnect" not in page
    for name in SCREENS[1:]:
        assert client.get(reverse(name)).status_code == 403, name


@pytest.mark.usefixtures("listed")
def test_the_overview_links_the_recent_work(manager: Client) -> None:
    message = Message.objects.create(
        message_id=500001,
        list_id=1,
        sender_name="CRM",
        sender_email="news@example.com",
        subject="Spring sale",
        body="<p>Hi</p>",
    )
    campaign = Campaign.objects.create(message=message)
    run = ImportRun.objects.create(source="leads", list_id=1)
    page = manager.get(reverse(OVERVIEW)).content.decode()
    assert reverse("admin:selzy_message_detail", args=[message.pk]) in page
    assert reverse("admin:selzy_campaign", args=[campaign.pk]) in page
    assert reverse("admin:selzy_import", args=[run.pk]) in page
    assert "Map fields" in page  # the next step of this setup


@pytest.mark.usefixtures("listed")
def test_an_unreadable_key_sends_the_user_to_connect_again(manager: Client) -> None:
    other = {**SELZY, "ENCRYPTION_KEY": "yV9h3uV2w0l2o1o7bq0hN2P0m6bJ4b0mV3w3kq8oQ1E="}
    with override_settings(SELZY=other):
        assert "cannot be decrypted" in manager.get(reverse(OVERVIEW)).content.decode()
        response = manager.get(reverse("admin:selzy_list"))
        assert response["Location"] == reverse("admin:selzy_connect")
        assert "Connect the account again" in texts(response)[0]


def test_each_screen_sends_the_user_to_the_setup_step_it_lacks(
    manager: Client, connected: Connection
) -> None:
    # Messages pile up unread across these redirects: the last one is the screen's.
    connect, select, mapping = (reverse(f"admin:selzy_{n}") for n in ("connect", "list", "mapping"))
    to_list = (select, f"{SELECT_LIST} first.")
    to_mapping = (mapping, "Map the contact fields to Selzy's fields first.")
    steps = [
        ("message", to_list),
        ("sender", to_list),
        ("import_new", to_list),
        ("list", None),
        ("mapping", (select, "Select the list (and the contacts to import) first.")),
    ]
    for name, expected in steps:
        response = manager.get(reverse(f"admin:selzy_{name}"))
        if expected is None:
            assert response.status_code == 200, name
        else:
            assert (response["Location"], texts(response)[-1]) == expected, name
    connected.list_id = 7
    connected.save()
    assert manager.get(reverse("admin:selzy_message")).status_code == 200
    response = manager.get(reverse("admin:selzy_import_new"))
    assert (response["Location"], texts(response)[-1]) == to_mapping
    Connection.objects.update(api_key_encrypted="", connected_at=None)
    for name in ("list", "mapping", "message", "import_new", "webhook_register"):
        call = manager.post if name == "webhook_register" else manager.get
        response = call(reverse(f"admin:selzy_{name}"))
        assert (response["Location"], texts(response)[-1]) == (connect, NOT_CONNECTED), name


def test_a_post_without_csrf_token_is_refused(account: SeededAccount) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff("manager", "manage_selzy"))
    response = strict.post(reverse("admin:selzy_connect"), {"api_key": ACCOUNT_KEY})
    assert response.status_code == 403
    assert not Connection.current().is_connected


# --- connect ------------------------------------------------------------------------------


def test_connect_stores_the_key_encrypted_and_never_shows_it(
    manager: Client, account: SeededAccount, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    response = manager.post(reverse("admin:selzy_connect"), {"api_key": ACCOUNT_KEY})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:selzy_list")
    assert texts(response) == [LOGGED_IN]
    raw = Connection.objects.values_list("api_key_encrypted", flat=True).get()
    assert raw
    assert ACCOUNT_KEY not in raw
    connection = Connection.current()
    assert connection.api_key == ACCOUNT_KEY
    assert connection.login == account.login
    assert connection.connected_at is not None
    assert not connection.registered_here
    page = manager.get(reverse("admin:selzy_connect")).content.decode()
    assert ACCOUNT_KEY not in page
    assert "••••6789" in page
    assert 'type="password"' in page
    assert ACCOUNT_KEY not in caplog.text


def test_the_connect_screen_explains_where_the_key_is(manager: Client) -> None:
    page = manager.get(reverse("admin:selzy_connect")).content.decode()
    assert "Settings → Integrations and API" in page
    assert "API access" in page
    assert 'id="id_api_key"' in page
    assert 'value="Log in"' in page


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (None, "did not accept this API key"),
        ({"kind": "error", "code": "access_denied"}, "API access is not enabled"),
        ({"kind": "http", "status": 404}, "could not be reached"),
    ],
)
def test_a_refused_key_saves_nothing_and_says_why(
    manager: Client,
    connected: Connection,
    emulator: Emulator,
    fault: dict[str, Any] | None,
    expected: str,
) -> None:
    before = Connection.objects.values().get()
    key = OTHER_KEY
    if fault is not None:
        emulator.seed_account(key, login="other")
        emulator.inject_fault(fault.pop("kind"), "getLists", **fault)
    response = manager.post(reverse("admin:selzy_connect"), {"api_key": key})
    assert response.status_code == 200
    page = response.content.decode()
    assert expected in page
    assert "Nothing was saved" in page
    assert key not in page
    assert Connection.objects.values().get() == before


def test_a_key_with_spaces_is_refused_before_calling_selzy(
    manager: Client, emulator: Emulator
) -> None:
    response = manager.post(reverse("admin:selzy_connect"), {"api_key": "abc def"})
    assert "no spaces" in response.content.decode()
    assert not Connection.current().is_connected


def test_replacing_the_key_with_another_accounts_resets_the_list(
    manager: Client, listed: Connection, emulator: Emulator
) -> None:
    other = emulator.seed_account(OTHER_KEY, login="other")
    response = manager.post(reverse("admin:selzy_connect"), {"api_key": OTHER_KEY})
    assert response.status_code == 302
    connection = Connection.current()
    assert connection.api_key == OTHER_KEY
    assert connection.login == other.login
    assert connection.list_id is None
    assert LOGGED_IN in texts(response)


def test_disconnect_is_post_only_and_forgets_the_key(manager: Client, listed: Connection) -> None:
    assert manager.get(reverse("admin:selzy_disconnect")).status_code == 405
    response = manager.post(reverse("admin:selzy_disconnect"))
    assert response["Location"] == reverse(OVERVIEW)
    connection = Connection.current()
    assert not connection.is_connected
    assert connection.login == ""
    assert connection.list_id is None
    assert "Log in with an API key" in manager.get(reverse(OVERVIEW)).content.decode()


# --- register -----------------------------------------------------------------------------


def test_register_saves_the_new_key_and_tells_about_the_letter(
    manager: Client, emulator: Emulator
) -> None:
    response = manager.post(
        reverse("admin:selzy_register"), {"email": "owner@shop.example", "password": "s3cret!pw"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:selzy_list")
    shown = texts(response)
    assert shown[0] == REGISTERED
    assert "confirmation letter to owner@shop.example" in shown[1]
    connection = Connection.current()
    assert connection.registered_here
    assert connection.account_email == "owner@shop.example"
    assert connection.login.startswith("ID")
    with client_for(emulator, connection.api_key) as api:
        assert api.get_user_info().email == "owner@shop.example"
    assert connection.api_key not in connection.api_key_encrypted
    kinds = {letter.kind for letter in emulator.outbox(to="owner@shop.example")}
    assert "register_confirmation" in kinds


def test_register_errors_are_explained_and_save_nothing(
    manager: Client, emulator: Emulator
) -> None:
    url = reverse("admin:selzy_register")
    bad = manager.post(url, {"email": "not-an-email", "password": "pw"})
    assert "Enter a valid email address" in bad.content.decode()
    assert manager.post(url, {"email": "first@shop.example", "password": "pw"}).status_code == 302
    first = Connection.objects.values().get()
    limited = manager.post(url, {"email": "second@shop.example", "password": "pw"})
    assert "one registration a minute" in limited.content.decode()
    emulator.set_rate_limits(False)
    taken = manager.post(url, {"email": "first@shop.example", "password": "pw"})
    page = taken.content.decode()
    assert "Selzy refused the registration" in page
    assert "already registered" in page
    assert 'value="pw"' not in page
    assert Connection.objects.values().get() == first


# --- list ---------------------------------------------------------------------------------


def test_list_and_mapping_need_a_connection(manager: Client) -> None:
    for name in ("admin:selzy_list", "admin:selzy_mapping"):
        response = manager.get(reverse(name))
        assert response["Location"] == reverse("admin:selzy_connect")
        assert "Connect a Selzy account first" in texts(response)[0]


@pytest.mark.usefixtures("connected")
def test_choosing_an_existing_list(manager: Client, account: SeededAccount) -> None:
    page = manager.get(reverse("admin:selzy_list")).content.decode()
    assert SELECT_LIST in page
    assert "Newsletter" in page
    assert 'name="list_id"' in page
    assert 'id="id_new_list_title"' in page
    customers = account.list_ids["Customers"]
    response = manager.post(reverse("admin:selzy_list"), {"list_id": str(customers)}, follow=True)
    page = response.content.decode()
    assert LIST_SELECTED in page
    assert reverse("admin:selzy_mapping") in page
    assert "Continue" in page
    connection = Connection.current()
    assert (connection.list_id, connection.list_title) == (customers, "Customers")
    assert connection.source == "leads"  # the only source, picked silently


@pytest.mark.usefixtures("connected")
def test_creating_a_new_list(manager: Client, emulator: Emulator) -> None:
    response = manager.post(reverse("admin:selzy_list"), {"new_list_title": "  Spring leads "})
    assert response.status_code == 302
    assert texts(response) == [LIST_SELECTED]
    created = remote_lists(emulator)["Spring leads"]
    connection = Connection.current()
    assert (connection.list_id, connection.list_title) == (created, "Spring leads")


@pytest.mark.usefixtures("connected")
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"list_id": "new", "new_list_title": "   "}, "Enter the name of the new list"),
        ({"new_list_title": "newsletter"}, "A list named “Newsletter” already exists"),
        ({}, "Select one of your lists, or enter the name of a new list"),
    ],
)
def test_bad_list_choices_are_explained_and_save_nothing(
    manager: Client, emulator: Emulator, data: dict[str, str], expected: str
) -> None:
    response = manager.post(reverse("admin:selzy_list"), data)
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert Connection.current().list_id is None
    assert set(remote_lists(emulator)) == {"Newsletter", "Customers"}


@pytest.mark.usefixtures("listed")
def test_with_several_sources_the_user_picks_one(manager: Client, account: SeededAccount) -> None:
    Connection.objects.update(mapping_completed_at="2026-01-01T00:00:00Z")
    users = {"label": "Users", "model": "auth.User", "fields": ["email", "first_name"]}
    several = {**SELZY, "CONTACT_SOURCES": {**SELZY["CONTACT_SOURCES"], "users": users}}
    with override_settings(SELZY=several):
        page = manager.get(reverse("admin:selzy_list")).content.decode()
        assert 'name="source"' in page
        newsletter = str(account.list_ids["Newsletter"])
        missing = manager.post(reverse("admin:selzy_list"), {"list_id": newsletter})
        assert missing.status_code == 200
        assert Connection.current().source == "leads"
        manager.post(reverse("admin:selzy_list"), {"list_id": newsletter, "source": "users"})
    connection = Connection.current()
    assert (connection.source, connection.list_title) == ("users", "Newsletter")
    assert connection.mapping_completed_at is None  # a new source needs its own mapping


@pytest.mark.usefixtures("connected")
def test_selzy_refusing_the_new_list_is_shown(manager: Client, emulator: Emulator) -> None:
    emulator.inject_fault("error", "createList", code="invalid_arg", message="title: too long")
    response = manager.post(reverse("admin:selzy_list"), {"new_list_title": "Fresh"})
    assert "Selzy did not create the list: title: too long" in response.content.decode()
    assert Connection.current().list_id is None


# --- mapping ------------------------------------------------------------------------------


@pytest.mark.usefixtures("listed")
def test_mapping_is_prefilled_with_the_suggestion(manager: Client) -> None:
    response = manager.get(reverse("admin:selzy_mapping"))
    form = response.context["form"]
    assert form["map_email"].value() == "email"
    assert form["map_phone"].value() == "phone"
    assert form["map_name"].value() == "Name"
    page = response.content.decode()
    assert 'name="map_birthday"' in page
    assert "Create a new Selzy field “birthday” (date)" in page
    assert 'value="Save mapping"' in page


@pytest.mark.usefixtures("listed")
def test_only_compatible_targets_are_offered(manager: Client, emulator: Emulator) -> None:
    with client_for(emulator, ACCOUNT_KEY) as api:
        api.create_field(name="Vip", type="bool")
    form = manager.get(reverse("admin:selzy_mapping")).context["form"]
    offered = str(form["map_birthday"])
    assert 'value="Vip"' not in offered
    assert 'value="email"' not in offered
    assert 'value="Vip"' not in str(form["map_notes"])


@pytest.mark.usefixtures("listed")
def test_a_type_mismatch_is_refused_naming_both_fields(manager: Client, emulator: Emulator) -> None:
    with client_for(emulator, ACCOUNT_KEY) as api:
        api.create_field(name="Vip", type="bool")
    response = manager.post(
        reverse("admin:selzy_mapping"), {"map_email": "email", "map_birthday": "Vip"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "&#x27;birthday&#x27; (date) cannot be mapped to the Selzy field &#x27;Vip&#x27; (bool)"
        in page
    )
    assert not MappedField.objects.exists()
    assert Connection.current().mapping_completed_at is None


@pytest.mark.usefixtures("listed")
def test_every_problem_is_shown_at_once(manager: Client) -> None:
    response = manager.post(
        reverse("admin:selzy_mapping"), {"map_name": "Name", "map_company": "Name"}
    )
    problems = response.context["form"].problems
    assert any("Map a source field to 'email' or 'phone'" in p for p in problems)
    assert any("'Name' is the target of both" in p for p in problems)
    assert not MappedField.objects.exists()


@pytest.mark.usefixtures("listed")
def test_saving_creates_new_fields_and_replaces_the_pairs(
    manager: Client, emulator: Emulator
) -> None:
    MappedField.objects.create(
        source="leads", source_field="notes", selzy_field="Name", selzy_type="string"
    )
    response = manager.post(
        reverse("admin:selzy_mapping"),
        {
            "map_email": "email",
            "map_phone": "phone",
            "map_name": "Name",
            "map_birthday": "__new__",
            "map_score": "__new__",
            "map_notes": "",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:selzy_message")
    assert texts(response) == [MAPPING_DONE]
    assert remote_fields(emulator) == {"Name": "string", "birthday": "date", "score": "number"}
    pairs = {
        (row.source_field, row.selzy_field, row.selzy_type)
        for row in MappedField.objects.filter(source="leads")
    }
    assert pairs == {
        ("email", "email", "string"),
        ("phone", "phone", "string"),
        ("name", "Name", "string"),
        ("birthday", "birthday", "date"),
        ("score", "score", "number"),
    }
    assert Connection.current().mapping_completed_at is not None
    again = manager.get(reverse("admin:selzy_mapping")).context["form"]
    assert again["map_birthday"].value() == "birthday"
    assert again["map_notes"].value() is None
    overview = manager.get(reverse(OVERVIEW)).content.decode()
    assert "Change mapping" in overview
    assert reverse("admin:selzy_message") in overview


@pytest.mark.usefixtures("connected")
def test_mapping_waits_for_the_list(manager: Client) -> None:
    response = manager.get(reverse("admin:selzy_mapping"))
    assert response["Location"] == reverse("admin:selzy_list")


@pytest.mark.usefixtures("listed")
def test_a_revoked_key_is_explained_on_the_mapping_screen(
    manager: Client, emulator: Emulator
) -> None:
    emulator.inject_fault("error", "getFields", code="invalid_api_key", message="bad key")
    page = manager.get(reverse("admin:selzy_mapping")).content.decode()
    assert "no longer accepts the saved API key" in page
    assert reverse("admin:selzy_connect") in page
