"""A separate process reserving calls on a shared RedisRateLimiter (test_ratelimit_redis.py).

``python -m tests.client._redis_reserver URL PREFIX CALLS START_AT LIMIT PERIOD``: waits until
the wall clock reaches START_AT (so that several processes begin together), then reserves CALLS
calls on one bucket, sleeping each granted wait as a real client would, and prints the wall-clock
times the calls went out as a JSON list.
"""

from __future__ import annotations

import json
import sys
import time

from selzy.client import Bucket, RedisRateLimiter


def main(argv: list[str]) -> None:
    url, prefix, calls, start_at, limit, period = argv
    bucket = (Bucket("shared", int(limit), float(period)),)
    sent: list[float] = []
    with RedisRateLimiter(url, prefix=prefix) as limiter:
        time.sleep(max(0.0, float(start_at) - time.time()))
        for _ in range(int(calls)):
            time.sleep(limiter.reserve(bucket))
            sent.append(time.time())
    print(json.dumps(sent))


if __name__ == "__main__":
    main(sys.argv[1:])
