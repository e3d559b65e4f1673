"""Envelopes, paths, keys and the platform record."""

from __future__ import annotations

import httpx
from emuwire import Api, form

from selzy.emulator import Emulator


def test_success_envelope_and_content_type(api: Api) -> None:
    r = api.raw("getLists", {})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    assert r.json() == {"result": [{"id": 100001, "title": "Newsletter"}]}


def test_unknown_method(api: Api) -> None:
    assert api.error("getListz") == {"error": "Unknown method: getListz", "code": "unknown_method"}


def test_bad_and_missing_key(api: Api) -> None:
    assert api.error("getLists", api_key="nope")["code"] == "invalid_api_key"
    data = api.envelope("getLists", key=False)
    assert data["code"] == "invalid_api_key"


def test_invalid_arg_envelope_carries_empty_result(api: Api) -> None:
    data = api.error("createList")
    assert data == {
        "error": "title: required argument is missing",
        "code": "invalid_arg",
        "result": "",
    }


def test_not_found_is_unspecified(api: Api) -> None:
    data = api.error("deleteList", list_id=42)
    assert data["code"] == "unspecified"


def test_any_two_letter_lang_and_async_paths(http: httpx.Client, api: Api) -> None:
    body = form({"api_key": api.key})
    for lang in ("en", "ru", "ua", "pt", "xx"):
        r = http.post(
            f"/{lang}/api/getLists?format=json",
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert "result" in r.json()
    r = http.post(
        "/en/api/async/exportContacts?format=json",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.json()["result"]["status"] == "new"


def test_paths_outside_the_api_are_404(http: httpx.Client) -> None:
    assert http.get("/api/getLists").status_code == 404
    assert http.get("/english/api/getLists").status_code == 404


def test_warnings_are_objects_with_a_warning_key(api: Api) -> None:
    data = api.envelope(
        "createEmailMessage",
        sender_name="Shop",
        sender_email="news@example.com",
        subject="S",
        body="<p>B</p>",
        list_id=100001,
        generate_text=1,
        text_body="plain",
    )
    assert data["warnings"] == [{"warning": "generate_text is ignored because text_body was given"}]


def test_platform_is_recorded_and_never_rejected(api: Api, emulator: Emulator) -> None:
    api("getLists", platform="My CMS v1.0 (spaces & symbols!)")
    api("getLists")
    dump = emulator.state_dump()
    assert dump["accounts"][0]["platforms"] == {
        "My CMS v1.0 (spaces & symbols!)": 1,
        "TestSuite": 1,
    }
    assert [r["platform"] for r in dump["requests"]] == [
        "My CMS v1.0 (spaces & symbols!)",
        "TestSuite",
    ]
    assert "test-api-key" not in str(dump)


def test_boolean_and_empty_results(api: Api) -> None:
    assert (
        api("isContactInLists", email="x@example.org", list_ids="100001", condition="or") is False
    )
    assert api("deleteList", list_id=100001) == []
