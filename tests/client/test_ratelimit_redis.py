"""RedisRateLimiter against a real Redis: the in-memory schedule, shared by processes.

Needs Redis at 127.0.0.1:6379 (or SELZY_TEST_REDIS_URL): skipped with the reason when it is not
there, failed under CI=true. Each test works under its own key prefix and deletes its keys.
"""

from __future__ import annotations

import bisect
import json
import os
import pickle
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import selzy
from selzy.client import Bucket, InMemoryRateLimiter, RedisRateLimiter
from selzy.client._ratelimit import buckets_for, key_fingerprint
from selzy.emulator import Emulator, as_httpx_handler
from tests.services import require_service

from ._adapters import Driver
from .conftest import API_KEY, FakeClock, Server

REDIS_URL = os.environ.get("SELZY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[2]
# A small bucket keeps these tests fast: burst 5, then one call every 80 ms.
LIMIT, PERIOD = 30, 2.0
SMALL = (Bucket("small", LIMIT, PERIOD),)


def busiest(times: list[float], period: float) -> int:
    """The most calls in any span [t, t + period)."""
    times = sorted(times)
    return max(bisect.bisect_left(times, t + period) - i for i, t in enumerate(times))


def _ping() -> None:
    import redis

    with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1) as client:
        client.ping()


@pytest.fixture
def redis_client() -> Iterator[Any]:
    require_service(f"Redis at {REDIS_URL}", _ping)
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def prefix(redis_client: Any) -> Iterator[str]:
    prefix = f"selzy-test:{uuid.uuid4().hex}:"
    yield prefix
    keys = list(redis_client.scan_iter(match=f"{prefix}*"))
    if keys:
        redis_client.delete(*keys)


def test_reservations_follow_the_in_memory_schedule(redis_client: Any, prefix: str) -> None:
    """Same GCRA, same sequence: the waits agree to within the clocks' small differences."""
    shared = RedisRateLimiter(redis_client, prefix=prefix)
    local = InMemoryRateLimiter()  # the real clock too, so both see time pass alike
    method = (*SMALL, Bucket("small:method", 12, PERIOD))
    sequence = [SMALL, method, SMALL, SMALL, method] * 8
    pairs: list[tuple[float, float]] = []
    for step, buckets in enumerate(sequence):
        if step == 25:
            time.sleep(0.5)  # a pause: part of the booked time passes on both sides
        pairs.append((shared.reserve(buckets), local.reserve(buckets)))
    assert all(abs(remote - mine) < 0.02 for remote, mine in pairs), pairs
    assert [remote for remote, _ in pairs[:5]] == [0.0] * 5  # the burst
    assert max(remote for remote, _ in pairs) > 1.0  # the queue really built up


def _reserve_in_thread(
    limiter: RedisRateLimiter, calls: int, start: threading.Barrier, sent: list[float]
) -> None:
    start.wait()
    for _ in range(calls):
        time.sleep(limiter.reserve(SMALL))
        sent.append(time.time())


def _assert_paced(sent: list[float]) -> None:
    assert busiest(sent, PERIOD) <= LIMIT
    # Not over-cautious either: after the burst of 5, one call per 80 ms.
    elapsed = max(sent) - min(sent)
    assert (len(sent) - 5) * PERIOD / (LIMIT - 5) - 0.1 < elapsed < (len(sent) - 5) * 0.08 + 1.0


def test_two_connections_share_one_bucket(redis_client: Any, prefix: str) -> None:
    sent: list[float] = []
    start = threading.Barrier(2)
    with (
        RedisRateLimiter(REDIS_URL, prefix=prefix) as first,
        RedisRateLimiter(REDIS_URL, prefix=prefix) as second,
    ):
        threads = [
            threading.Thread(target=_reserve_in_thread, args=(limiter, 25, start, sent))
            for limiter in (first, second)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(sent) == 50
    _assert_paced(sent)


def test_two_processes_share_one_bucket(redis_client: Any, prefix: str) -> None:
    start_at = time.time() + 2.0  # both children import and connect first, then go together
    command = [sys.executable, "-m", "tests.client._redis_reserver", REDIS_URL, prefix, "25"]
    command += [str(start_at), str(LIMIT), str(PERIOD)]
    children = [
        subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)  # noqa: S603 - ours
        for _ in range(2)
    ]
    sent: list[float] = []
    for child in children:
        output, _ = child.communicate(timeout=60)
        assert child.returncode == 0
        sent += json.loads(output)
    assert len(sent) == 50
    assert min(sent) >= start_at
    _assert_paced(sent)


def test_per_method_buckets_are_shared_too(redis_client: Any, prefix: str) -> None:
    fingerprint = key_fingerprint(API_KEY)
    send_email = buckets_for(fingerprint, "sendEmail")  # 1,200 a minute overall, 60 for sendEmail
    get_lists = buckets_for(fingerprint, "getLists")
    first = RedisRateLimiter(redis_client, prefix=prefix)
    second = RedisRateLimiter(redis_client, prefix=prefix)
    waits = [(first if i % 2 else second).reserve(send_email) for i in range(10)]
    assert waits == [0.0] * 10  # sendEmail's burst of 10, spent by the two together
    assert second.reserve(send_email) == pytest.approx(60 / 50, abs=0.05)
    # getLists is metered by the overall bucket only, which sendEmail's calls also filled.
    assert first.reserve(get_lists) < 1.0
    keys = sorted(k.decode() for k in redis_client.scan_iter(match=f"{prefix}*"))
    assert keys == [f"{prefix}selzy:{fingerprint}", f"{prefix}selzy:{fingerprint}:sendEmail"]
    assert not any(API_KEY in key for key in keys)


def test_idle_keys_expire(redis_client: Any, prefix: str) -> None:
    limiter = RedisRateLimiter(redis_client, prefix=prefix)
    bucket = Bucket("idle", 6, 0.2)  # one call per 40 ms; the key is kept 200 ms past that
    limiter.reserve((bucket,))
    assert 0 < redis_client.pttl(limiter.key(bucket)) <= 240
    time.sleep(0.4)
    assert redis_client.exists(limiter.key(bucket)) == 0
    assert limiter.reserve((bucket,)) == 0.0  # a vanished key is a fresh, full bucket


def test_script_is_loaded_again_after_a_flush(redis_client: Any, prefix: str) -> None:
    limiter = RedisRateLimiter(redis_client, prefix=prefix)
    limiter.reserve(SMALL)
    redis_client.script_flush()  # as after a Redis restart: EVALSHA answers NOSCRIPT
    limiter.reserve(SMALL)
    assert int(redis_client.get(limiter.key(SMALL[0]))) > 0
    assert limiter.reserve(SMALL) == 0.0  # the third call of the burst: the state survived


def test_the_client_meters_its_calls_in_redis(redis_client: Any, prefix: str) -> None:
    emulator = Emulator()
    emulator.seed_account(API_KEY)
    limiter = RedisRateLimiter(redis_client, prefix=prefix)
    with selzy.Selzy(
        API_KEY,
        platform="TestSuite",
        transport=httpx.MockTransport(as_httpx_handler(emulator)),
        rate_limiter=limiter,
    ) as client:
        for _ in range(3):
            client.get_lists()
    key = f"{prefix}selzy:{key_fingerprint(API_KEY)}"
    assert int(redis_client.get(key)) > 0


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on (taken from the OS, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_redis_down_is_a_client_error_and_nothing_is_sent(
    flavour: str, server: Server, clock: FakeClock
) -> None:
    pytest.importorskip("redis")
    url = f"redis://:hunter2@127.0.0.1:{closed_port()}/0"
    with RedisRateLimiter(url) as limiter:
        api = Driver(flavour, server, clock, rate_limiter=limiter, max_retries=3)
        with pytest.raises(selzy.RateLimiterUnavailableError) as info:
            api.get_lists()
    error = info.value
    assert isinstance(error, selzy.APIConnectionError)  # handled as a transport failure
    assert error.method == "getLists"
    assert error.request_sent is False
    assert "Connection refused" in error.reason
    assert str(error).startswith("the rate limiter could not be reached, so the call was not sent")
    assert server.seen == []  # failed closed: nothing went out unmetered
    assert clock.sleeps == []  # and nothing was retried: Redis down is not Selzy busy
    for text in (str(error), repr(error), error.reason):
        assert "hunter2" not in text
        assert API_KEY not in text
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301
    assert (type(copy), str(copy), copy.method, copy.reason) == (
        type(error),
        str(error),
        error.method,
        error.reason,
    )


def test_an_async_redis_client_is_refused() -> None:
    pytest.importorskip("redis")
    import redis.asyncio

    with pytest.raises(TypeError, match="synchronous"):
        RedisRateLimiter(redis.asyncio.Redis())


def test_repr_does_not_show_the_url() -> None:
    pytest.importorskip("redis")
    limiter = RedisRateLimiter("redis://:hunter2@127.0.0.1:6379/0", prefix="p:")
    assert "hunter2" not in repr(limiter)
    assert repr(limiter) == "RedisRateLimiter(prefix='p:', burst=10)"
    limiter.close()


def test_a_redis_opened_from_a_url_waits_a_bounded_time() -> None:
    """A Redis host that drops packets must not hold every call for the TCP timeout."""
    pytest.importorskip("redis")
    limiter = RedisRateLimiter("redis://127.0.0.1:6379/0")
    options = limiter._redis.connection_pool.connection_kwargs
    assert (options["socket_connect_timeout"], options["socket_timeout"]) == (5.0, 5.0)
    limiter.close()
    own = RedisRateLimiter("redis://127.0.0.1:6379/0?socket_connect_timeout=0.5")
    assert own._redis.connection_pool.connection_kwargs["socket_connect_timeout"] == 0.5
    own.close()


def test_without_the_redis_package_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)  # as if it were not installed
    with pytest.raises(ImportError, match=r"pip install 'selzy-connect\[celery\]'"):
        RedisRateLimiter("redis://127.0.0.1:6379/0")
