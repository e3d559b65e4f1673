"""Rate limits (§3) and fault injection, in process."""

from __future__ import annotations

import httpx
import pytest
from emuwire import KEY, Api

from selzy.emulator import Emulator, as_httpx_handler


def test_per_key_limit_and_window(api: Api, emulator: Emulator) -> None:
    for _ in range(1200):
        api.raw("getLists", {})
    err = api.error("getLists")
    assert err["code"] == "api_call_limit_exceeded_for_api_key"
    emulator.advance(60)
    assert api("getLists")


def test_per_ip_limit_counts_every_key(emulator: Emulator, http: httpx.Client) -> None:
    emulator.seed_account("k1", login="a")
    emulator.seed_account("k2", login="b")
    for _ in range(600):
        Api(http, "k1").raw("getLists", {})
        Api(http, "k2").raw("getLists", {})
    assert Api(http, "k1").error("getLists")["code"] == "api_call_limit_exceeded_for_ip"


def test_per_method_limit(api: Api) -> None:
    for i in range(20):
        api("async/exportContacts", email=f"x{i}@example.org")
    assert api.error("async/exportContacts")["code"] == "api_call_limit_exceeded_for_api_key"
    assert api("getLists")  # other methods are still fine


def test_limits_can_be_switched_off(api: Api, emulator: Emulator) -> None:
    emulator.set_rate_limits(False)
    for _ in range(30):
        api("async/exportContacts")


def test_error_fault_for_next_n_calls(api: Api, emulator: Emulator) -> None:
    emulator.inject_fault("error", "getLists", code="retry_later", times=2)
    assert api.error("getLists")["code"] == "retry_later"
    assert api.error("getLists")["code"] == "retry_later"
    assert api("getLists")
    assert emulator.faults.rules() == []


def test_http_fault(api: Api, emulator: Emulator) -> None:
    emulator.inject_fault("http", "createList", status=502, times=1)
    r = api.raw("createList", {"title": "X"})
    assert r.status_code == 502
    assert r.headers["content-type"].startswith("text/html")
    assert api("getLists") == [{"id": 100001, "title": "Newsletter"}]  # the call had no effect


def test_drop_after_the_call_took_effect(api: Api, emulator: Emulator) -> None:
    emulator.inject_fault("drop", "createList", times=1, after=True)
    with pytest.raises(httpx.RemoteProtocolError):
        api.raw("createList", {"title": "Ambiguous"})
    assert {x["title"] for x in api("getLists")} == {"Newsletter", "Ambiguous"}


def test_latency_fault_uses_the_injected_sleep() -> None:
    slept: list[float] = []
    emu = Emulator(sleep=slept.append)
    emu.seed_account(KEY)
    emu.inject_fault("latency", seconds=2.5)
    with httpx.Client(
        transport=httpx.MockTransport(as_httpx_handler(emu)), base_url="https://api.selzy.com"
    ) as http:
        assert Api(http)("getLists")
    assert slept == [2.5]


def test_share_is_seeded(api: Api, emulator: Emulator) -> None:
    emulator.inject_fault("error", code="unspecified", share=0.5)
    outcomes = ["error" in api.envelope("getLists") for _ in range(40)]
    assert 5 < sum(outcomes) < 35
    emulator.clear_faults()
    again = Emulator(seed=7)
    again.seed_account(KEY)
    again.inject_fault("error", code="unspecified", share=0.5)
    with httpx.Client(
        transport=httpx.MockTransport(as_httpx_handler(again)), base_url="https://api.selzy.com"
    ) as http:
        repeat = ["error" in Api(http).envelope("getLists") for _ in range(40)]
    assert repeat == outcomes


def test_control_plane_faults_over_http(http: httpx.Client, api: Api) -> None:
    rule = http.post(
        "/_emulator/faults",
        json={
            "kind": "error",
            "method": "getLists",
            "code": "api_call_limit_exceeded_for_ip",
            "times": 1,
        },
    ).json()
    assert rule["kind"] == "error"
    assert api.error("getLists")["code"] == "api_call_limit_exceeded_for_ip"
    http.post("/_emulator/faults", json={"kind": "error"})
    assert len(http.get("/_emulator/faults").json()) == 1
    http.delete("/_emulator/faults")
    assert api("getLists")
    assert http.post("/_emulator/faults", json={"kind": "bogus"}).status_code == 400
