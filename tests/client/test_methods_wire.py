"""Wire tests of the message, template, campaign and account methods.

Each test drives a real client over ``httpx.MockTransport`` and checks the exact form fields the
server receives (method path, brackets, comma lists, 1/0 booleans) and the typed result the client
builds from a realistic answer (the examples of REFERENCE.md §5).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

import selzy
from selzy.protocol import (
    MAX_ATTACHMENT_BYTES,
    MAX_SEND_EMAIL_BYTES,
    MAX_TEST_EMAIL_RECIPIENTS,
    METHODS,
)
from selzy.types import (
    Campaign,
    CampaignCommonStats,
    CampaignStatus,
    Message,
    ResultList,
    SmsSent,
    TaskResult,
)

KEY = "k" * 32
COMMON = {"api_key", "platform"}
UTC = dt.UTC


class Recorder:
    """A fake server: answers with the queued envelopes in order (the last one repeats)."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers) or [{"result": []}]
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, bytes):
            return httpx.Response(200, content=answer)
        return httpx.Response(200, content=json.dumps(answer).encode())

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        return self(request)

    def form(self, index: int = -1) -> list[tuple[str, str]]:
        return parse_qsl(self.requests[index].content.decode(), keep_blank_values=True)

    def fields(self, index: int = -1) -> dict[str, str]:
        """The call's own fields: everything but api_key and platform (checked elsewhere)."""
        form = self.form(index)
        assert len({k for k, _ in form}) == len(form), "a field was sent twice"
        return {k: v for k, v in form if k not in COMMON}

    def rpc(self, index: int = -1) -> str:
        return self.requests[index].url.path.split("/api/", 1)[1]


def ok(result: Any, **extra: Any) -> dict[str, Any]:
    return {"result": result, **extra}


def sync_client(rec: Recorder, api_key: str | None = KEY, **options: Any) -> selzy.Selzy:
    return selzy.Selzy(api_key, platform="TestSuite", transport=httpx.MockTransport(rec), **options)


def async_client(rec: Recorder, api_key: str | None = KEY, **options: Any) -> selzy.AsyncSelzy:
    return selzy.AsyncSelzy(
        api_key,
        platform="TestSuite",
        transport=httpx.MockTransport(rec.handle_async),
        **options,
    )


class FakeClock:
    """Time that moves only when the client sleeps."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return 1_700_000_000.0 + self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


@pytest.fixture
def rec() -> Recorder:
    return Recorder()


@pytest.fixture
def client(rec: Recorder) -> Iterator[selzy.Selzy]:
    with sync_client(rec) as c:
        yield c


def answer(rec: Recorder, *answers: Any) -> None:
    rec.answers = list(answers)


# --------------------------------------------------------------------------------------------
# Coverage: every catalogue method has a typed method whose docstring names it.


def test_every_catalogue_method_has_a_typed_method() -> None:
    documented = {}
    for name in dir(selzy.Selzy):
        member = getattr(selzy.Selzy, name)
        if name.startswith("_") or not callable(member) or not member.__doc__:
            continue
        head = member.__doc__.split(":", 1)[0].split(" (", 1)[0]
        documented[head] = name
    missing = sorted(set(METHODS) - set(documented))
    assert missing == []
    assert documented["async/getCampaignDeliveryStats"] == "get_campaign_delivery_stats"
    assert documented["async/getTaskResult"] == "get_task_result"
    assert documented["createCampaign"] == "create_campaign"


# --------------------------------------------------------------------------------------------
# Messages (§5.4)


def test_create_email_message_sends_every_argument(client: selzy.Selzy, rec: Recorder) -> None:
    answer(
        rec,
        ok(
            {"message_id": "356238"},
            warnings=[{"warning": "text_body given, generate_text ignored"}],
        ),
    )
    created = client.create_email_message(
        sender_name="Shop Team",
        sender_email="news@shop.example",
        subject="Hello {{Name}}",
        body="<p>Hi</p>",
        list_id=910533,
        text_body="Hi",
        generate_text=True,
        raw_body='{"blocks": []}',
        message_format="block",
        tag="vip",
        attachments={"b.pdf": b"%PDF", "a.txt": b"plain"},
        lang="en",
        wrap_type="center",
        categories=["news", "promo"],
    )
    assert rec.rpc() == "createEmailMessage"
    assert rec.requests[-1].method == "POST"
    assert rec.fields() == {
        "sender_name": "Shop Team",
        "sender_email": "news@shop.example",
        "subject": "Hello {{Name}}",
        "body": "<p>Hi</p>",
        "list_id": "910533",
        "text_body": "Hi",
        "generate_text": "1",
        "raw_body": '{"blocks": []}',
        "message_format": "block",
        "tag": "vip",
        "attachments[b.pdf]": "%PDF",
        "attachments[a.txt]": "plain",
        "lang": "en",
        "wrap_type": "center",
        "categories": "news,promo",
    }
    assert created.message_id == 356238
    assert created.warnings == ("text_body given, generate_text ignored",)


def test_create_email_message_with_a_template(client: selzy.Selzy, rec: Recorder) -> None:
    answer(rec, ok({"message_id": 7}))
    client.create_email_message(
        sender_name="Shop", sender_email="n@shop.example", list_id=1, template_id=943434
    )
    assert rec.fields() == {
        "sender_name": "Shop",
        "sender_email": "n@shop.example",
        "list_id": "1",
        "template_id": "943434",
    }
    with pytest.raises(selzy.ClientValidationError, match="not both"):
        client.create_email_message(
            sender_name="Shop",
            sender_email="n@shop.example",
            list_id=1,
            template_id=1,
            system_template_id=2,
        )
    with pytest.raises(selzy.ClientValidationError, match="subject and body"):
        client.create_email_message(sender_name="Shop", sender_email="n@shop.example", list_id=1)
    assert len(rec.requests) == 1


def test_attachments_are_raw_bytes_in_the_callers_order(client: selzy.Selzy, rec: Recorder) -> None:
    answer(rec, ok({"message_id": 1}))
    binary = bytes(range(256)) * 3
    files = {"z-last.bin": binary, "1_logo.jpg": b"\xff\xd8\xff\xe0JFIF", "report.pdf": b"a=b&c"}
    client.create_email_message(
        sender_name="Shop",
        sender_email="n@shop.example",
        subject="s",
        body='<img src="2_logo.jpg">',
        list_id=1,
        attachments=files,
    )
    # latin-1 maps each percent-decoded byte to one character, so the bytes come back exactly.
    raw = parse_qsl(rec.requests[-1].content.decode(), keep_blank_values=True, encoding="latin-1")
    sent = [(k, v.encode("latin-1")) for k, v in raw if k.startswith("attachments")]
    assert sent == [(f"attachments[{name}]", content) for name, content in files.items()]
    assert b"base64" not in rec.requests[-1].content


@pytest.mark.parametrize("method", ["create_email_message", "send_email"])
def test_attachment_size_limit_is_checked_before_sending(
    client: selzy.Selzy, rec: Recorder, method: str
) -> None:
    answer(rec, ok({"message_id": 1, "email_id": "1"}))
    call = getattr(client, method)
    base: dict[str, Any] = {
        "sender_name": "Shop",
        "sender_email": "n@shop.example",
        "subject": "s",
        "body": "b",
        "list_id": 1,
    }
    if method == "send_email":
        base["email"] = "ann@example.com"

    assert MAX_ATTACHMENT_BYTES == 512_000
    call(**base, attachments={"exact.bin": b"x" * 512_000})
    assert len(rec.requests) == 1
    assert ("attachments[exact.bin]", "x" * 512_000) in rec.form()

    with pytest.raises(selzy.AttachmentTooLargeError) as info:
        call(**base, attachments={"ok.txt": b"x", "big.bin": b"x" * 512_001})
    assert (info.value.filename, info.value.size, info.value.limit) == (
        "big.bin",
        512_001,
        512_000,
    )
    assert isinstance(info.value, selzy.ClientValidationError)

    with pytest.raises(selzy.AttachmentTooLargeError, match="600 KB"):
        call(**base, attachments={"photo.jpg": b"x" * (600 * 1024)})
    assert len(rec.requests) == 1


def test_oversized_attachment_means_the_handler_is_never_called() -> None:
    called: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        called.append(request)
        return httpx.Response(200, json={"result": {"message_id": 1}})

    transport = httpx.MockTransport(handler)
    with (
        selzy.Selzy(KEY, platform="TestSuite", transport=transport) as c,
        pytest.raises(selzy.AttachmentTooLargeError),
    ):
        c.create_email_message(
            sender_name="Shop",
            sender_email="n@shop.example",
            subject="s",
            body="b",
            list_id=1,
            attachments={"photo.jpg": b"\0" * (600 * 1024)},
        )
    assert called == []


def test_attachment_values_must_be_bytes(client: selzy.Selzy, rec: Recorder) -> None:
    bad: Any = {"a.txt": "SGVsbG8="}  # base64 text, the classic mistake
    with pytest.raises(selzy.ClientValidationError, match="must be bytes"):
        client.create_email_message(
            sender_name="Shop",
            sender_email="n@shop.example",
            subject="s",
            body="b",
            list_id=1,
            attachments=bad,
        )
    assert rec.requests == []


def test_total_message_size_limits(client: selzy.Selzy, rec: Recorder) -> None:
    many = {f"{i}.bin": b"x" * 500_000 for i in range(17)}  # 8.5 MB, each file within limits
    with pytest.raises(selzy.ClientValidationError, match="createEmailMessage"):
        client.create_email_message(
            sender_name="Shop",
            sender_email="n@shop.example",
            subject="s",
            body="b",
            list_id=1,
            attachments=many,
        )
    three = {f"{i}.bin": b"x" * 400_000 for i in range(3)}  # 1.2 MB > sendEmail's 1 MB
    assert sum(map(len, three.values())) > MAX_SEND_EMAIL_BYTES
    with pytest.raises(selzy.ClientValidationError, match="sendEmail"):
        client.send_email(
            email="ann@example.com",
            sender_name="Shop",
            sender_email="n@shop.example",
            subject="s",
            body="b",
            list_id=1,
            attachments=three,
        )
    assert rec.requests == []


def test_sender_name_must_not_be_an_address(client: selzy.Selzy, rec: Recorder) -> None:
    with pytest.raises(selzy.ClientValidationError, match="sender_name"):
        client.create_email_message(
            sender_name="news@shop.example",
            sender_email="news@shop.example",
            subject="s",
            body="b",
            list_id=1,
        )
    with pytest.raises(selzy.ClientValidationError, match="sender_name"):
        client.send_email(
            email="a@example.com",
            sender_name=" news@shop.example ",
            sender_email="news@shop.example",
            subject="s",
            body="b",
            list_id=1,
        )
    assert rec.requests == []


def test_update_email_message_returns_the_possibly_new_id(
    client: selzy.Selzy, rec: Recorder
) -> None:
    answer(rec, ok({"message_id": 3771300}))
    updated = client.update_email_message(id=3771225, subject="New", categories="a,b")
    assert rec.rpc() == "updateEmailMessage"
    assert rec.fields() == {"id": "3771225", "subject": "New", "categories": "a,b"}
    assert updated.message_id == 3771300
    answer(rec, ok([]))
    assert client.update_email_message(id=1, body="x").message_id is None


def test_get_actual_message_version(client: selzy.Selzy, rec: Recorder) -> None:
    answer(rec, ok({"message_id": 123, "actual_version_id": 456}))
    version = client.get_actual_message_version(message_id=123)
    assert rec.fields() == {"message_id": "123"}
    assert (version.message_id, version.actual_version_id) == (123, 456)


GET_MESSAGE_ANSWER = ok(
    [
        {
            "id": "3771225",
            "sub_user_login": None,
            "list_id": "910533",
            "created": "2020-01-15 10:00:00",
            "last_update": "2020-01-16 11:30:00",
            "service_type": "email",
            "lang_code": "en",
            "active_version_id": "3771225",
            "message_format": "raw_html",
            "wrap_type": "skip",
            "images_behavior": "only_links",
            "sender_email": "news@shop.example",
            "sender_name": "Shop",
            "subject": "Hello",
            "text_body": "Hi",
            "body": "<p>Hi</p>",
        }
    ]
)


def test_get_message_coerces_string_ids(client: selzy.Selzy, rec: Recorder) -> None:
    answer(rec, GET_MESSAGE_ANSWER)
    messages = client.get_message(id=3771225)
    assert rec.fields() == {"id": "3771225"}
    assert isinstance(messages, ResultList)
    (message,) = messages
    assert isinstance(message, Message)
    assert (message.id, message.list_id, message.active_version_id) == (3771225, 910533, 3771225)
    assert message.created == dt.datetime(2020, 1, 15, 10, 0, tzinfo=UTC)
    assert message.last_update == dt.datetime(2020, 1, 16, 11, 30, tzinfo=UTC)
    assert message.sub_user_login is None
    assert message.images_behavior == "only_links"
    client.get_message(id=[1, 2])
    assert rec.fields() == {"id[0]": "1", "id[1]": "2"}


def test_get_messages_dates_and_attachments(client: selzy.Selzy, rec: Recorder) -> None:
    answer(
        rec,
        ok(
            [
                {
                    "id": 422231232,
                    "sub_user_login": "",
                    "list_id": 12345,
                    "segment_id": None,
                    "created": "2021-03-01 08:00:00",
                    "updated": "2021-03-02 08:00:00",
                    "service_type": "email",
                    "active_version_id": 422231232,
                    "lang_code": "en",
                    "sender_email": "n@shop.example",
                    "sender_name": "Shop",
                    "subject": "Spring",
                    "body": "<p>Spring</p>",
                    "message_format": "raw_html",
                    "attachments": [
                        {"isInline": True, "name": "1_logo.png", "size": "2048", "url": "https://x"}
                    ],
                },
                {"id": 422231233, "service_type": "sms", "sms_from": "Shop", "attachments": []},
            ]
        ),
    )
    kyiv = dt.timezone(dt.timedelta(hours=2))
    messages = client.get_messages(
        date_from=dt.datetime(2021, 3, 1, 2, 30, tzinfo=kyiv),
        date_to="2021-03-31 23:59",
        limit=100,
        offset=100,
    )
    assert rec.rpc() == "getMessages"
    assert rec.fields() == {
        "date_from": "2021-03-01 00:30",
        "date_to": "2021-03-31 23:59",
        "limit": "100",
        "offset": "100",
    }
    email, sms = messages
    (attachment,) = email.attachments
    assert (attachment.name, attachment.size, attachment.is_inline) == ("1_logo.png", 2048, True)
    assert email.updated == dt.datetime(2021, 3, 2, 8, 0, tzinfo=UTC)
    assert sms.sms_from == "Shop"
    assert sms.attachments == ()
    with pytest.raises(selzy.ClientValidationError, match="limit"):
        client.get_messages(date_from="a", date_to="b", limit=101)
    assert len(rec.requests) == 1


def test_list_messages_dates_keep_seconds(client: selzy.Selzy, rec: Recorder) -> None:
    answer(rec, ok([{"id": 422231232, "login": "ALogin", "sub_user_login": "", "list_id": 12345}]))
    (message,) = client.list_messages(
        date_from=dt.datetime(2021, 3, 1, 0, 0, 5, tzinfo=UTC), date_to="2021-04-01 00:00:00"
    )
    assert rec.fields() == {"date_from": "2021-03-01 00:00:05", "date_to": "2021-04-01 00:00:00"}
    assert (message.login, message.list_id, message.body) == ("ALogin", 12345, None)


def test_create_sms_message(client: selzy.Selzy, rec: Recorder) -> None:
    answer(rec, ok({"message_id": 356238}))
    created = client.create_sms_message(
        sender="Shop", body="Sale {{Name}}", list_id=5, tag="vip", categories=["a", "b"]
    )
    assert rec.fields() == {
        "sender": "Shop",
        "body": "Sale {{Name}}",
        "list_id": "5",
        "tag": "vip",
        "categories": "a,b",
    }
    assert created.message_id == 356238


def test_delete_message_and_other_empty_results_return_none(
    client: selzy.Selzy, rec: Recorder
) -> None:
    for empty in (ok([]), ok({}), {}, b""):
        answer(rec, empty)
        assert client.delete_message(message_id=1) is None
        assert client.cancel_campaign(campaign_id=2) is None
        assert client.delete_template(template_id=3) is None
        assert client.update_email_template(template_id=3, title="T") is None
        assert client.remove_hook(hook_url="https://crm.example/hook") is None
        assert client.change_tariff(login="sub1", tariff_id=4) is None
        assert client.update_subscriber_note(id=5, content="x") is None
        assert client.delete_subscriber_note(id=5) is None
    assert [rec.rpc(i) for i in range(8)] == [
        "deleteMessage",
        "cancelCampaign",
        "deleteTemplate",
        "updateEmailTemplate",
        "removeHook",
        "changeTariff",
        "updateSubscriberNote",
        "deleteSubscriberNote",
    ]
    assert rec.fields(0) == {"message_id": "1"}
    assert rec.fields(1) == {"campaign_id": "2"}
    assert rec.fields(4) == {"hook_url": "https://crm.example/hook"}


def test_send_email_sends_every_argument(client: selzy.Selzy, rec: Recorder) -> None:
    answer(rec, ok({"email_id": 11411542313}))
    sent = client.send_email(
        email="Mary Smith <mary@example.com>",
        sender_name="Shop",
        sender_email="n@shop.example",
        subject="Your order",
        body="<p>Thanks</p>",
        list_id=3,
        attachments={"invoice.pdf": b"%PDF-1.4"},
        lang="de",
        track_read=True,
        track_links=False,
        cc="audit@shop.example",
        headers={"Reply-To": "help@shop.example"},
        wrap_type="left",
        images_as="only_links",
        error_checking=True,
        metadata={"order": "A-17"},
        ref_key="order-A-17",
    )
    assert rec.rpc() == "sendEmail"
    assert rec.fields() == {
        "email": "Mary Smith <mary@example.com>",
        "sender_name": "Shop",
        "sender_email": "n@shop.example",
        "subject": "Your order",
        "body": "<p>Thanks</p>",
        "list_id": "3",
        "attachments[invoice.pdf]": "%PDF-1.4",
        "lang": "de",
        "track_read": "1",
        "track_links": "0",
        "cc": "audit@shop.example",
        "headers[Reply-To]": "help@shop.example",
        "wrap_type": "left",
        "images_as": "only_links",
        "error_checking": "1",
        "metadata[order]": "A-17",
        "ref_key": "order-A-17",
    }
    assert sent.email_id == "11411542313"


def test_check_email_joins_ids_and_reads_the_extra_status(
    client: selzy.Selzy, rec: Recorder
) -> None:
    answer(
        rec,
        ok({"statuses": [{"id": 11411542313, "status": "ok_delivered"}], "status": "ok_delivered"}),
    )
    one = client.check_email(email_id=11411542313)
    assert rec.fields() == {"email_id": "11411542313"}
    assert one.status == "ok_delivered"
    assert one.by_id() == {"11411542313": "ok_delivered"}

    answer(
        rec,
        ok(
            {
                "statuses": [
                    {"id": "1", "status": "ok_read"},
                    {"id": "2", "status": "err_user_unknown"},
                ]
            }
        ),
    )
    two = client.check_email(email_id=[1, "2"])
    assert rec.fields() == {"email_id": "1,2"}
    assert two.status is None
    assert [s.failed for s in two.statuses] == [False, True]

    with pytest.raises(selzy.ClientValidationError, match="500"):
        client.check_email(email_id=range(501))
    assert len(rec.requests) == 2


def test_send_sms_is_always_a_list(client: selzy.Selzy, rec: Recorder) -> None:
    answer(rec, ok({"currency": "USD", "price": 0.05, "sms_id": "2376678.79092020303"}))
    single = client.send_sms(phone="+380501234567", sender="Shop", text="Sale today")
    assert rec.fields() == {"phone": "+380501234567", "sender": "Shop", "text": "Sale today"}
    assert isinstance(single, ResultList)
    assert single == [SmsSent(sms_id="2376678.79092020303", currency="USD", price=0.05)]

    answer(
        rec,
        ok(
            [
                {"currency": "USD", "price": "0.05", "sms_id": 1},
                {"currency": "USD", "price": 0.06, "sms_id": 2},
            ]
        ),
    )
    several = client.send_sms(phone=["+380501234567", "380671234567"], sender="Shop", text="Hi")
    assert rec.fields()["phone"] == "+380501234567,380671234567"
    assert [(s.sms_id, s.price) for s in several] == [("1", 0.05), ("2", 0.06)]

    with pytest.raises(selzy.ClientValidationError, match="150"):
        client.send_sms(phone=[str(i) for i in range(151)], sender="Shop", text="Hi")
    with pytest.raises(selzy.ClientValidationError, match="1000"):
        client.send_sms(phone="1", sender="Shop", text="x" * 1001)
    assert len(rec.requests) == 2


def test_check_sms(client: selzy.Selzy, rec: Recorder) -> None:
    answer(rec, ok({"status": "ok_delivered"}))
    assert client.check_sms(sms_id="2376678.79092020303").status == "ok_delivered"
    assert rec.fields() == {"sms_id": "2376678.79092020303"}


def test_send_test_email_joins_recipients_and_reads_the_map(
    client: selzy.Selzy, rec: Recorder
) -> None:
    answer(rec, ok({"ann@example.com": {"success": True}, "bob@example.com": {"success": False}}))
    result = client.send_test_email(id=356238, email=["ann@example.com", " bob@example.com"])
    assert rec.rpc() == "sendTestEmail"
    assert rec.fields() == {"id": "356238", "email": "ann@example.com,bob@example.com"}
    assert result.recipients == {"ann@example.com": True, "bob@example.com": False}
    assert not result.all_succeeded

    client.send_test_email(id=1, email="ann@example.com, bob@example.com")
    assert rec.fields()["email"] == "ann@example.com,bob@example.com"


@pytest.mark.parametrize("shape", [[], {}, True, "ok", {"sent": 2}, None])
def test_send_test_email_tolerates_other_answer_shapes(
    client: selzy.Selzy, rec: Recorder, shape: Any
) -> None:
    answer(rec, ok(shape))
    result = client.send_test_email(id=1, email="ann@example.com")
    assert result.recipients == {}
    assert result.extra == (shape if isinstance(shape, dict) else {})


def test_send_test_email_refusals(client: selzy.Selzy, rec: Recorder) -> None:
    ten = [f"user{i}@example.com" for i in range(MAX_TEST_EMAIL_RECIPIENTS)]
    answer(rec, ok({}))
    client.send_test_email(id=1, email=ten)
    assert len(rec.requests) == 1
    with pytest.raises(selzy.ClientValidationError, match="at most 10"):
        client.send_test_email(id=1, email=[*ten, "one.more@example.com"])
    for bad in ("ann", "ann@example", "ann @example.com", "", "ann@example.com,,bob@example.com"):
        with pytest.raises(selzy.ClientValidationError):
            client.send_test_email(id=1, email=bad)
    with pytest.raises(selzy.ClientValidationError):
        client.send_test_email(id=1, email=[])
    assert len(rec.requests) == 1


def test_update_opt_in_email(client: selzy.Selzy, rec: Recorder) -> None:
    answer(rec, ok({}))
    body = '<a href="{{ConfirmUrl}}">Confirm</a>'
    assert (
        client.update_opt_in_email(
            list_id=4,
            sender_name="Shop",
            sender_email="n@shop.example",
            subject="Confirm",
            body=body,
        )
        is None
    )
    assert rec.fields() == {
        "list_id": "4",
        "sender_name": "Shop",
        "sender_email": "n@shop.example",
        "subject": "Confirm",
        "body": body,
    }
    with pytest.raises(selzy.ClientValidationError, match="ConfirmUrl"):
        client.update_opt_in_email(
            list_id=4, sender_name="Shop", sender_email="n@shop.example", subject="C", body="hi"
        )
    assert len(rec.requests) == 1


def test_get_web_version(client: selzy.Selzy, rec: Recorder) -> None:
    answer(rec, ok({"letter_id": "77", "web_letter_link": "https://selzy.example/w/77"}))
    web = client.get_web_version(campaign_id=6626556)
    assert rec.fields() == {"campaign_id": "6626556"}
    assert (web.letter_id, web.web_letter_link) == (77, "https://selzy.example/w/77")


# --------------------------------------------------------------------------------------------
# Templates (§5.5)

TEMPLATE = {
    "id": "10423223",
    "sub_user_login": "",
    "title": "test",
    "description": "A template",
    "lang_code": "en",
    "subject": "test",
    "attachments": "",
    "screenshot_url": "https://example.com/s.png",
    "fullsize_screenshot_url": "",
    "created": "2020-02-23 13:29:51",
    "updated": "2020-04-17 16:31:51",
    "message_format": "raw_html",
    "type": "user",
    "body": "<html>...</html>",
    "raw_body": "",
}


def test_create_and_update_email_template(client: selzy.Selzy, rec: Recorder) -> None:
    answer(rec, ok({"template_id": "943434"}))
    created = client.create_email_template(
        title="Welcome",
        subject="Hi {{Name}}",
        body="<p>Hi</p>",
        lang="it",
        message_format="raw_html",
        text_body="Hi",
        description="first letter",
    )
    assert rec.rpc() == "createEmailTemplate"
    assert rec.fields() == {
        "title": "Welcome",
        "subject": "Hi {{Name}}",
        "body": "<p>Hi</p>",
        "lang": "it",
        "message_format": "raw_html",
        "text_body": "Hi",
        "description": "first letter",
    }
    assert created.template_id == 943434
    answer(rec, ok([]))
    client.update_email_template(template_id=943434, body="<p>New</p>", lang="en")
    assert rec.fields() == {"template_id": "943434", "body": "<p>New</p>", "lang": "en"}


def test_get_template(client: selzy.Selzy, rec: Recorder) -> None:
    answer(rec, ok(TEMPLATE))
    template = client.get_template(template_id=10423223)
    assert rec.fields() == {"template_id": "10423223"}
    assert template.id == 10423223
    assert template.created == dt.datetime(2020, 2, 23, 13, 29, 51, tzinfo=UTC)
    assert template.attachments == ""
    client.get_template(system_template_id=5)
    assert rec.fields() == {"system_template_id": "5"}
    with pytest.raises(selzy.ClientValidationError):
        client.get_template()
    with pytest.raises(selzy.ClientValidationError):
        client.get_template(template_id=1, system_template_id=2)
    assert len(rec.requests) == 2


@pytest.mark.parametrize(
    ("method", "rpc"), [("get_templates", "getTemplates"), ("list_templates", "listTemplates")]
)
def test_get_and_list_templates(client: selzy.Selzy, rec: Recorder, method: str, rpc: str) -> None:
    answer(rec, ok([TEMPLATE, {**TEMPLATE, "id": 2}]))
    templates = getattr(client, method)(
        type="user",
        date_from=dt.datetime(2020, 1, 1, tzinfo=UTC),
        date_to="2020-12-31 23:59:59",
        limit=100,
        offset=0,
    )
    assert rec.rpc() == rpc
    assert rec.fields() == {
        "type": "user",
        "date_from": "2020-01-01 00:00:00",
        "date_to": "2020-12-31 23:59:59",
        "limit": "100",
        "offset": "0",
    }
    assert [t.id for t in templates] == [10423223, 2]
    with pytest.raises(selzy.ClientValidationError):
        getattr(client, method)(limit=0)


# --------------------------------------------------------------------------------------------
# Campaigns and statistics (§5.6, §5.7, §5.9)


def test_create_campaign_as_the_guidelines_ask(client: selzy.Selzy, rec: Recorder) -> None:
    answer(rec, ok({"campaign_id": "6626556", "status": "scheduled", "count": 0}))
    kyiv = dt.timezone(dt.timedelta(hours=3))
    start = (dt.datetime.now(kyiv) + dt.timedelta(days=10)).replace(
        hour=9, minute=15, second=42, microsecond=0
    )
    created = client.create_campaign(
        message_id=356238,
        start_time=start,
        track_read=True,
        track_links=True,
        contacts_url="https://crm.example/segment.txt",
    )
    assert rec.rpc() == "createCampaign"
    assert rec.fields() == {
        "message_id": "356238",
        "start_time": start.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
        "timezone": "UTC",
        "track_read": "1",
        "track_links": "1",
        "contacts_url": "https://crm.example/segment.txt",
    }
    assert rec.fields()["start_time"].endswith(" 06:15")
    assert "time_zone" not in rec.fields()
    assert (created.campaign_id, created.status, created.count) == (6626556, "scheduled", 0)


def test_create_campaign_every_argument(client: selzy.Selzy, rec: Recorder) -> None:
    answer(rec, ok({"campaign_id": 1, "status": "waits_censor", "count": 0}))
    client.create_campaign(
        message_id=1,
        start_time="2030-01-02 03:04",
        timezone="UTC",
        track_read=False,
        track_links=True,
        contacts=["ann@example.com", "bob@example.com"],
        track_ga=True,
        ga_medium="email",
        ga_source="selzy",
        ga_campaign="spring",
        ga_content="top",
        ga_term="shoes",
        payment_limit=12.5,
        payment_currency="USD",
    )
    assert rec.fields() == {
        "message_id": "1",
        "start_time": "2030-01-02 03:04",
        "timezone": "UTC",
        "track_read": "0",
        "track_links": "1",
        "contacts": "ann@example.com,bob@example.com",
        "track_ga": "1",
        "ga_medium": "email",
        "ga_source": "selzy",
        "ga_campaign": "spring",
        "ga_content": "top",
        "ga_term": "shoes",
        "payment_limit": "12.5",
        "payment_currency": "USD",
    }


def test_create_campaign_start_time_forms(client: selzy.Selzy, rec: Recorder) -> None:
    answer(rec, ok({"campaign_id": 1, "status": "scheduled"}))
    naive = (dt.datetime.now() + dt.timedelta(days=1)).replace(second=30, microsecond=5)
    client.create_campaign(message_id=1, start_time=naive)
    # A naive time is the account's local time: sent as is, without a timezone.
    assert rec.fields() == {"message_id": "1", "start_time": naive.strftime("%Y-%m-%d %H:%M")}
    client.create_campaign(message_id=1, start_time=naive, timezone="UTC")
    assert rec.fields()["timezone"] == "UTC"
    client.create_campaign(message_id=1)
    assert rec.fields() == {"message_id": "1"}
    with pytest.raises(selzy.ClientValidationError, match="timezone"):
        client.create_campaign(
            message_id=1,
            start_time=dt.datetime.now(UTC) + dt.timedelta(days=1),
            timezone="Europe/Kyiv",
        )
    assert len(rec.requests) == 3


def test_create_campaign_contacts_xor_contacts_url(client: selzy.Selzy, rec: Recorder) -> None:
    with pytest.raises(selzy.ClientValidationError, match="contacts_url"):
        client.create_campaign(
            message_id=1, contacts="ann@example.com", contacts_url="https://crm.example/c.txt"
        )
    assert rec.requests == []


def test_create_campaign_refuses_more_than_100_days_ahead(
    client: selzy.Selzy, rec: Recorder
) -> None:
    answer(rec, ok({"campaign_id": 1, "status": "scheduled"}))
    now = dt.datetime.now(UTC)
    client.create_campaign(message_id=1, start_time=now + dt.timedelta(days=99, hours=23))
    assert len(rec.requests) == 1
    with pytest.raises(selzy.ClientValidationError, match="100 days"):
        client.create_campaign(message_id=1, start_time=now + dt.timedelta(days=101))
    with pytest.raises(selzy.ClientValidationError, match="100 days"):
        client.create_campaign(
            message_id=1,
            start_time=(now + dt.timedelta(days=100, hours=2)).replace(tzinfo=None),
            timezone="UTC",
        )
    with pytest.raises(selzy.ClientValidationError, match="100 days"):
        client.create_campaign(message_id=1, start_time=dt.datetime(2999, 1, 1))
    assert len(rec.requests) == 1


def test_get_campaigns_sends_from_and_parses(client: selzy.Selzy, rec: Recorder) -> None:
    answer(
        rec,
        ok(
            [
                {
                    "id": 6626556,
                    "start_time": "2015-09-28 10:03:59",
                    "status": "waits_schedule",
                    "message_id": 3769465,
                    "list_id": 32127465,
                    "subject": "Hi",
                    "sender_name": "Shop",
                    "sender_email": "n@shop.example",
                    "stats_url": "https://selzy.example/stats/6626556",
                }
            ]
        ),
    )
    campaigns = client.get_campaigns(
        from_=dt.datetime(2015, 9, 1, tzinfo=UTC), to="2015-10-01 00:00:00", limit=10, offset=0
    )
    assert rec.fields() == {
        "from": "2015-09-01 00:00:00",
        "to": "2015-10-01 00:00:00",
        "limit": "10",
        "offset": "0",
    }
    assert campaigns == [
        Campaign(
            id=6626556,
            start_time=dt.datetime(2015, 9, 28, 10, 3, 59, tzinfo=UTC),
            status="waits_schedule",
            message_id=3769465,
            list_id=32127465,
            subject="Hi",
            sender_name="Shop",
            sender_email="n@shop.example",
            stats_url="https://selzy.example/stats/6626556",
        )
    ]


def test_get_campaign_status(client: selzy.Selzy, rec: Recorder) -> None:
    answer(
        rec,
        ok(
            {
                "status": "completed",
                "creation_time": "2011-09-21 19:47:31",
                "start_time": "2011-09-21 20:00:00",
            }
        ),
    )
    status = client.get_campaign_status(campaign_id=6626556)
    assert rec.rpc() == "getCampaignStatus"
    assert rec.fields() == {"campaign_id": "6626556"}
    assert status == CampaignStatus(
        status="completed",
        creation_time=dt.datetime(2011, 9, 21, 19, 47, 31, tzinfo=UTC),
        start_time=dt.datetime(2011, 9, 21, 20, 0, tzinfo=UTC),
    )
    assert status.creation_time is not None
    assert status.creation_time.tzinfo is UTC
    answer(rec, ok({"status": "declined", "status_comment": "spam words", "start_time": None}))
    declined = client.get_campaign_status(campaign_id=1)
    assert (declined.status_comment, declined.start_time) == ("spam words", None)


def test_get_campaign_common_stats(client: selzy.Selzy, rec: Recorder) -> None:
    answer(
        rec,
        ok(
            {
                "total": 81962,
                "sent": 81962,
                "delivered": 81737,
                "read_unique": 6816,
                "read_all": 8940,
                "clicked_unique": 447,
                "clicked_all": 545,
                "unsubscribed": 184,
                "spam": 86,
            }
        ),
    )
    stats = client.get_campaign_common_stats(campaign_id=6626556)
    assert rec.rpc() == "getCampaignCommonStats"
    assert rec.fields() == {"campaign_id": "6626556"}
    assert stats == CampaignCommonStats(
        total=81962,
        sent=81962,
        delivered=81737,
        read_unique=6816,
        read_all=8940,
        clicked_unique=447,
        clicked_all=545,
        unsubscribed=184,
        spam=86,
    )
    answer(rec, ok({"total": "10", "sent": "9", "new_metric": 1}))
    partial = client.get_campaign_common_stats(campaign_id=1)
    assert (partial.total, partial.sent, partial.delivered, partial.spam) == (10, 9, 0, 0)
    assert partial.extra == {"new_metric": 1}
    answer(rec, ok([]))
    assert client.get_campaign_common_stats(campaign_id=1) == CampaignCommonStats()


def test_get_campaign_delivery_stats_starts_a_task(client: selzy.Selzy, rec: Recorder) -> None:
    answer(rec, ok({"task_uuid": "0e6b5bc9-1e4e-4d3e-9f2f-0a4e2a8f6d51", "status": "new"}))
    task = client.get_campaign_delivery_stats(
        campaign_id=6626556,
        notify_url="https://crm.example/done",
        changed_since=dt.datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        field_ids=[3, 7],
    )
    assert rec.requests[-1].url.path == "/en/api/async/getCampaignDeliveryStats"
    assert rec.fields() == {
        "campaign_id": "6626556",
        "notify_url": "https://crm.example/done",
        "changed_since": "2024-05-01 12:00:00",
        "field_ids[0]": "3",
        "field_ids[1]": "7",
    }
    assert (task.task_uuid, task.status) == ("0e6b5bc9-1e4e-4d3e-9f2f-0a4e2a8f6d51", "new")


def test_get_campaign_aggregate_stats_is_tolerant(client: selzy.Selzy, rec: Recorder) -> None:
    answer(rec, ok({"total": 3, "data": {"ok_delivered": 2, "err_user_unknown": 1}}))
    stats = client.get_campaign_aggregate_stats(campaign_id=9)
    assert rec.fields() == {"campaign_id": "9"}
    assert (stats.total, stats.data) == (3, {"ok_delivered": 2, "err_user_unknown": 1})
    answer(rec, ok({"ok_delivered": 5}))
    other = client.get_campaign_aggregate_stats(campaign_id=9)
    assert (other.total, other.data, other.extra) == (None, {}, {"ok_delivered": 5})
    answer(rec, ok([]))
    assert client.get_campaign_aggregate_stats(campaign_id=9).data == {}


def test_get_visited_links(client: selzy.Selzy, rec: Recorder) -> None:
    answer(
        rec,
        ok(
            {
                "fields": ["email", "url", "request_time", "ip", "count"],
                "data": [
                    [
                        "ann@example.com",
                        "https://shop.example/a",
                        "2024-05-01 10:00:00",
                        "1.2.3.4",
                        2,
                    ]
                ],
            }
        ),
    )
    links = client.get_visited_links(campaign_id=9, group=True)
    assert rec.fields() == {"campaign_id": "9", "group": "1"}
    assert links.rows == [
        {
            "email": "ann@example.com",
            "url": "https://shop.example/a",
            "request_time": "2024-05-01 10:00:00",
            "ip": "1.2.3.4",
            "count": 2,
        }
    ]
    answer(rec, ok([]))
    assert client.get_visited_links(campaign_id=9).rows == []


def test_get_task_result(client: selzy.Selzy, rec: Recorder) -> None:
    answer(
        rec,
        ok(
            {
                "task_uuid": "abc",
                "task_type": "getCampaignDeliveryStats",
                "status": "completed",
                "file_to_download": "https://selzy.example/f/abc.csv",
            }
        ),
    )
    result = client.get_task_result(task_uuid="abc")
    assert rec.requests[-1].url.path == "/en/api/async/getTaskResult"
    assert rec.fields() == {"task_uuid": "abc"}
    assert result == TaskResult(
        task_uuid="abc",
        task_type="getCampaignDeliveryStats",
        status="completed",
        file_to_download="https://selzy.example/f/abc.csv",
    )
    assert result.completed


def _task(status: str, **more: Any) -> dict[str, Any]:
    return ok({"task_uuid": "abc", "status": status, **more})


def test_wait_for_task_polls_on_the_clients_clock() -> None:
    rec = Recorder(
        _task("new"), _task("processing"), _task("completed", file_to_download="https://f")
    )
    clock = FakeClock()
    with sync_client(rec, clock=clock) as client:
        result = client.wait_for_task("abc", poll_interval=7.5)
    assert result.file_to_download == "https://f"
    assert clock.sleeps == [7.5, 7.5]
    assert [rec.rpc(i) for i in range(3)] == ["async/getTaskResult"] * 3


def test_wait_for_task_unknown_status_is_a_failure() -> None:
    rec = Recorder(_task("processing"), _task("expired"))
    with (
        sync_client(rec, clock=FakeClock()) as client,
        pytest.raises(selzy.TaskFailedError) as info,
    ):
        client.wait_for_task("abc")
    assert (info.value.task_uuid, info.value.status) == ("abc", "expired")
    assert isinstance(info.value, selzy.SelzyError)


def test_wait_for_task_times_out() -> None:
    rec = Recorder(_task("processing"))
    clock = FakeClock()
    with (
        sync_client(rec, clock=clock) as client,
        pytest.raises(selzy.TaskTimeoutError, match="abc"),
    ):
        client.wait_for_task("abc", poll_interval=4.0, timeout=10.0)
    assert clock.sleeps == [4.0, 4.0, 2.0]
    assert len(rec.requests) == 4


# --------------------------------------------------------------------------------------------
# Account, senders, resellers, webhooks, notes (§5.8, §5.10, §6)


def test_register_works_without_a_key() -> None:
    rec = Recorder(ok({"api_key": "n3wK3y" * 5, "user_id": "4242"}))
    with sync_client(rec, api_key=None) as keyless:
        registered = keyless.register(
            email="owner@shop.example",
            password="s3cret-pass",
            need_confirm=True,
            notify=True,
            extra={"firstname": "Ann", "channel": "MyCRM"},
            timezone="Europe/Kyiv",
            login="shopowner",
            ip="203.0.113.9",
            api_mode="on",
        )
        with pytest.raises(selzy.ClientValidationError, match="API key"):
            keyless.get_lists()
    form = rec.form()
    assert "api_key" not in dict(form)
    assert ("platform", "TestSuite") in form
    assert rec.rpc() == "register"
    assert rec.fields() == {
        "email": "owner@shop.example",
        "password": "s3cret-pass",
        "need_confirm": "1",
        "notify": "1",
        "extra[firstname]": "Ann",
        "extra[channel]": "MyCRM",
        "timezone": "Europe/Kyiv",
        "login": "shopowner",
        "ip": "203.0.113.9",
        "api_mode": "on",
    }
    assert registered.api_key == "n3wK3y" * 5
    assert registered.user_id == 4242
    assert "n3wK3y" not in repr(registered)
    assert len(rec.requests) == 1


def test_check_user_exists(client: selzy.Selzy, rec: Recorder) -> None:
    answer(rec, ok({"login_exists": 0, "email_exists": 1}))
    exists = client.check_user_exists(email="owner@shop.example")
    assert rec.fields() == {"email": "owner@shop.example"}
    assert (exists.login_exists, exists.email_exists) == (False, True)


USER = {
    "login": "shopowner",
    "email": "owner@shop.example",
    "firstname": "Ann",
    "middlename": "",
    "lastname": "Lee",
    "reg_time": "2020-01-01 10:00:00",
    "phone": "+380501234567",
    "company": "Shop",
    "channel": "",
    "timezone": "UTC",
    "master": "",
    "balance": 18.52,
    "balance_bonus": "0.00",
    "currency": "USD",
    "emails_paid": "15000",
    "emails_used": 120,
    "period_emails_paid": 0,
    "period_emails_used": 0,
    "email_period_start": "2024-05-01 00:00:00",
    "email_period_end": "2024-06-01 00:00:00",
    "tariff_id": 1,
    "next_tariff_id": "",
    "services": [{"id": 3, "tariff": "Lite", "paidUntil": "2024-06-01"}],
    "is_active": 1,
    "reg_ref": "",
    "reg_url": "https://shop.example",
    "api_mode": "on",
    "subscribers_total": 2000,
    "subscribers_used": 1500,
}


def test_get_user_info_and_get_users(client: selzy.Selzy, rec: Recorder) -> None:
    answer(rec, ok(USER))
    user = client.get_user_info(login="shopowner")
    assert rec.fields() == {"login": "shopowner"}
    assert (user.login, user.balance, user.balance_bonus, user.emails_paid) == (
        "shopowner",
        18.52,
        0.0,
        15000,
    )
    assert (user.tariff_id, user.next_tariff_id, user.is_active) == (1, None, True)
    assert user.reg_time == dt.datetime(2020, 1, 1, 10, 0, tzinfo=UTC)
    assert user.services[0].paid_until == "2024-06-01"

    answer(rec, ok([USER]))
    users = client.get_users(
        registered_after=dt.datetime(2024, 1, 1, 12, 30, 59, tzinfo=UTC),
        registered_before="2024-02-01 00:00",
    )
    assert rec.fields() == {
        "registered_after": "2024-01-01 12:30",
        "registered_before": "2024-02-01 00:00",
    }
    assert [u.login for u in users] == ["shopowner"]


def test_reseller_money_and_tariffs(client: selzy.Selzy, rec: Recorder) -> None:
    answer(
        rec,
        ok(
            {
                "source_old_balance": "100.00",
                "source_new_balance": "90.00",
                "source_currency": "USD",
                "target_old_balance": 0,
                "target_new_balance": 10,
                "target_currency": "USD",
            }
        ),
    )
    moved = client.transfer_money(
        source_login="reseller", target_login="sub1", sum=10, currency="USD"
    )
    assert rec.fields() == {
        "source_login": "reseller",
        "target_login": "sub1",
        "sum": "10",
        "currency": "USD",
    }
    assert (moved.source_new_balance, moved.target_new_balance) == (90.0, 10.0)
    with pytest.raises(selzy.ClientValidationError):
        client.transfer_money(source_login="a", target_login="b", sum=0, currency="USD")

    answer(rec, ok([{"id": "5", "sum": "10.00", "comment": "top-up"}]))
    payments = client.get_payments(
        login="sub1", from_="2024-01-01", to="2024-02-01", only_real_deposit=True, ids=[5, 6]
    )
    assert rec.fields() == {
        "from": "2024-01-01",
        "login": "sub1",
        "to": "2024-02-01",
        "only_real_deposit": "1",
        "ids": "5,6",
    }
    assert payments[0].id == 5
    assert payments[0].extra == {"sum": "10.00", "comment": "top-up"}

    answer(rec, ok([{"id": 1, "name": "Lite"}]))
    (tariff,) = client.get_tariffs()
    assert (tariff.id, tariff.extra) == (1, {"name": "Lite"})
    client.change_tariff(login="sub1", tariff_id=2)
    assert rec.fields() == {"login": "sub1", "tariff_id": "2"}


def test_validate_sender(client: selzy.Selzy, rec: Recorder) -> None:
    answer(rec, ok({"message": "Confirmation letter was sent"}))
    validation = client.validate_sender(email="news@shop.example", login="shopowner")
    assert rec.rpc() == "validateSender"
    assert rec.fields() == {"email": "news@shop.example", "login": "shopowner"}
    assert validation.message == "Confirmation letter was sent"
    client.validate_sender(email="news@shop.example")
    assert rec.fields() == {"email": "news@shop.example"}


def test_get_checked_email(client: selzy.Selzy, rec: Recorder) -> None:
    answer(
        rec,
        ok(
            [
                {"email": "news@shop.example", "name": "Shop", "is_checked": True},
                {"email": "new@shop.example", "name": "", "is_checked": False},
            ]
        ),
    )
    senders = client.get_checked_email(login="shopowner")
    assert rec.fields() == {"login": "shopowner"}
    assert [(s.email, s.is_checked) for s in senders] == [
        ("news@shop.example", True),
        ("new@shop.example", False),
    ]
    client.get_checked_email(email="news@shop.example")
    assert rec.fields() == {"email": "news@shop.example"}


def test_sender_domains(client: selzy.Selzy, rec: Recorder) -> None:
    answer(rec, ok({"dkim": "v=DKIM1; k=rsa; p=MIGf"}))
    assert client.set_sender_domain(domain="shop.example", username="shopowner").dkim.startswith(
        "v=DKIM1"
    )
    assert rec.fields() == {"domain": "shop.example", "username": "shopowner"}
    with pytest.raises(selzy.ClientValidationError):
        client.set_sender_domain(domain="https://shop.example", username="shopowner")

    answer(
        rec,
        ok(
            {
                "status": "success",
                "domains": [
                    {"Domain": "shop.example", "Status": "active", "Key": "p=MIGf"},
                    {"domain": "mail.shop.example", "status": "inactive", "key": ""},
                ],
            }
        ),
    )
    listing = client.get_sender_domain_list(username="shopowner", limit=10, offset=0)
    assert rec.fields() == {"username": "shopowner", "limit": "10", "offset": "0"}
    assert listing.status == "success"
    assert [(d.domain, d.status, d.key) for d in listing.domains] == [
        ("shop.example", "active", "p=MIGf"),
        ("mail.shop.example", "inactive", ""),
    ]
    assert len(rec.requests) == 2


def test_get_currency_rates(client: selzy.Selzy, rec: Recorder) -> None:
    answer(
        rec,
        ok(
            [
                {
                    "id": 1,
                    "code": "EUR",
                    "rate_to_usd": "1.0850",
                    "min_payment_sum": "10.00",
                    "is_visible": True,
                }
            ]
        ),
    )
    (rate,) = client.get_currency_rates()
    assert rec.fields() == {}
    assert (rate.code, rate.rate_to_usd, rate.min_payment_sum, rate.is_visible) == (
        "EUR",
        "1.0850",
        "10.00",
        True,
    )


def test_set_hook_with_a_list_of_events(client: selzy.Selzy, rec: Recorder) -> None:
    answer(rec, ok({"hook_url": "https://crm.example/hook", "status": "active"}))
    hook = client.set_hook(
        hook_url="https://crm.example/hook",
        events=["email_status", "subscribe"],
        event_format="json_post",
        single_event=True,
        max_parallel=10,
        status="active",
    )
    assert rec.rpc() == "setHook"
    assert rec.form()[2:] == [
        ("hook_url", "https://crm.example/hook"),
        ("event_format", "json_post"),
        ("events[0]", "email_status"),
        ("events[1]", "subscribe"),
        ("single_event", "1"),
        ("max_parallel", "10"),
        ("status", "active"),
    ]
    assert (hook.hook_url, hook.status) == ("https://crm.example/hook", "active")


def test_set_hook_with_event_filters_and_unknown_answers(
    client: selzy.Selzy, rec: Recorder
) -> None:
    answer(rec, ok([]))
    hook = client.set_hook(
        hook_url="https://crm.example/hook",
        events={"campaign_status": "*", "email_status": "ok_delivered,err_user_unknown"},
    )
    assert rec.fields() == {
        "hook_url": "https://crm.example/hook",
        "events[campaign_status]": "*",
        "events[email_status]": "ok_delivered,err_user_unknown",
    }
    assert hook.hook_url == "https://crm.example/hook"
    with pytest.raises(selzy.ClientValidationError):
        client.set_hook(hook_url="https://crm.example/hook", events=[])
    bad: Any = "subscribe"
    with pytest.raises(selzy.ClientValidationError):
        client.set_hook(hook_url="https://crm.example/hook", events=bad)
    assert len(rec.requests) == 1


def test_list_hooks(client: selzy.Selzy, rec: Recorder) -> None:
    answer(
        rec,
        ok(
            [
                {
                    "hook_url": "https://crm.example/hook",
                    "event_format": "json_post",
                    "events": {"subscribe": "*"},
                    "single_event": "1",
                    "max_parallel": "10",
                    "status": "stopped",
                    "last_error": "timeout",
                }
            ]
        ),
    )
    (hook,) = client.list_hooks()
    assert (hook.single_event, hook.max_parallel, hook.status) == (True, 10, "stopped")
    assert hook.events == {"subscribe": "*"}
    assert hook.extra == {"last_error": "timeout"}


def test_subscriber_notes(client: selzy.Selzy, rec: Recorder) -> None:
    answer(rec, ok({"id": "31"}))
    note = client.create_subscriber_note(email="ann@example.com", content="VIP", is_pinned=True)
    assert rec.rpc() == "createSubscriberNote"
    assert rec.fields() == {"email": "ann@example.com", "content": "VIP", "is_pinned": "1"}
    assert note.id == 31

    answer(
        rec,
        ok(
            {
                "content": "VIP",
                "is_pinned": False,
                "created_at": "2024-05-01 10:00:00",
                "author": "me",
            }
        ),
    )
    got = client.get_subscriber_note(id=31)
    assert rec.fields() == {"id": "31"}
    assert (got.id, got.content, got.is_pinned, got.created_at) == (
        31,
        "VIP",
        False,
        "2024-05-01 10:00:00",
    )
    assert got.extra == {"author": "me"}

    answer(rec, ok([{"id": 31, "content": "VIP"}, {"id": 32, "content": "Called"}]))
    notes = client.get_subscriber_notes(subscriber_id=77)
    assert rec.fields() == {"subscriber_id": "77"}
    assert [n.id for n in notes] == [31, 32]
    with pytest.raises(selzy.ClientValidationError):
        client.get_subscriber_notes()
    with pytest.raises(selzy.ClientValidationError):
        client.create_subscriber_note(content="x")
    assert len(rec.requests) == 3


# --------------------------------------------------------------------------------------------
# The async client (same code, generated apart)


@pytest.mark.asyncio
async def test_async_create_email_message_and_size_refusal() -> None:
    rec = Recorder(ok({"message_id": 9}))
    async with async_client(rec) as client:
        created = await client.create_email_message(
            sender_name="Shop",
            sender_email="n@shop.example",
            subject="s",
            body="b",
            list_id=1,
            attachments={"b.bin": b"\x00\x01", "a.bin": b"\x02"},
        )
        with pytest.raises(selzy.AttachmentTooLargeError):
            await client.send_email(
                email="ann@example.com",
                sender_name="Shop",
                sender_email="n@shop.example",
                subject="s",
                body="b",
                list_id=1,
                attachments={"big.bin": b"x" * (MAX_ATTACHMENT_BYTES + 1)},
            )
    assert created.message_id == 9
    assert [k for k, _ in rec.form() if k.startswith("attachments")] == [
        "attachments[b.bin]",
        "attachments[a.bin]",
    ]
    assert len(rec.requests) == 1


@pytest.mark.asyncio
async def test_async_create_campaign_and_stats() -> None:
    rec = Recorder(
        ok({"campaign_id": 5, "status": "scheduled", "count": 0}),
        ok({"status": "in_progress", "creation_time": "2024-05-01 10:00:00", "start_time": None}),
        ok({"total": "3", "sent": 3, "delivered": 2}),
    )
    start = dt.datetime.now(UTC) + dt.timedelta(hours=2)
    async with async_client(rec) as client:
        created = await client.create_campaign(
            message_id=4, start_time=start, track_read=True, track_links=True
        )
        status = await client.get_campaign_status(campaign_id=created.campaign_id)
        stats = await client.get_campaign_common_stats(campaign_id=created.campaign_id)
    assert rec.fields(0) == {
        "message_id": "4",
        "start_time": start.strftime("%Y-%m-%d %H:%M"),
        "timezone": "UTC",
        "track_read": "1",
        "track_links": "1",
    }
    assert status.status == "in_progress"
    assert status.creation_time == dt.datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert (stats.total, stats.delivered, stats.read_unique) == (3, 2, 0)


@pytest.mark.asyncio
async def test_async_register_without_a_key() -> None:
    rec = Recorder(ok({"api_key": "z" * 32, "user_id": 7}))
    async with async_client(rec, api_key=None) as client:
        registered = await client.register(email="owner@shop.example", need_confirm=True)
    assert "api_key" not in dict(rec.form())
    assert rec.fields() == {"email": "owner@shop.example", "need_confirm": "1"}
    assert (registered.api_key, registered.user_id) == ("z" * 32, 7)


@pytest.mark.asyncio
async def test_async_wait_for_task_and_sms() -> None:
    rec = Recorder(
        _task("new"),
        _task("completed", file_to_download="https://f"),
        ok({"currency": "USD", "price": 0.05, "sms_id": 12}),
    )
    clock = FakeClock()
    async with async_client(rec, clock=clock) as client:
        result = await client.wait_for_task("abc")
        sms = await client.send_sms(phone=["+1", "+2"], sender="Shop", text="Hi")
    assert result.file_to_download == "https://f"
    assert clock.sleeps == [5.0]
    assert rec.fields() == {"phone": "+1,+2", "sender": "Shop", "text": "Hi"}
    assert [s.sms_id for s in sms] == ["12"]
