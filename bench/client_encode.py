"""The client's own cost of one 500-row importContacts call, next to a naive baseline.

Client: rows built positionally from field_names, the request prepared (bracket form encoding,
common parameters), the answer parsed (envelope, typed ImportResult with its log).
Baseline, in the same process on the same rows: a flattened dict run through
urllib.parse.urlencode, and json.loads of the answer.

Prints microseconds per contact for both and their ratio (target: client within 1.5x).
Run: .venv/bin/python bench/client_encode.py [--rows 500] [--repeat 30]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import httpx

from selzy.client._clock import SYSTEM_CLOCK
from selzy.client._model import parse_model
from selzy.client._options import ClientOptions
from selzy.client._prepare import prepare_request
from selzy.client._ratelimit import NoRateLimiter
from selzy.client._response import parse_response
from selzy.client._retry import RetryPolicy
from selzy.client._rows import build_rows, check_field_names
from selzy.client._types._contacts import ImportResult
from selzy.protocol import method_spec

FIELD_NAMES = ["email", "phone", "Name", "company", "birthday", "tags", "email_list_ids"]
API_KEY = "6bc9fa2d0ce5dc7b53e2b4d9e5f9d2f1a8e7c6b5"


def make_rows(n: int) -> list[dict[str, Any]]:
    return [
        {
            "email": f"lead{i}@example.com",
            "phone": f"+4915{i:08d}",
            "Name": f"Ünïcode Name {i}",
            "company": "ACME & Sons" if i % 3 else "",
            "birthday": f"19{60 + i % 40}-0{1 + i % 9}-1{i % 10}",
            "tags": "crm,lead",
            "email_list_ids": "12345",
        }
        for i in range(n)
    ]


def make_answer(n: int) -> bytes:
    log = [
        {"index": i, "code": "invalid_email", "message": f"Invalid email lead{i}@example.com"}
        for i in range(0, n, 50)
    ]
    result = {
        "total": n,
        "inserted": n - len(log),
        "updated": 0,
        "deleted": 0,
        "new_emails": n - len(log),
        "invalid": len(log),
        "log": log,
    }
    return json.dumps({"result": result}).encode()


def client_path(rows: list[dict[str, Any]], answer: bytes) -> Callable[[], object]:
    options = ClientOptions(
        api_key=API_KEY,
        platform="BenchSite",
        base_url="https://api.selzy.com",
        lang="en",
        timeout=httpx.Timeout(60.0),
        retry=RetryPolicy(max_retries=0),
        rate_limiter=NoRateLimiter(),
        clock=SYSTEM_CLOCK,
    )
    spec = method_spec("importContacts")

    def run() -> object:
        names = check_field_names(FIELD_NAMES)
        data = build_rows(names, rows)
        request = prepare_request(options, spec, {"field_names": list(names), "data": data})
        response = parse_response(spec.name, 200, answer, api_key=API_KEY)
        return request, parse_model(ImportResult, response.result, response.warnings)

    return run


def baseline_path(rows: list[dict[str, Any]], answer: bytes) -> Callable[[], object]:
    def run() -> object:
        flat: dict[str, str] = {"api_key": API_KEY, "platform": "BenchSite"}
        for j, name in enumerate(FIELD_NAMES):
            flat[f"field_names[{j}]"] = name
        for i, row in enumerate(rows):
            for j, name in enumerate(FIELD_NAMES):
                flat[f"data[{i}][{j}]"] = str(row.get(name, ""))
        body = urlencode(flat).encode()
        return body, json.loads(answer)

    return run


def measure(fn: Callable[[], object], repeat: int, number: int) -> float:
    """Median seconds of one run, over `repeat` samples of `number` runs each."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--number", type=int, default=20)
    args = parser.parse_args()
    rows = make_rows(args.rows)
    answer = make_answer(args.rows)
    client = client_path(rows, answer)
    baseline = baseline_path(rows, answer)
    client(), baseline()  # warm caches alike
    # Interleave the two so machine noise hits both the same way.
    client_times, baseline_times = [], []
    for _ in range(3):
        client_times.append(measure(client, args.repeat, args.number))
        baseline_times.append(measure(baseline, args.repeat, args.number))
    client_us = min(client_times) / args.rows * 1e6
    baseline_us = min(baseline_times) / args.rows * 1e6
    ratio = client_us / baseline_us
    print(
        json.dumps(
            {
                "bench": "client_encode",
                "rows_per_call": args.rows,
                "columns": len(FIELD_NAMES),
                "client_us_per_contact": round(client_us, 3),
                "baseline_us_per_contact": round(baseline_us, 3),
                "ratio_client_to_baseline": round(ratio, 3),
                "target_ratio_max": 1.5,
                "meets_target": ratio <= 1.5,
            }
        )
    )


if __name__ == "__main__":
    main()
