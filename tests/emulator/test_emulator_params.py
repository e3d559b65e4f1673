"""Form decoding: PHP bracket forms, percent-encoded brackets, bytes, multipart, GET/POST rules."""

from __future__ import annotations

import httpx
import pytest
from emuwire import Api

from selzy.emulator import Emulator
from selzy.emulator._errors import InvalidArg
from selzy.emulator._params import build_tree, decode_body, urlencoded_pairs


def tree(body: bytes) -> dict[str, object]:
    return build_tree(urlencoded_pairs(body))


def test_indexed_empty_and_associative_brackets() -> None:
    t = tree(b"a[0]=x&a[1]=y&b[]=p&b[]=q&c[k]=v&c[z]=w&plain=1")
    assert t == {
        "a": {"0": "x", "1": "y"},
        "b": {"0": "p", "1": "q"},
        "c": {"k": "v", "z": "w"},
        "plain": "1",
    }


def test_two_dimensional_rows_keep_arrival_order() -> None:
    t = tree(b"data[0][0]=a&data[0][1]=b&data[1][0]=c&data[1][1]=d")
    assert t == {"data": {"0": {"0": "a", "1": "b"}, "1": {"0": "c", "1": "d"}}}


def test_percent_encoded_brackets_and_plus_spaces() -> None:
    t = tree(b"field_names%5B0%5D=email&data%5B0%5D%5B0%5D=a%40b.c&title=Hello+World%21")
    assert t == {
        "field_names": {"0": "email"},
        "data": {"0": {"0": "a@b.c"}},
        "title": "Hello World!",
    }


def test_empty_bracket_inside_rows_appends() -> None:
    assert tree(b"d[0][]=a&d[0][]=b&d[1][]=c") == {
        "d": {"0": {"0": "a", "1": "b"}, "1": {"0": "c"}}
    }


def test_utf8_values_and_raw_bytes_under_attachments() -> None:
    t = tree(b"subject=%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82&attachments%5Bf.bin%5D=%00%FF%FE")
    assert t["subject"] == "Привет"
    assert t["attachments"] == {"f.bin": b"\x00\xff\xfe"}


def test_invalid_utf8_outside_attachments_is_invalid_arg() -> None:
    with pytest.raises(InvalidArg, match="UTF-8"):
        tree(b"subject=%FF")


def test_multipart_form_data() -> None:
    body = (
        b'--XX\r\nContent-Disposition: form-data; name="title"\r\n\r\nMy list\r\n'
        b'--XX\r\nContent-Disposition: form-data; name="attachments[a.bin]"; filename="a.bin"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n\x00\x01\r\n--XX--\r\n"
    )
    t = decode_body("multipart/form-data; boundary=XX", body)
    assert t == {"title": "My list", "attachments": {"a.bin": b"\x00\x01"}}


def test_json_bodies_are_refused() -> None:
    with pytest.raises(InvalidArg, match="Content-Type"):
        decode_body("application/json", b"{}")


def test_get_with_everything_in_the_query_works(http: httpx.Client, api: Api) -> None:
    r = http.get("/en/api/getLists", params={"format": "json", "api_key": api.key})
    assert r.json() == {"result": [{"id": 100001, "title": "Newsletter"}]}


def test_post_with_params_in_query_and_empty_body_works(http: httpx.Client, api: Api) -> None:
    r = http.post("/en/api/createList", params={"format": "json", "api_key": api.key, "title": "Q"})
    assert r.json() == {"result": {"id": 100002}}


def test_same_argument_in_query_and_body_is_refused(http: httpx.Client, api: Api) -> None:
    r = http.post(
        f"/en/api/getLists?format=json&api_key={api.key}",
        data={"api_key": api.key},
    )
    assert r.json()["error"] == "Call to a member function getMessage() on boolean"


def test_multipart_call_end_to_end(http: httpx.Client, api: Api) -> None:
    r = http.post(
        "/en/api/createList?format=json",
        data={"api_key": api.key, "title": "Multipart list"},
        files={"ignored": ("x.txt", b"x")},
    )
    assert r.json() == {"result": {"id": 100002}}


def test_gzip_request_body(http: httpx.Client, api: Api) -> None:
    import gzip

    body = gzip.compress(f"api_key={api.key}&title=Zipped".encode())
    r = http.post(
        "/en/api/createList?format=json",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Content-Encoding": "gzip"},
    )
    assert r.json() == {"result": {"id": 100002}}


def test_csv_and_bracket_lists_are_both_accepted(api: Api, emulator: Emulator) -> None:
    second = api("createList", title="Second")["id"]
    api(
        "importContacts",
        field_names=["email", "email_list_ids"],
        data=[["a@example.org", f"100001,{second}"]],
    )
    api("exclude", contact_type="email", contact="a@example.org", list_ids=f"100001,{second}")
    # Bracket form of the same csv argument (the Perl client joins, others send arrays).
    assert (
        api("isContactInLists", email="a@example.org", list_ids=[100001, second], condition="or")
        is False
    )
