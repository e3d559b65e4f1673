"""Every control-plane route under ``/_emulator/``: answers, content types and refusals.

The requests go straight to `Emulator.handle`, so status, headers and body are checked byte for
byte, without an HTTP client in between.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import pytest
from emuwire import Api

from selzy.emulator import Emulator, Reply
from selzy.emulator._control._table import control
from selzy.emulator._reply import json_reply

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
BASE = "http://emu.test"

MESSAGE = {
    "sender_name": "Shop",
    "sender_email": "news@example.com",
    "subject": "Hello",
    "body": "<p>Web version</p>",
    "list_id": 100001,
}


def ctl(
    emu: Emulator,
    method: str,
    path: str,
    body: bytes | dict[str, Any] = b"",
    *,
    ctype: str | None = None,
    query: bytes = b"",
) -> Reply:
    """One control request; a dict body goes as JSON."""
    if isinstance(body, dict):
        body, ctype = json.dumps(body).encode(), "application/json"
    headers = {"Content-Type": ctype} if ctype else {}
    return emu.handle(method, path, query, headers, body, base_url=BASE)


def content_type(reply: Reply) -> str:
    return dict(reply.headers)["Content-Type"]


def as_json(reply: Reply, status: int = 200) -> Any:
    assert (reply.status, content_type(reply)) == (status, JSON_TYPE), reply
    return json.loads(reply.body)


def as_page(reply: Reply, status: int = 200) -> str:
    assert (reply.status, content_type(reply)) == (status, HTML_TYPE), reply
    return reply.body.decode()


# ------------------------------------------------------------------------------ routing


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "get"])
@pytest.mark.parametrize("path", ["/_emulator", "/_emulator/"])
def test_index_answers_any_method(emulator: Emulator, method: str, path: str) -> None:
    page = as_page(ctl(emulator, method, path))
    assert "<h1>Selzy emulator</h1>" in page
    assert "<a href='/_emulator/outbox'>Outbox</a>" in page


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/_emulator/nope"),
        ("GET", "/_emulator/reset"),
        ("GET", "/_emulator/seed"),
        ("GET", "/_emulator/clock/advance"),
        ("PUT", "/_emulator/faults"),
        ("GET", "/_emulator/faults/clear"),
        ("DELETE", "/_emulator/faults/clear"),
        ("GET", "/_emulator/rate-limits"),
        ("GET", "/_emulator/outbox/1/2"),
        ("GET", "/_emulator/confirm"),
        ("GET", "/_emulator/confirm/a/b"),
        ("GET", "/_emulator/web"),
        ("GET", "/_emulator/attachments/1"),
        ("GET", "/_emulator/state/x"),
        ("GET", "/_emulator/campaigns"),
    ],
)
def test_unknown_routes_and_wrong_methods_are_json_404(
    emulator: Emulator, method: str, path: str
) -> None:
    # A known path with the wrong method is a 404 like an unknown path (there is no 405).
    assert as_json(ctl(emulator, method, path), 404) == {
        "error": f"no control route {method} {path}"
    }


def test_method_case_and_empty_segments_do_not_matter(emulator: Emulator) -> None:
    assert as_json(ctl(emulator, "get", "/_emulator//clock/")) == {"now": "2025-01-06 09:00:00"}
    assert as_json(ctl(emulator, "post", "/_emulator/reset")) == {"ok": True}
    assert as_json(ctl(emulator, "patch", "/_emulator/reset/"), 404) == {
        "error": "no control route PATCH /_emulator/reset/"
    }


@pytest.mark.parametrize(
    ("method", "path", "body", "ctype", "error"),
    [
        ("POST", "/_emulator/seed", b"[1]", "application/json", "expected a JSON object"),
        ("POST", "/_emulator/seed", b"{", "application/json", None),
        # Arguments are read before the route is looked up, so even a miss is a 400.
        ("GET", "/_emulator/nope", b"[1]", "application/json", "expected a JSON object"),
        ("POST", "/_emulator/seed", b"fields=Name:blob", None, None),
        ("POST", "/_emulator/seed", b"api_key=&balance=lots", None, None),
        ("POST", "/_emulator/clock/advance", b"hours=soon", None, None),
        ("POST", "/_emulator/faults", b"kind=bogus", None, None),
        ("POST", "/_emulator/faults", b"kind=error&times=twice", None, None),
        ("POST", "/_emulator/faults", b"kind=http&status=200", None, None),
    ],
)
def test_bad_control_requests_are_400(
    emulator: Emulator, method: str, path: str, body: bytes, ctype: str | None, error: str | None
) -> None:
    answer = as_json(ctl(emulator, method, path, body, ctype=ctype), 400)
    assert answer["error"].startswith("bad control request: ")
    if error is not None:
        assert answer == {"error": f"bad control request: {error}"}


def test_arguments_come_from_the_query_and_the_form_body(emulator: Emulator) -> None:
    now = ctl(emulator, "POST", "/_emulator/clock/advance", b"hours=1", query=b"days=1")
    assert as_json(now) == {"now": "2025-01-07 10:00:00"}
    # A multipart body is not read as a form; the query still is.
    now = ctl(emulator, "POST", "/_emulator/clock/advance", b"x", ctype="multipart/form-data")
    assert as_json(now) == {"now": "2025-01-07 10:00:00"}


# ------------------------------------------------------------------------------ state and time


def test_seed_defaults_over_http(emulator: Emulator) -> None:
    seeded = as_json(ctl(emulator, "POST", "/_emulator/seed"))
    assert seeded == {
        "api_key": "test-api-key",
        "login": seeded["login"],
        "email": "owner@example.com",
        "list_ids": {"Newsletter": seeded["list_ids"]["Newsletter"]},
        "field_ids": {"Name": seeded["field_ids"]["Name"]},
        "senders": ["news@example.com"],
    }
    (account,) = as_json(ctl(emulator, "GET", "/_emulator/state"))["accounts"]
    assert (account["reseller"], account["balance"], account["timezone"]) == (False, 100.0, "UTC")
    assert account["fields"] == [
        {"id": seeded["field_ids"]["Name"], "name": "Name", "type": "string"}
    ]


def test_seed_over_http_and_in_python_share_their_defaults() -> None:
    over_http, in_python = Emulator(), Emulator()
    seeded = as_json(ctl(over_http, "POST", "/_emulator/seed", b"api_key=&email=&balance="))
    assert seeded == json.loads(json.dumps(asdict(in_python.seed_account())))
    assert (
        ctl(over_http, "GET", "/_emulator/state").body
        == ctl(in_python, "GET", "/_emulator/state").body
    )


def test_seed_with_every_argument(emulator: Emulator) -> None:
    seeded = as_json(
        ctl(
            emulator,
            "POST",
            "/_emulator/seed",
            {
                "api_key": "k2",
                "login": "shop",
                "email": "boss@shop.example",
                "lists": ["A", "B"],
                "fields": {"Age": "number"},
                "senders": ["a@shop.example", "b@shop.example"],
                "reseller": True,
                "balance": 5,
                "timezone": "Europe/Berlin",
            },
        )
    )
    assert (seeded["api_key"], seeded["login"], seeded["email"]) == (
        "k2",
        "shop",
        "boss@shop.example",
    )
    assert list(seeded["list_ids"]) == ["A", "B"]
    assert list(seeded["field_ids"]) == ["Age"]
    assert seeded["senders"] == ["a@shop.example", "b@shop.example"]
    (account,) = as_json(ctl(emulator, "GET", "/_emulator/state"))["accounts"]
    assert (account["reseller"], account["balance"], account["timezone"]) == (
        True,
        5.0,
        "Europe/Berlin",
    )


def test_seed_form_lists_can_be_empty_and_flags_are_words(emulator: Emulator) -> None:
    seeded = as_json(
        ctl(emulator, "POST", "/_emulator/seed", b"lists=&fields=&senders=&reseller=yes")
    )
    assert (seeded["list_ids"], seeded["field_ids"], seeded["senders"]) == ({}, {}, [])
    (account,) = as_json(ctl(emulator, "GET", "/_emulator/state"))["accounts"]
    assert account["reseller"] is True


def test_reset_state_and_clock(emulator: Emulator) -> None:
    emulator.seed_account("k")
    for method in ("GET", "POST", "DELETE"):
        state = as_json(ctl(emulator, method, "/_emulator/state"))
        assert len(state["accounts"]) == 1
        assert as_json(ctl(emulator, method, "/_emulator/clock")) == {"now": "2025-01-06 09:00:00"}
    assert as_json(ctl(emulator, "POST", "/_emulator/reset")) == {"ok": True}
    assert as_json(ctl(emulator, "GET", "/_emulator/state"))["accounts"] == []


def test_clock_advance_adds_every_unit(emulator: Emulator) -> None:
    body = {"seconds": 1, "minutes": 2, "hours": 3, "days": 4}
    assert as_json(ctl(emulator, "POST", "/_emulator/clock/advance", body)) == {
        "now": "2025-01-10 12:02:01"
    }
    assert as_json(ctl(emulator, "POST", "/_emulator/clock/advance")) == {
        "now": "2025-01-10 12:02:01"
    }


# ------------------------------------------------------------------------------ faults and limits


def test_fault_defaults_over_http(emulator: Emulator) -> None:
    rule = as_json(ctl(emulator, "POST", "/_emulator/faults", b"times="))
    assert rule == Emulator().inject_fault("error").as_dict()
    assert rule == {
        "id": 1,
        "kind": "error",
        "method": "*",
        "code": "retry_later",
        "message": "Injected fault: temporary failure, retry later",
        "status": 503,
        "seconds": 0.0,
        "share": 1.0,
        "times": None,
        "after": False,
        "hits": 0,
    }


def test_fault_list_add_and_both_ways_to_clear(emulator: Emulator) -> None:
    body = {"kind": "latency", "method": "getLists", "seconds": 2, "share": 0.5, "times": 3}
    rule = as_json(ctl(emulator, "POST", "/_emulator/faults", {**body, "after": "1"}))
    assert rule["after"] is True
    assert as_json(ctl(emulator, "GET", "/_emulator/faults")) == [rule]
    assert as_json(ctl(emulator, "DELETE", "/_emulator/faults")) == {"ok": True}
    assert as_json(ctl(emulator, "GET", "/_emulator/faults")) == []
    ctl(emulator, "POST", "/_emulator/faults", body)
    assert as_json(ctl(emulator, "POST", "/_emulator/faults/clear")) == {"ok": True}
    assert as_json(ctl(emulator, "GET", "/_emulator/faults")) == []


def test_rate_limit_switch(emulator: Emulator) -> None:
    off = ctl(emulator, "POST", "/_emulator/rate-limits", b"enabled=0")
    assert as_json(off) == {"rate_limits": False}
    assert as_json(ctl(emulator, "POST", "/_emulator/rate-limits")) == {"rate_limits": True}
    off = ctl(emulator, "POST", "/_emulator/rate-limits", {"enabled": False})
    assert as_json(off) == {"rate_limits": False}


# ------------------------------------------------------------------------------ files


def test_files_are_stored_and_served(emulator: Emulator) -> None:
    stored = ctl(emulator, "PUT", "/_emulator/files/dir/a.csv", b"a,b\n", ctype="text/csv")
    assert as_json(stored) == {"url": f"{BASE}/_emulator/files/dir/a.csv"}
    got = ctl(emulator, "GET", "/_emulator/files/dir/a.csv")
    assert (got.status, content_type(got), got.body) == (200, "text/csv", b"a,b\n")
    # POST stores too; without a content type the file is served as octet-stream.
    ctl(emulator, "POST", "/_emulator/files/b.bin", b"\x00\x01")
    got = ctl(emulator, "DELETE", "/_emulator/files/b.bin")
    assert (got.status, content_type(got), got.body) == (
        200,
        "application/octet-stream",
        b"\x00\x01",
    )


def test_files_are_raw_routes(emulator: Emulator) -> None:
    # The body of a PUT is the file, never arguments, so a JSON type is stored as it is.
    stored = ctl(emulator, "PUT", "/_emulator/files/x.json", b"[1]", ctype="application/json")
    assert as_json(stored) == {"url": f"{BASE}/_emulator/files/x.json"}
    assert ctl(emulator, "GET", "/_emulator/files/x.json").body == b"[1]"
    missing = ctl(emulator, "GET", "/_emulator/files/none.txt")
    assert (missing.status, content_type(missing), missing.body) == (
        404,
        TEXT_TYPE,
        b"no such file",
    )
    assert ctl(emulator, "GET", "/_emulator/files").body == b"no such file"


# ------------------------------------------------------------------------------ outbox and pages


def test_outbox_pages(api: Api, emulator: Emulator) -> None:
    assert "<p>No letters yet.</p>" in as_page(ctl(emulator, "GET", "/_emulator/outbox"))
    assert as_json(ctl(emulator, "GET", "/_emulator/outbox.json")) == []
    mid = api("createEmailMessage", **MESSAGE, attachments={"a.txt": b"abc"})["message_id"]
    api("sendTestEmail", id=mid, email="me@example.org")
    page = as_page(ctl(emulator, "POST", "/_emulator/outbox"))
    assert "<td>me@example.org</td>" in page
    assert '<a href="/_emulator/outbox/1">Hello</a>' in page
    (letter,) = as_json(ctl(emulator, "GET", "/_emulator/outbox.json"))
    assert (letter["id"], letter["to"], letter["kind"]) == (1, "me@example.org", "test")
    page = as_page(ctl(emulator, "GET", "/_emulator/outbox/1"))
    assert "<title>Hello</title>" in page
    assert "<b>Attachments:</b> a.txt (3 bytes)" in page
    assert '<div class="letter"><p>Web version</p></div>' in page
    assert "No such letter." in as_page(ctl(emulator, "GET", "/_emulator/outbox/2"), 404)


def test_confirmation_links(api: Api, emulator: Emulator) -> None:
    api("validateSender", email="sales@shop.example")
    (letter,) = emulator.outbox("sales@shop.example")
    token = letter.links[0][1].rsplit("/", 1)[-1]
    page = as_page(ctl(emulator, "GET", f"/_emulator/confirm/{token}"))
    assert "<h1>Confirmed</h1>" in page
    assert "The sender address sales@shop.example is confirmed." in page
    page = as_page(ctl(emulator, "GET", "/_emulator/confirm/nope"), 404)
    assert "<h1>Link not valid</h1><p>unknown or expired confirmation link</p>" in page


def test_web_version_attachments_and_unsubscribed(api: Api, emulator: Emulator) -> None:
    mid = api("createEmailMessage", **MESSAGE, attachments={"a b.txt": b"abc"})["message_id"]
    cid = api("createCampaign", message_id=mid)["campaign_id"]
    web = ctl(emulator, "GET", f"/_emulator/web/{cid}")
    assert (web.status, content_type(web), web.body) == (200, HTML_TYPE, b"<p>Web version</p>")
    assert "No such campaign." in as_page(ctl(emulator, "GET", "/_emulator/web/999"), 404)
    got = ctl(emulator, "GET", f"/_emulator/attachments/{mid}/a%20b.txt")
    assert (got.status, content_type(got), got.body) == (200, "application/octet-stream", b"abc")
    for path in (f"/_emulator/attachments/{mid}/c.txt", "/_emulator/attachments/999/a%20b.txt"):
        missing = ctl(emulator, "GET", path)
        assert (missing.status, content_type(missing)) == (404, TEXT_TYPE)
        assert missing.body == b"no such attachment"
    page = as_page(ctl(emulator, "GET", "/_emulator/unsubscribed"))
    assert "You are unsubscribed (emulated page)." in page


def test_webhook_log(emulator: Emulator) -> None:
    assert as_json(ctl(emulator, "GET", "/_emulator/webhooks")) == []


# ------------------------------------------------------------------------------ the table


def test_the_table_refuses_a_second_function_for_a_route() -> None:
    with pytest.raises(KeyError, match="two control routes for POST 'reset'"):
        control("POST", "reset")(lambda req: json_reply({}))
    with pytest.raises(ValueError, match="only the last segment"):
        control("GET", "files/{name*}/x")


def test_the_links_getcampaigns_and_gettemplate_hand_out_answer(
    api: Api, emulator: Emulator
) -> None:
    mid = api("createEmailMessage", **MESSAGE)["message_id"]
    cid = api("createCampaign", message_id=mid)["campaign_id"]
    emulator.advance(days=2)
    (listed,) = [c for c in api("getCampaigns") if c["id"] == cid]
    assert listed["stats_url"].endswith(f"/_emulator/campaigns/{cid}")
    page = as_page(ctl(emulator, "GET", f"/_emulator/campaigns/{cid}"))
    stats = api("getCampaignCommonStats", campaign_id=cid)
    assert f"<b>Status:</b> {listed['status']} " in page
    for name in ("total", "sent", "delivered", "read_unique", "clicked_unique"):
        assert f"<tr><th>{name}</th><td>{stats[name]}</td></tr>" in page
    assert "No such campaign." in as_page(ctl(emulator, "GET", "/_emulator/campaigns/999"), 404)
    assert "No such campaign." in as_page(ctl(emulator, "GET", "/_emulator/campaigns/x"), 404)

    tid = api("createEmailTemplate", title="T", subject="S", body="<p>B</p>")["template_id"]
    url = api("getTemplate", template_id=tid)["screenshot_url"]
    assert url.endswith(f"/_emulator/templates/{tid}.png")
    shot = ctl(emulator, "GET", f"/_emulator/templates/{tid}.png")
    assert (shot.status, content_type(shot)) == (200, "image/png")
    assert shot.body.startswith(b"\x89PNG\r\n\x1a\n")
    for missing in ("999.png", f"{tid}.jpg"):
        assert "No such template." in as_page(
            ctl(emulator, "GET", f"/_emulator/templates/{missing}"), 404
        )
