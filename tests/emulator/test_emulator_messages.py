"""Senders, messages, attachments, versions, test emails and the outbox."""

from __future__ import annotations

import httpx
from emuwire import Api

from selzy.emulator import Emulator
from selzy.protocol import MAX_ATTACHMENT_BYTES

MESSAGE = {
    "sender_name": "Shop",
    "sender_email": "news@example.com",
    "subject": "Hello {{Name}}",
    "body": '<p>Hi</p><a href="https://shop.example/sale">Sale</a>',
    "list_id": 100001,
}


def test_validate_sender_and_follow_the_link(
    api: Api, emulator: Emulator, http: httpx.Client
) -> None:
    login = api("getUserInfo")["login"]
    assert api("validateSender", email="sales@mycompany.example") == {
        "message": "Confirmation letter was sent"
    }
    checked = api("getCheckedEmail", login=login, email="sales@mycompany.example")
    assert checked == [{"email": "sales@mycompany.example", "name": "", "is_checked": False}]
    err = api.error("createEmailMessage", **{**MESSAGE, "sender_email": "sales@mycompany.example"})
    assert err["code"] == "invalid_arg"
    assert "not a confirmed sender" in err["error"]
    (letter,) = emulator.outbox("sales@mycompany.example")
    assert letter.kind == "sender_confirmation"
    page = http.get(letter.links[0][1])
    assert page.status_code == 200
    assert "confirmed" in page.text
    assert api("getCheckedEmail", login=login)[1]["is_checked"] is True
    assert "message_id" in api(
        "createEmailMessage", **{**MESSAGE, "sender_email": "sales@mycompany.example"}
    )


def test_dmarc_domains_cannot_be_senders(api: Api) -> None:
    err = api.error("validateSender", email="someone@gmail.com")
    assert err["code"] == "invalid_arg"
    assert err["error"].startswith("SZ151225-04")


def test_get_checked_email_needs_login(api: Api) -> None:
    assert api.error("getCheckedEmail")["code"] == "invalid_arg"


def test_sender_name_must_not_be_an_address(api: Api) -> None:
    assert (
        api.error("createEmailMessage", **{**MESSAGE, "sender_name": "a@b.c"})["code"]
        == "invalid_arg"
    )


def test_unknown_list_is_invalid_arg(api: Api) -> None:
    assert api.error("createEmailMessage", **{**MESSAGE, "list_id": 5})["code"] == "invalid_arg"


def test_attachments_are_raw_bytes_up_to_500_kb_each(api: Api, http: httpx.Client) -> None:
    ok = bytes(range(256)) * (MAX_ATTACHMENT_BYTES // 256)
    mid = api("createEmailMessage", **MESSAGE, attachments={"ok.bin": ok, "b.txt": b"x"})[
        "message_id"
    ]
    (msg,) = api("getMessage", id=mid)
    assert msg["id"] == str(mid)
    assert [(a["name"], a["size"]) for a in msg["attachments"]] == [
        ("ok.bin", len(ok)),
        ("b.txt", 1),
    ]
    assert http.get(msg["attachments"][0]["url"]).content == ok
    err = api.error("createEmailMessage", **MESSAGE, attachments={"big.pdf": ok + b"!"})
    assert err["code"] == "invalid_arg"
    assert "attachments[big.pdf]" in err["error"]
    assert "500 KB" in err["error"]


def test_send_test_email_delivers_to_the_outbox(
    api: Api, emulator: Emulator, http: httpx.Client
) -> None:
    mid = api("createEmailMessage", **MESSAGE, attachments={"a.txt": b"abc"})["message_id"]
    res = api("sendTestEmail", id=mid, email="me@example.org,you@example.org")
    assert res == {"me@example.org": {"success": True}, "you@example.org": {"success": True}}
    letters = emulator.outbox("you@example.org")
    assert [x.kind for x in letters] == ["test"]
    assert letters[0].attachments == [("a.txt", 3)]
    page = http.get("/_emulator/outbox").text
    assert "you@example.org" in page
    too_many = ",".join(f"t{i}@example.org" for i in range(11))
    assert api.error("sendTestEmail", id=mid, email=too_many)["code"] == "invalid_arg"


def test_versions_after_a_campaign(api: Api) -> None:
    mid = api("createEmailMessage", **MESSAGE)["message_id"]
    assert api("updateEmailMessage", id=mid, subject="Edited") == {"message_id": mid}
    api("createCampaign", message_id=mid)
    new = api("updateEmailMessage", id=mid, subject="After send")["message_id"]
    assert new != mid
    assert api("getActualMessageVersion", message_id=mid) == {
        "message_id": mid,
        "actual_version_id": new,
    }
    err = api.error("createCampaign", message_id=mid, start_time="2025-01-07 10:00")
    assert err["error"] == f"Unable to create campaign. The letter has a new version ({new})"


def test_templates_feed_messages(api: Api) -> None:
    tid = api("createEmailTemplate", title="T", subject="From template", body="<p>T</p>")[
        "template_id"
    ]
    assert api("getTemplate", template_id=tid)["id"] == str(tid)
    mid = api(
        "createEmailMessage",
        sender_name="Shop",
        sender_email="news@example.com",
        list_id=100001,
        template_id=tid,
    )["message_id"]
    assert api("getMessage", id=mid)[0]["subject"] == "From template"
    assert [t["title"] for t in api("listTemplates")] == ["T"]
    assert "body" not in api("listTemplates")[0]


def test_list_and_get_messages(api: Api) -> None:
    mid = api("createEmailMessage", **MESSAGE)["message_id"]
    items = api("getMessages", date_from="2025-01-01 00:00", date_to="2025-12-31 00:00")
    assert [m["id"] for m in items] == [mid]
    assert items[0]["body"] == MESSAGE["body"]
    listed = api("listMessages", date_from="2025-01-01 00:00:00", date_to="2025-12-31 00:00:00")
    assert "body" not in listed[0]
    assert api("deleteMessage", message_id=mid) == []
    assert api.error("getMessage", id=mid)["code"] == "unspecified"


def test_send_email_and_check_email(api: Api, emulator: Emulator) -> None:
    eid = api(
        "sendEmail",
        email="Mary <mary@example.org>",
        sender_name="Shop",
        sender_email="news@example.com",
        subject="Receipt",
        body="<p>Thanks</p>",
        list_id=100001,
    )["email_id"]
    assert api("checkEmail", email_id=eid) == {
        "statuses": [{"id": eid, "status": "ok_sent"}],
        "status": "ok_sent",
    }
    emulator.advance(10)
    assert api("checkEmail", email_id=eid)["status"] == "ok_delivered"
    assert emulator.outbox("Mary <mary@example.org>")[0].subject == "Receipt"


def test_sms(api: Api) -> None:
    one = api("sendSms", phone="+79261234567", sender="Shop", text="Hi")
    assert one["currency"] == "USD"
    many = api("sendSms", phone="+79261234567,+79261234568", sender="Shop", text="Hi")
    assert isinstance(many, list)
    assert api("checkSms", sms_id=one["sms_id"]) == {"status": "ok_delivered"}
    assert api.error("sendSms", phone="12", sender="Shop", text="Hi")["code"] == "dest_invalid"
    assert (
        api.error("sendSms", phone="+79261234567", sender="x", text="Hi")["code"] == "src_invalid"
    )
