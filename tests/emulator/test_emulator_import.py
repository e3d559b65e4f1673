"""importContacts: the rules the guidelines and the integration runner lean on."""

from __future__ import annotations

from emuwire import Api

from selzy.emulator import Emulator

COLUMNS = ["email", "Name", "Age", "email_list_ids"]


def rows(n: int, start: int = 0, list_id: int = 100001) -> list[list[str]]:
    return [
        [f"p{i}@example.org", f"Person {i}", str(20 + i % 50), str(list_id)]
        for i in range(start, start + n)
    ]


def totals_add_up(result: dict[str, int]) -> None:
    parts = result["inserted"] + result["updated"] + result["deleted"] + result["invalid"]
    assert parts == result["total"]


def test_insert_then_update(api: Api) -> None:
    first = api("importContacts", field_names=COLUMNS, data=rows(3))
    assert first == {
        "total": 3,
        "inserted": 3,
        "updated": 0,
        "deleted": 0,
        "new_emails": 3,
        "invalid": 0,
        "log": [],
    }
    again = api("importContacts", field_names=COLUMNS, data=rows(3))
    assert again["updated"] == 3
    assert again["inserted"] == 0
    assert again["new_emails"] == 3  # pre-existing "new" addresses count too (§5.2)
    contact = api("getContact", email="p1@example.org", include_fields=1, include_lists=1)
    assert contact["fields"] == {"Name": "Person 1", "Age": "21"}
    assert contact["lists"][0]["id"] == 100001


def test_500_rows_accepted_501_refused(api: Api) -> None:
    assert api("importContacts", field_names=COLUMNS, data=rows(500))["inserted"] == 500
    err = api.error("importContacts", field_names=COLUMNS, data=rows(501))
    assert err["code"] == "invalid_arg"
    assert "500" in err["error"]


def test_field_names_must_hold_email_or_phone(api: Api) -> None:
    err = api.error("importContacts", field_names=["Name"], data=[["Ann"]])
    assert err["code"] == "invalid_arg"
    assert "email or phone" in err["error"]


def test_phone_only_import(api: Api) -> None:
    res = api(
        "importContacts", field_names=["phone", "phone_list_ids"], data=[["+79261234567", "100001"]]
    )
    assert res["inserted"] == 1
    assert res["new_emails"] == 0


def test_rows_must_match_field_names(api: Api) -> None:
    err = api.error("importContacts", field_names=COLUMNS, data=[["a@example.org", "Ann"]])
    assert err["code"] == "invalid_arg"
    assert "data[0]" in err["error"]


def test_unknown_column_is_refused(api: Api) -> None:
    err = api.error("importContacts", field_names=["email", "Nickname"], data=[["a@b.org", "x"]])
    assert err["code"] == "invalid_arg"
    assert "Nickname" in err["error"]


def test_invalid_and_role_addresses_are_logged_with_their_index(api: Api) -> None:
    data = [
        *rows(2),
        ["not-an-email", "X", "1", "100001"],
        ["info@example.org", "X", "1", "100001"],
        ["p0@example.org", "dup", "1", "100001"],
        ["z@example.org", "Z", "old", "100001"],
    ]
    res = api("importContacts", field_names=COLUMNS, data=data)
    totals_add_up(res)
    assert res["inserted"] == 2
    assert res["invalid"] == 4
    assert [(e["index"], e["code"]) for e in res["log"]] == [
        (2, "invalid_email"),
        (3, "role_address"),
        (4, "duplicate"),
        (5, "invalid_field_value"),
    ]


def test_delete_column(api: Api) -> None:
    api("importContacts", field_names=COLUMNS, data=rows(2))
    res = api(
        "importContacts",
        field_names=["email", "delete"],
        data=[["p0@example.org", "1"], ["p1@example.org", "0"]],
    )
    assert (res["deleted"], res["updated"]) == (1, 1)
    totals_add_up(res)
    assert api.error("getContact", email="p0@example.org")["code"] == "unspecified"


def test_tags_merge_or_overwrite(api: Api) -> None:
    cols = ["email", "tags"]
    api("importContacts", field_names=cols, data=[["t@example.org", "a,b"]])
    api("importContacts", field_names=cols, data=[["t@example.org", "c"]])
    names = {t["name"] for t in api("getTags")}
    assert names == {"a", "b", "c"}
    api("importContacts", field_names=cols, data=[["t@example.org", "d"]], overwrite_tags=1)
    export = api("exportContacts", field_names=["email", "tags"], email="t@example.org")
    assert export["data"] == [["t@example.org", "d"]]


def test_overwrite_lists(api: Api) -> None:
    other = api("createList", title="Other")["id"]
    cols = ["email", "email_list_ids"]
    api("importContacts", field_names=cols, data=[["l@example.org", "100001"]])
    api("importContacts", field_names=cols, data=[["l@example.org", str(other)]])
    ids = {x["id"] for x in api("getContact", email="l@example.org", include_lists=1)["lists"]}
    assert ids == {100001, other}
    api("importContacts", field_names=cols, data=[["l@example.org", str(other)]], overwrite_lists=1)
    ids = {x["id"] for x in api("getContact", email="l@example.org", include_lists=1)["lists"]}
    assert ids == {other}


def test_unsubscribed_contacts_are_never_reactivated(api: Api) -> None:
    cols = ["email", "email_status", "email_list_ids"]
    api("importContacts", field_names=cols, data=[["u@example.org", "active", "100001"]])
    api("unsubscribe", contact_type="email", contact="u@example.org")
    res = api("importContacts", field_names=cols, data=[["u@example.org", "active", "100001"]])
    assert res["updated"] == 1
    assert res["log"][0]["code"] == "status_unchanged"
    contact = api("getContact", email="u@example.org", include_lists=1)
    assert contact["email"]["status"] == "unsubscribed"
    assert contact["lists"] == [
        {"id": 100001, "status": "unsubscribed", "added_at": "2025-01-06 09:00:00"}
    ]


def test_subscribe_times_must_line_up(api: Api) -> None:
    cols = ["email", "email_list_ids", "email_subscribe_times"]
    res = api(
        "importContacts",
        field_names=cols,
        data=[
            ["s@example.org", "100001", "2024-01-01 10:00:00,2024-01-02"],
            ["t@example.org", "100001", "2024-01-01"],
        ],
    )
    assert [e["code"] for e in res["log"]] == ["invalid_subscribe_times"]
    assert res["inserted"] == 1


def test_unknown_list_id_in_row(api: Api) -> None:
    res = api(
        "importContacts", field_names=["email", "email_list_ids"], data=[["q@example.org", "9"]]
    )
    assert res["log"][0]["code"] == "invalid_list_id"


def test_field_types_are_checked(api: Api, emulator: Emulator) -> None:
    api("createField", name="Birthday", type="date")
    api("createField", name="Vip", type="bool")
    res = api(
        "importContacts",
        field_names=["email", "Birthday", "Vip"],
        data=[["d@example.org", "31.12.1990", "yes"], ["e@example.org", "1990/12/31", "1"]],
    )
    assert res["inserted"] == 1
    assert res["log"][0]["index"] == 1
    fields = api("getContact", email="d@example.org", include_fields=1)["fields"]
    assert fields["Birthday"] == "1990-12-31"
    assert fields["Vip"] == "1"
