"""Lists, user fields (types, 50-field cap, name rules) and tags."""

from __future__ import annotations

import pytest
from emuwire import Api


def test_list_titles_are_unique(api: Api) -> None:
    assert api.error("createList", title="Newsletter")["code"] == "invalid_arg"
    lid = api("createList", title="B2B")["id"]
    assert api.error("updateList", list_id=lid, title="Newsletter")["code"] == "invalid_arg"
    assert api("updateList", list_id=lid, title="B2B customers") == []
    assert {x["title"] for x in api("getLists")} == {"Newsletter", "B2B customers"}


@pytest.mark.parametrize("name", ["1abc", "with space", "dash-name", "email", "Tags", ""])
def test_field_name_rules(api: Api, name: str) -> None:
    assert api.error("createField", name=name, type="string")["code"] == "invalid_arg"


def test_field_types(api: Api) -> None:
    for ftype in ("string", "text", "number", "date", "bool"):
        api("createField", name=f"f_{ftype}", type=ftype)
    assert api.error("createField", name="f_other", type="float")["code"] == "invalid_arg"


def test_field_names_are_case_sensitive_and_unique(api: Api) -> None:
    assert api.error("createField", name="Name", type="string")["code"] == "invalid_arg"
    assert "id" in api("createField", name="name", type="string")


def test_fifty_field_cap(api: Api) -> None:
    for i in range(48):  # the seeded account has Name and Age already
        api("createField", name=f"F{i}", type="string")
    err = api.error("createField", name="F50", type="string")
    assert err["code"] == "invalid_arg"
    assert "50" in err["error"]


def test_update_and_delete_field(api: Api) -> None:
    fid = api("createField", name="City", type="string")["id"]
    assert api("updateField", id=fid, name="Town") == {"id": fid}
    api("importContacts", field_names=["email", "Town"], data=[["c@example.org", "Oslo"]])
    assert api("deleteField", id=fid) == []
    assert "Town" not in {f["name"] for f in api("getFields")}
    assert api.error("deleteField", id=fid)["code"] == "unspecified"


def test_contact_count_and_total(api: Api) -> None:
    api(
        "importContacts",
        field_names=["email", "email_list_ids", "tags"],
        data=[["a@example.org", "100001", "vip"], ["b@example.org", "100001", ""]],
    )
    tag_id = api("getTags")[0]["id"]
    res = api("getContactCount", list_id=100001, params={"tagId": tag_id})
    assert res == {"listId": 100001, "searchParams": {"tagIds": str(tag_id)}, "count": 1}
    res = api("getContactCount", list_id=100001, params={"type": "address", "search": "b@"})
    assert res["count"] == 1
    login = api("getUserInfo")["login"]
    assert api("getTotalContactsCount", login=login) == {"total": 2}
    assert api("deleteTag", id=tag_id) == []
    assert api("getTags") == []
