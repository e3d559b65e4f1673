"""Wire format: what the client puts on the wire and how it reads the envelope (sync and async)."""

from __future__ import annotations

import datetime as dt
import logging

import httpx
import pytest

import selzy
from selzy.client._exceptions import ERROR_CLASSES

from ._adapters import Driver
from .conftest import API_KEY, FakeClock, Server, err, ok

pytestmark = pytest.mark.parametrize("flavour", ["sync", "async"])


@pytest.fixture
def api(flavour: str, server: Server, clock: FakeClock) -> Driver:
    return Driver(flavour, server, clock)


def test_platform_and_key_travel_in_the_body_only(api: Driver, server: Server) -> None:
    server.replies = [ok([{"id": 1, "title": "A"}]), ok({"id": 2}), ok([])]
    api.get_lists()
    assert api.create_list(title="Newsletter").id == 2
    api.call("getFields")
    for exchange in server.seen:
        assert exchange.method == "POST"
        assert exchange.fields["platform"] == "TestSuite"
        assert exchange.fields["api_key"] == API_KEY
        assert dict(exchange.url.params) == {"format": "json"}
        assert API_KEY not in str(exchange.url)
        assert all(API_KEY not in value for value in exchange.headers.values())
        assert exchange.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert [e.rpc for e in server.seen] == ["getLists", "createList", "getFields"]
    assert server.seen[0].url.path == "/en/api/getLists"


def test_lang_and_base_url_shape_the_path(flavour: str, server: Server, clock: FakeClock) -> None:
    api = Driver(flavour, server, clock)
    api.client = api.client.with_options(base_url="http://127.0.0.1:8025/", lang="ua")
    api.get_lists()
    assert str(server.seen[0].url) == "http://127.0.0.1:8025/ua/api/getLists?format=json"


def test_import_rows_are_bracket_encoded_positionally(api: Driver, server: Server) -> None:
    server.replies = [ok({"total": 3, "inserted": 3})]
    api.import_contacts(
        field_names=["email", "Name", "tags", "birthday", "delete"],
        data=[
            {"email": "a@example.com", "Name": "Ann"},
            ["b@example.com", None, ["vip", "new"], dt.date(1990, 5, 17)],
            {"email": "c@example.com", "delete": True, "Name": "Ça va & co"},
        ],
        overwrite_tags=True,
        overwrite_lists=False,
    )
    form = server.seen[0].form
    assert form[:2] == [("api_key", API_KEY), ("platform", "TestSuite")]
    fields = dict(form)
    assert [fields[f"field_names[{i}]"] for i in range(5)] == [
        "email",
        "Name",
        "tags",
        "birthday",
        "delete",
    ]
    rows = [[fields[f"data[{i}][{j}]"] for j in range(5)] for i in range(3)]
    assert rows == [
        ["a@example.com", "Ann", "", "", ""],
        ["b@example.com", "", "vip,new", "1990-05-17", ""],
        ["c@example.com", "Ça va & co", "", "", "1"],
    ]
    assert fields["overwrite_tags"] == "1"
    assert fields["overwrite_lists"] == "0"
    assert "data[3][0]" not in fields


def test_assoc_and_comma_arguments(api: Driver, server: Server) -> None:
    server.replies = [ok({"person_id": "2500767342"})]
    result = api.subscribe(
        list_ids=[134, 135],
        fields={"email": "ann@example.com", "Name": "Ann"},
        tags=["a", "b"],
        double_optin=3,
    )
    fields = server.seen[0].fields
    assert fields["list_ids"] == "134,135"
    assert fields["fields[email]"] == "ann@example.com"
    assert fields["fields[Name]"] == "Ann"
    assert fields["tags"] == "a,b"
    assert fields["double_optin"] == "3"
    assert "overwrite" not in fields
    assert result.person_id == 2500767342

    api.get_contact_count(list_id=5, tag_id=7, type="address")
    assert server.seen[1].fields["params[tagId]"] == "7"
    assert server.seen[1].fields["params[type]"] == "address"


@pytest.mark.parametrize(("code", "cls"), sorted(ERROR_CLASSES.items()))
def test_each_error_code_has_its_class(
    api: Driver, server: Server, code: str, cls: type[selzy.APIError]
) -> None:
    server.replies = [err(code, "SB140212-01. [Burst not found. Provided Id: 1]")]
    api.client = api.client.with_options(max_retries=0)
    with pytest.raises(cls) as info:
        api.get_lists()
    assert type(info.value) is cls
    assert info.value.code == code
    assert info.value.method == "getLists"
    assert info.value.raw_message == "SB140212-01. [Burst not found. Provided Id: 1]"
    assert info.value.detail == "Burst not found. Provided Id: 1"


def test_missing_and_unknown_codes(api: Driver, server: Server) -> None:
    server.replies = [err(None, "OB20150818-02 [Domain already exists]")]
    with pytest.raises(selzy.UnspecifiedError) as info:
        api.call("setSenderDomain", domain="example.com", username="me")
    assert info.value.code == "unspecified"

    server.replies = [err("brand_new_code", "Something &quot;new&quot;")]
    with pytest.raises(selzy.APIError) as unknown:
        api.get_lists()
    assert type(unknown.value) is selzy.APIError
    assert unknown.value.code == "brand_new_code"
    assert unknown.value.message == 'Something "new"'
    assert unknown.value.raw_message == "Something &quot;new&quot;"


def test_warnings_are_logged_and_kept(
    api: Driver, server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    server.replies = [ok([{"id": 1, "title": "A"}], warnings=[{"warning": "probably stale"}])]
    with caplog.at_level(logging.WARNING, logger="selzy"):
        lists = api.get_lists()
    assert lists.warnings == ("probably stale",)
    assert "probably stale" in caplog.text


@pytest.mark.parametrize(
    "reply",
    [
        ok([]),
        ok({}),
        httpx.Response(200, json={}),
        httpx.Response(200, content=b""),
        ok(""),
    ],
    ids=["list", "object", "missing", "empty-body", "empty-string"],
)
def test_every_empty_result_reads_as_empty(
    api: Driver, server: Server, reply: httpx.Response
) -> None:
    server.replies = [reply]
    assert api.get_lists() == []
    assert api.get_fields() == []
    assert api.delete_list(list_id=1) is None
    with pytest.raises(selzy.InvalidResponseError, match="no id"):
        api.create_list(title="Needs an id back")


def test_false_is_a_result_not_an_error(api: Driver, server: Server) -> None:
    server.replies = [ok(False)]
    assert api.is_contact_in_lists(email="a@example.com", list_ids=[1, 2], condition="and") is False
    assert (
        api.call("isContactInLists", email="a@example.com", list_ids="1", condition="or") is False
    )
    assert server.seen[0].fields["list_ids"] == "1,2"


def test_ids_coerced_from_strings(api: Driver, server: Server) -> None:
    server.replies = [ok([{"id": "910533", "title": 42, "new_key": True}])]
    (mailing_list,) = api.get_lists()
    assert mailing_list.id == 910533
    assert mailing_list.title == "42"
    assert mailing_list.extra == {"new_key": True}


def test_non_json_and_http_errors_are_transport_errors(api: Driver, server: Server) -> None:
    api.client = api.client.with_options(max_retries=0)
    server.replies = [httpx.Response(200, content=b"<html>Bad gateway</html>")]
    with pytest.raises(selzy.InvalidResponseError) as bad:
        api.get_lists()
    assert isinstance(bad.value, selzy.TransportError)
    server.replies = [httpx.Response(503, content=b"down")]
    with pytest.raises(selzy.APIStatusError) as status:
        api.get_lists()
    assert status.value.status_code == 503


def test_raw_call_escape_hatch(api: Driver, server: Server) -> None:
    server.replies = [ok({"anything": [1, 2]})]
    assert api.call("someFutureMethod", ids=[1, 2], flag=True, skipped=None) == {"anything": [1, 2]}
    fields = server.seen[0].fields
    assert fields["ids[0]"] == "1"
    assert fields["flag"] == "1"
    assert "skipped" not in fields


@pytest.mark.parametrize("seed", range(5))
def test_fast_quote_matches_the_standard_library(flavour: str, seed: int) -> None:
    import random
    from urllib.parse import quote_plus as stdlib_quote_plus

    from selzy.client._encoding import quote_plus

    rng = random.Random(seed)
    alphabet = "aZ09 _.-~@+&=%/?#[]\\\"'<>Çéü漢字🙂\t\n\r\x00" + "".join(map(chr, range(32, 127)))
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        assert quote_plus(text) == stdlib_quote_plus(text), repr(text)
    blob = bytes(rng.randrange(256) for _ in range(300))
    assert quote_plus(blob) == stdlib_quote_plus(blob)
