"""The guideline flow in raw HTTP against the threaded server (register -> ... -> statistics)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import httpx
import pytest
from emuwire import Api, form

from selzy.emulator import Emulator, ThreadedEmulatorServer


@pytest.fixture
def server() -> Iterator[ThreadedEmulatorServer]:
    with ThreadedEmulatorServer(Emulator(seed=11)) as srv:
        yield srv


@pytest.fixture
def http(server: ThreadedEmulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def test_guideline_flow(http: httpx.Client, server: ThreadedEmulatorServer) -> None:
    # User registration: register without a key (need_confirm=1) returns the new key.
    reg = http.post(
        "/en/api/register?format=json",
        content=form(
            {
                "email": "owner@shop.example",
                "password": "s3cret",
                "need_confirm": 1,
                "platform": "MyShop",
            }
        ),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ).json()
    api = Api(http, reg["result"]["api_key"])
    # Login of the existing user: getLists without errors means the key works.
    assert api("getLists") == []
    # Selection of the list and fields.
    list_id = api("createList", title="Shop customers")["id"]
    api("createField", name="Name", type="string")
    api("createField", name="Orders", type="number")
    assert [f["name"] for f in api("getFields")] == ["Name", "Orders"]
    # Import 1,200 contacts in three calls of at most 500 rows.
    columns = ["email", "Name", "Orders", "email_list_ids"]
    people = [
        [f"buyer{i}@shop-customers.example", f"Buyer {i}", str(i % 7), str(list_id)]
        for i in range(1200)
    ]
    inserted = 0
    for start in range(0, 1200, 500):
        res = api("importContacts", field_names=columns, data=people[start : start + 500])
        assert res["invalid"] == 0
        inserted += res["inserted"]
    assert inserted == 1200
    assert api("getContactCount", list_id=list_id, params={"type": "address"})["count"] == 1200
    # Creating a message: the sender is not confirmed yet.
    login = api("getUserInfo")["login"]
    assert api("getCheckedEmail", login=login) == []
    assert api("validateSender", email="news@shop.example")["message"]
    outbox = http.get("/_emulator/outbox")
    assert outbox.headers["content-type"].startswith("text/html")
    link = re.search(r'href="([^"]*/_emulator/confirm/[^"]+)"', outbox.text)
    assert link is not None
    assert link.group(1).startswith(server.url)
    assert http.get(link.group(1)).status_code == 200  # a person clicks the link
    assert api("getCheckedEmail", login=login)[0]["is_checked"] is True
    message_id = api(
        "createEmailMessage",
        sender_name="My Shop",
        sender_email="news@shop.example",
        subject="Spring sale, {{Name}}",
        body='<p>Hello {{Name}}</p><a href="https://shop.example/sale">Sale</a>',
        list_id=list_id,
        attachments={"terms.txt": b"Terms \x00\xff"},
    )["message_id"]
    assert api("sendTestEmail", id=message_id, email="owner@shop.example") == {
        "owner@shop.example": {"success": True}
    }
    # Campaign now, and the same message scheduled for later.
    now = api("createCampaign", message_id=message_id, track_read=1, track_links=1)
    later = api(
        "createCampaign",
        message_id=message_id,
        track_read=1,
        track_links=1,
        start_time="2025-01-10 08:00",
        timezone="UTC",
    )
    assert (now["status"], later["status"]) == ("waits_schedule", "scheduled")
    # Advance the clock through the control plane.
    assert (
        http.post("/_emulator/clock/advance", data={"hours": 4}).json()["now"]
        == "2025-01-06 13:00:00"
    )
    assert api("getCampaignStatus", campaign_id=now["campaign_id"])["status"] == "completed"
    assert api("getCampaignStatus", campaign_id=later["campaign_id"])["status"] == "scheduled"
    stats = api("getCampaignCommonStats", campaign_id=now["campaign_id"])
    assert stats["total"] == stats["sent"] == 1200
    task = api("async/getCampaignDeliveryStats", campaign_id=now["campaign_id"])
    done = api("async/getTaskResult", task_uuid=task["task_uuid"])
    rows = list(csv.DictReader(io.StringIO(http.get(done["file_to_download"]).text)))
    ok = [
        r
        for r in rows
        if r["send_result"]
        in ("ok_delivered", "ok_read", "ok_link_visited", "ok_unsubscribed", "ok_spam_folder")
    ]
    assert len(rows) == 1200
    assert len(ok) == stats["delivered"]
    links = api("getVisitedLinks", campaign_id=now["campaign_id"])
    assert len(links["data"]) == stats["clicked_all"]
    assert len({r[0] for r in links["data"]}) == stats["clicked_unique"]
    http.post("/_emulator/clock/advance", data={"days": 5})
    assert api("getCampaignStatus", campaign_id=later["campaign_id"])["status"] == "completed"
    state = http.get("/_emulator/state").json()
    assert state["accounts"][0]["platforms"]["TestSuite"] > 0
    assert state["requests"][0]["platform"] == "MyShop"


def test_register_once_per_minute_per_ip(http: httpx.Client) -> None:
    def register(email: str) -> dict[str, str]:
        return http.post(
            "/en/api/register?format=json", data={"email": email, "need_confirm": "1"}
        ).json()

    assert "api_key" in register("a@shop.example")["result"]
    assert register("b@shop.example")["code"] == "api_call_limit_exceeded_for_ip"
    http.post("/_emulator/clock/advance", data={"seconds": 61})
    assert "api_key" in register("b@shop.example")["result"]
    assert register("c@shop.example")["code"] == "api_call_limit_exceeded_for_ip"
    no_confirm = http.post("/en/api/register?format=json", data={"email": "d@shop.example"}).json()
    assert no_confirm["code"] == "access_denied"


def test_contacts_url_served_by_the_emulator_itself(
    http: httpx.Client, server: ThreadedEmulatorServer
) -> None:
    seeded = http.post(
        "/_emulator/seed", json={"api_key": "k", "lists": ["L"], "senders": ["s@shop.example"]}
    ).json()
    api = Api(http, "k")
    lid = seeded["list_ids"]["L"]
    api(
        "importContacts",
        field_names=["email", "email_list_ids"],
        data=[[f"m{i}@shop.example", str(lid)] for i in range(5)],
    )
    url = http.put(
        "/_emulator/files/segment.txt", content=b"m1@shop.example\nm4@shop.example\n"
    ).json()["url"]
    mid = api(
        "createEmailMessage",
        sender_name="S",
        sender_email="s@shop.example",
        subject="x",
        body="<p>x</p>",
        list_id=lid,
    )["message_id"]
    cid = api("createCampaign", message_id=mid, contacts_url=url)["campaign_id"]
    http.post("/_emulator/clock/advance", data={"hours": 3})
    assert api("getCampaignCommonStats", campaign_id=cid)["total"] == 2
