"""The client-side limiter keeps every 60-second span within Selzy's limits."""

from __future__ import annotations

import bisect

import httpx
import pytest

import selzy
from selzy.client import Bucket, InMemoryRateLimiter
from selzy.client._ratelimit import buckets_for, key_fingerprint

from .conftest import API_KEY, FakeClock, Server, ok


def busiest_minute(times: list[float]) -> int:
    """The most calls that fall in any window [t, t + 60)."""
    times = sorted(times)
    return max(bisect.bisect_left(times, t + 60.0) - i for i, t in enumerate(times))


def test_bucket_never_exceeds_the_limit_in_any_minute(clock: FakeClock) -> None:
    limiter = InMemoryRateLimiter(clock=clock)
    bucket = (Bucket("k", 1200),)
    sent: list[float] = []
    for _ in range(3000):
        clock.sleep(limiter.reserve(bucket))
        sent.append(clock.now)
    assert busiest_minute(sent) <= 1200
    # ... and is not much slower than the limit allows: 3,000 calls need at least 2.5 minutes.
    assert sent[-1] - sent[0] < 155


def test_burst_goes_out_without_waiting(clock: FakeClock) -> None:
    limiter = InMemoryRateLimiter(clock=clock, burst=10)
    waits = [limiter.reserve((Bucket("k", 1200),)) for _ in range(10)]
    assert waits == [0.0] * 10
    assert limiter.reserve((Bucket("k", 1200),)) > 0


def test_per_method_buckets_apply_on_top_of_the_global_one() -> None:
    fingerprint = key_fingerprint(API_KEY)
    assert [b.limit for b in buckets_for(fingerprint, "getLists")] == [1200]
    assert [b.limit for b in buckets_for(fingerprint, "sendEmail")] == [1200, 60]
    assert [b.limit for b in buckets_for(fingerprint, "subscribe")] == [1200, 300]
    assert [b.limit for b in buckets_for(fingerprint, "async/exportContacts")] == [1200, 20]
    assert API_KEY not in "".join(b.name for b in buckets_for(fingerprint, "sendEmail"))


def test_client_waits_instead_of_being_refused(server: Server, clock: FakeClock) -> None:
    sent_at: list[float] = []

    def answer(exchange: object) -> httpx.Response:
        sent_at.append(clock.now)
        return httpx.Response(200, json={"result": {"email_id": 1}})

    server.replies = [answer]
    client = selzy.Selzy(
        API_KEY, platform="TestSuite", transport=httpx.MockTransport(server.handler), clock=clock
    )
    for _ in range(130):
        client.call("sendEmail", email="a@example.com")
    assert busiest_minute(sent_at) <= 60
    assert sum(clock.sleeps) > 60  # it really waited (on the fake clock)


@pytest.mark.asyncio
async def test_async_client_shares_the_same_limiter(server: Server, clock: FakeClock) -> None:
    limiter = InMemoryRateLimiter(clock=clock)
    server.replies = [ok([])]
    sync_client = selzy.Selzy(
        API_KEY,
        platform="TestSuite",
        transport=httpx.MockTransport(server.handler),
        clock=clock,
        rate_limiter=limiter,
    )
    async_client = selzy.AsyncSelzy(
        API_KEY,
        platform="TestSuite",
        transport=httpx.MockTransport(server.async_handler),
        clock=clock,
        rate_limiter=limiter,
    )
    for _ in range(15):
        sync_client.get_lists()
        await async_client.get_lists()
    # 30 calls on one key: the burst of 10 is spent, so the rest were paced.
    assert len(clock.sleeps) == 20
