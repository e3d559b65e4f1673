"""createCampaign checks, the status machine, and statistics that agree with each other."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx
import pytest
from emuwire import KEY, Api

from selzy.emulator import Emulator, as_httpx_handler, verify_webhook

BODY = '<p>Hi</p><a href="https://shop.example/a">A</a> <a href="https://shop.example/b">B</a>'


def prepare(api: Api, n: int = 40) -> int:
    data = [[f"c{i}@example.org", str(100001)] for i in range(n)]
    api("importContacts", field_names=["email", "email_list_ids"], data=data)
    return int(
        api(
            "createEmailMessage",
            sender_name="Shop",
            sender_email="news@example.com",
            subject="Sale",
            body=BODY,
            list_id=100001,
        )["message_id"]
    )


def delivery_rows(
    api: Api, http: httpx.Client, campaign_id: int, **kw: Any
) -> list[dict[str, str]]:
    task = api("async/getCampaignDeliveryStats", campaign_id=campaign_id, **kw)
    result = api("async/getTaskResult", task_uuid=task["task_uuid"])
    assert result["status"] == "completed"
    text = http.get(result["file_to_download"]).text
    return list(csv.DictReader(io.StringIO(text)))


def test_status_machine_now(api: Api, emulator: Emulator) -> None:
    mid = prepare(api)
    res = api("createCampaign", message_id=mid, track_read=1, track_links=1)
    assert res == {"campaign_id": 700001, "status": "waits_schedule", "count": 0}
    seen = []
    for _ in range(12):
        seen.append(api("getCampaignStatus", campaign_id=700001)["status"])
        emulator.advance(minutes=15)
    assert seen[0] == "waits_schedule"
    assert "in_progress" in seen or "analysed" in seen
    assert seen[-1] == "completed"
    order = ["waits_schedule", "in_progress", "analysed", "completed"]
    assert [s for s in order if s in seen] == sorted(set(seen), key=order.index)


def test_scheduled_campaign_and_cancel(api: Api, emulator: Emulator) -> None:
    mid = prepare(api)
    res = api("createCampaign", message_id=mid, start_time="2025-01-08 12:00", timezone="UTC")
    assert res["status"] == "scheduled"
    status = api("getCampaignStatus", campaign_id=res["campaign_id"])
    assert status["start_time"] == "2025-01-08 12:00:00"
    assert api("cancelCampaign", campaign_id=res["campaign_id"]) == []
    emulator.advance(days=3)
    assert api("getCampaignStatus", campaign_id=res["campaign_id"])["status"] == "canceled"
    assert api("getCampaignCommonStats", campaign_id=res["campaign_id"])["sent"] == 0
    err = api.error("cancelCampaign", campaign_id=res["campaign_id"])
    assert err["error"] == 'SF161129-03 [Campaign in status "canceled" can\'t be cancelled]'


def test_schedule_window_and_timezone(api: Api) -> None:
    mid = prepare(api, 2)
    assert (
        api.error("createCampaign", message_id=mid, start_time="2025-04-17 10:00")["code"]
        == "invalid_arg"
    )
    assert (
        api.error(
            "createCampaign",
            message_id=mid,
            start_time="2025-01-07 10:00",
            timezone="Europe/Berlin",
        )["code"]
        == "invalid_arg"
    )
    assert (
        api.error("createCampaign", message_id=mid, start_time="tomorrow")["code"] == "invalid_arg"
    )
    assert (
        api("createCampaign", message_id=mid, start_time="2025-04-16 08:00")["status"]
        == "scheduled"
    )


def test_same_message_within_an_hour(api: Api) -> None:
    mid = prepare(api, 2)
    api("createCampaign", message_id=mid, start_time="2025-01-07 10:00")
    err = api.error("createCampaign", message_id=mid, start_time="2025-01-07 10:59")
    assert err["code"] == "invalid_arg"
    assert "within one hour" in err["error"]
    assert "campaign_id" in api("createCampaign", message_id=mid, start_time="2025-01-07 11:00")


def test_unknown_and_foreign_campaigns(api: Api, emulator: Emulator, http: httpx.Client) -> None:
    assert api.error("getCampaignStatus", campaign_id=1)["error"] == (
        "SB140212-01. [Burst not found. Provided Id: 1]"
    )
    mid = prepare(api, 2)
    cid = api("createCampaign", message_id=mid)["campaign_id"]
    emulator.seed_account("other-key", login="other", lists=(), senders=())
    other = Api(http, "other-key")
    assert (
        other.error("cancelCampaign", campaign_id=cid)["error"] == "Access denied to this resource"
    )


def test_contacts_restriction(api: Api, emulator: Emulator) -> None:
    mid = prepare(api, 10)
    both = api.error(
        "createCampaign",
        message_id=mid,
        contacts="c1@example.org",
        contacts_url="http://x.example/c.txt",
    )
    assert both["code"] == "invalid_arg"
    cid = api(
        "createCampaign",
        message_id=mid,
        contacts="c1@example.org,C2@example.org,stranger@example.org",
    )["campaign_id"]
    emulator.advance(hours=4)
    assert api("getCampaignCommonStats", campaign_id=cid)["total"] == 2


def test_contacts_url_is_downloaded(api: Api) -> None:
    fetched: list[str] = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return b"c1@example.org\r\nc3@example.org\nnobody@example.org\n"

    emu = Emulator(seed=7, fetch=fetch)
    emu.seed_account(KEY)
    with httpx.Client(
        transport=httpx.MockTransport(as_httpx_handler(emu)), base_url="https://api.selzy.com"
    ) as http:
        local = Api(http)
        mid = prepare(local, 5)
        cid = local("createCampaign", message_id=mid, contacts_url="https://crm.example/seg.txt")[
            "campaign_id"
        ]
        emu.advance(hours=4)
        assert local("getCampaignCommonStats", campaign_id=cid)["total"] == 2
    assert fetched == ["https://crm.example/seg.txt"]


def test_stats_agree_with_each_other(api: Api, emulator: Emulator, http: httpx.Client) -> None:
    mid = prepare(api, 200)
    cid = api("createCampaign", message_id=mid, track_read=1, track_links=1)["campaign_id"]
    for step in range(8):
        emulator.advance(minutes=20)
        stats = api("getCampaignCommonStats", campaign_id=cid)
        assert stats["total"] >= stats["sent"] >= stats["delivered"] >= stats["read_unique"]
        assert stats["read_unique"] >= stats["clicked_unique"]
        assert stats["read_all"] >= stats["read_unique"]
        assert stats["clicked_all"] >= stats["clicked_unique"]
        rows = delivery_rows(api, http, cid)
        assert len(rows) == stats["sent"]
        delivered = [
            r for r in rows if r["send_result"].startswith("ok_") and r["send_result"] != "ok_sent"
        ]
        assert len(delivered) == stats["delivered"]
        links = api("getVisitedLinks", campaign_id=cid)
        assert links["fields"] == ["email", "url", "request_time", "ip"]
        assert len(links["data"]) == stats["clicked_all"]
        assert len({row[0] for row in links["data"]}) == stats["clicked_unique"]
        grouped = api("getVisitedLinks", campaign_id=cid, group=1)
        assert sum(row[4] for row in grouped["data"]) == stats["clicked_all"]
        if step == 7:
            assert stats["sent"] == stats["total"] == 200
            assert 0 < stats["clicked_unique"] < stats["read_unique"] < stats["delivered"] < 200
    unsubscribed = [
        r["email"] for r in delivery_rows(api, http, cid) if r["send_result"] == "ok_unsubscribed"
    ]
    for email in unsubscribed:
        lists = api("getContact", email=email, include_lists=1)["lists"]
        assert lists[0]["status"] == "unsubscribed"


def test_changed_since_filters_delivery_rows(
    api: Api, emulator: Emulator, http: httpx.Client
) -> None:
    mid = prepare(api, 30)
    cid = api("createCampaign", message_id=mid, track_read=1, track_links=1)["campaign_id"]
    emulator.advance(hours=4)
    everything = delivery_rows(api, http, cid)
    later = delivery_rows(api, http, cid, changed_since="2025-01-06 09:30:00")
    assert 0 < len(later) < len(everything)
    assert all(r["last_update"] >= "2025-01-06 09:30:00" for r in later)


def test_without_tracking_no_reads_or_clicks(api: Api, emulator: Emulator) -> None:
    mid = prepare(api, 50)
    cid = api("createCampaign", message_id=mid)["campaign_id"]
    emulator.advance(hours=4)
    stats = api("getCampaignCommonStats", campaign_id=cid)
    assert stats["delivered"] > 0
    assert (stats["read_unique"], stats["clicked_all"]) == (0, 0)
    assert api("getVisitedLinks", campaign_id=cid)["data"] == []


def test_forced_outcomes(api: Api, emulator: Emulator) -> None:
    data = [["x+bounce@example.org", "100001"], ["y+click@example.org", "100001"]]
    api("importContacts", field_names=["email", "email_list_ids"], data=data)
    mid = api(
        "createEmailMessage",
        sender_name="Shop",
        sender_email="news@example.com",
        subject="S",
        body=BODY,
        list_id=100001,
    )["message_id"]
    cid = api("createCampaign", message_id=mid, track_read=1, track_links=1)["campaign_id"]
    emulator.advance(hours=4)
    stats = api("getCampaignCommonStats", campaign_id=cid)
    assert (stats["delivered"], stats["clicked_unique"]) == (1, 1)
    assert api("getContact", email="x+bounce@example.org")["email"]["availability"] == "unreachable"
    agg = api("getCampaignAggregateStats", campaign_id=cid)
    assert agg == {"total": 2, "data": {"err_user_unknown": 1, "ok_link_visited": 1}}


def test_the_export_carries_what_a_campaign_did_to_each_address(
    api: Api, emulator: Emulator, http: httpx.Client
) -> None:
    """A hard bounce, an unsubscription and a spam complaint show in exportContacts' status
    columns, which is what a reconciliation reads when a webhook was missed."""
    emails = [
        "u+unsub@example.org",
        "b+bounce@example.org",
        "s+spam@example.org",
        "r+read@example.org",
    ]
    api(
        "importContacts",
        field_names=["email", "email_list_ids"],
        data=[[email, "100001"] for email in emails],
    )
    mid = api(
        "createEmailMessage",
        sender_name="Shop",
        sender_email="news@example.com",
        subject="S",
        body=BODY,
        list_id=100001,
    )["message_id"]
    api("createCampaign", message_id=mid, track_read=1, track_links=1)
    emulator.advance(days=1)
    fields = ["email", "email_availability", "email_list_ids", "email_unsubscribed_list_ids"]
    task = api("async/exportContacts", list_id=100001, field_names=fields)
    result = api("async/getTaskResult", task_uuid=task["task_uuid"])
    rows = {
        r["email"]: r
        for r in csv.DictReader(io.StringIO(http.get(result["file_to_download"]).text))
    }
    assert rows["u+unsub@example.org"]["email_unsubscribed_list_ids"] == "100001"
    assert rows["u+unsub@example.org"]["email_list_ids"] == ""
    assert rows["b+bounce@example.org"]["email_availability"] == "unreachable"
    assert rows["s+spam@example.org"]["email_availability"] == "spam_folder"
    assert rows["s+spam@example.org"]["email_list_ids"] == "100001"
    assert rows["r+read@example.org"]["email_availability"] == "available"


@pytest.mark.parametrize("single", [0, 1])
def test_webhooks_agree_with_stats(single: int) -> None:
    received: list[tuple[str, bytes]] = []

    def sender(url: str, body: bytes, headers: dict[str, str]) -> int:
        received.append((url, body))
        return 200

    emu = Emulator(seed=3, webhook_sender=sender)
    emu.seed_account(KEY)
    with httpx.Client(
        transport=httpx.MockTransport(as_httpx_handler(emu)), base_url="https://api.selzy.com"
    ) as http:
        api = Api(http)
        api(
            "setHook",
            hook_url="https://crm.example/hook",
            events=["email_status", "campaign_status"],
            single_event=single,
            event_format="json_post",
        )
        assert api("listHooks")[0]["hook_url"] == "https://crm.example/hook"
        mid = prepare(api, 60)
        cid = api("createCampaign", message_id=mid, track_read=1, track_links=1)["campaign_id"]
        emu.advance(hours=4)
        stats = api("getCampaignCommonStats", campaign_id=cid)
    events: list[dict[str, Any]] = []
    for _url, body in received:
        assert verify_webhook(body, KEY)
        assert not verify_webhook(body, "wrong-key")
        payload = json.loads(body)
        if single:
            events.append({"event_name": payload["event_name"], "event_data": payload})
        else:
            events += payload["events_by_user"][0]["events"]
    email_events = [e["event_data"] for e in events if e["event_name"] == "email_status"]
    delivered = {e["email"] for e in email_events if e["status"] == "ok_delivered"}
    clicked = {e["email"] for e in email_events if e["status"] == "ok_link_visited"}
    assert len(delivered) == stats["delivered"]
    assert len(clicked) == stats["clicked_unique"]
    statuses = [e["event_data"]["status"] for e in events if e["event_name"] == "campaign_status"]
    assert statuses == ["waits_schedule", "in_progress", "analysed", "completed"]
    log = emu.webhook_log()
    assert all(entry["status"] == 200 for entry in log)


def test_failed_webhooks_are_retried_then_stopped() -> None:
    def refuse(url: str, body: bytes, headers: dict[str, str]) -> int:
        raise ConnectionRefusedError("no listener")

    emu = Emulator(webhook_sender=refuse)
    emu.seed_account(KEY)
    with httpx.Client(
        transport=httpx.MockTransport(as_httpx_handler(emu)), base_url="https://api.selzy.com"
    ) as http:
        api = Api(http)
        api("setHook", hook_url="https://crm.example/hook", events={"subscribe": "*"})
        api(
            "updateOptInEmail",
            list_id=100001,
            sender_name="Shop",
            sender_email="news@example.com",
            subject="Confirm",
            body='<a href="{{ConfirmUrl}}">Yes</a>',
        )
        api("subscribe", list_ids="100001", fields={"email": "new@example.org"}, double_optin=0)
        (invite,) = emu.outbox("new@example.org")
        assert invite.kind == "optin"
        emu.confirm(invite.links[0][1])
        assert api("isContactInLists", email="new@example.org", list_ids="100001", condition="and")
        for _ in range(150):
            emu.advance(minutes=10)
        hooks = api("listHooks")
    attempts = [e for e in emu.webhook_log() if e["url"] == "https://crm.example/hook"]
    assert attempts[0]["retry_count"] == 0
    assert attempts[1]["retry_count"] == 1
    assert json.loads(attempts[1]["body"])["retry_count"] == 1
    assert hooks[0]["status"] == "stopped"
