"""importContacts throughput of the threaded emulator over loopback (500-row batches).

The server runs in its own process (as it does under ``selzy emulator serve``); 1 and then 4
callers post pre-encoded 500-row batches over keep-alive httpx connections from this process.
Each figure is the best of ``--repeat`` runs, because shared CI machines are noisy.

    python bench/emulator_import.py [--batches N] [--repeat R] [--columns K] [--same-process]
"""

from __future__ import annotations

import argparse
import multiprocessing
import threading
import time
from contextlib import AbstractContextManager, nullcontext
from typing import Any
from urllib.parse import urlencode

import httpx

from selzy.emulator import Emulator, ThreadedEmulatorServer

ROWS = 500
KEY = "bench-key"
HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


def fields(extra: int) -> dict[str, str]:
    return {"Name": "string", "Age": "number", **{f"F{k}": "string" for k in range(extra)}}


def body(batch: int, caller: int, list_id: int, extra: int) -> bytes:
    """One importContacts call in the client's wire format (PHP brackets, form-encoded)."""
    pairs: list[tuple[str, str]] = [("api_key", KEY), ("platform", "bench")]
    names = ["email", "Name", "Age", "email_list_ids"] + [f"F{k}" for k in range(extra)]
    pairs += [(f"field_names[{j}]", n) for j, n in enumerate(names)]
    for i in range(ROWS):
        n = (caller * 1_000_000) + batch * ROWS + i
        row = [f"user{n}@bench.example", f"User {n}", str(n % 90), str(list_id)]
        row += [f"value {k}" for k in range(extra)]
        pairs += [(f"data[{i}][{j}]", v) for j, v in enumerate(row)]
    return urlencode(pairs).encode()


def _serve_child(extra: int, ports: Any, stop: Any) -> None:
    emulator = Emulator(rate_limits=False)
    emulator.seed_account(KEY, fields=fields(extra))
    with ThreadedEmulatorServer(emulator) as server:
        ports.put(server.port)
        stop.wait()


class ChildServer(AbstractContextManager["ChildServer"]):
    """The threaded server in a separate process, so callers and server do not share a GIL."""

    def __init__(self, extra: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.ports = ctx.Queue()
        self.stop = ctx.Event()
        self.process = ctx.Process(target=_serve_child, args=(extra, self.ports, self.stop))
        self.url = ""

    def __enter__(self) -> ChildServer:
        self.process.start()
        self.url = f"http://127.0.0.1:{self.ports.get(timeout=30)}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.process.join(timeout=10)
        self.ports.close()
        self.ports.join_thread()


def run(callers: int, batches: int, extra: int, same_process: bool) -> float:
    """Contacts per second for `callers` concurrent callers."""
    list_id = 100_001  # the first list of a fresh emulator
    bodies = [[body(b, c, list_id, extra) for b in range(batches)] for c in range(callers)]
    errors: list[str] = []
    if same_process:
        emulator = Emulator(rate_limits=False)
        emulator.seed_account(KEY, fields=fields(extra))
        server: Any = ThreadedEmulatorServer(emulator)
        context: AbstractContextManager[Any] = server
    else:
        server = ChildServer(extra)
        context = server
    with context if context is not None else nullcontext():
        clients = [httpx.Client(base_url=server.url, timeout=60) for _ in range(callers)]
        try:
            for client in clients:  # open the keep-alive connections before timing
                client.get("/_emulator/clock")
            barrier = threading.Barrier(callers + 1)

            def work(c: int) -> None:
                barrier.wait()
                for payload in bodies[c]:
                    reply = (
                        clients[c]
                        .post(
                            "/en/api/importContacts?format=json", content=payload, headers=HEADERS
                        )
                        .json()
                    )
                    if reply.get("result", {}).get("inserted") != ROWS:
                        errors.append(str(reply)[:200])

            threads = [threading.Thread(target=work, args=(c,)) for c in range(callers)]
            for t in threads:
                t.start()
            barrier.wait()
            start = time.perf_counter()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - start
        finally:
            for client in clients:
                client.close()
    if errors:
        raise SystemExit(f"import failed: {errors[0]}")
    return callers * batches * ROWS / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description="importContacts throughput of the emulator")
    parser.add_argument("--batches", type=int, default=20, help="batches per caller")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the best counts")
    parser.add_argument("--columns", type=int, default=0, help="extra string columns per row")
    parser.add_argument(
        "--same-process", action="store_true", help="run server and callers in one process"
    )
    args = parser.parse_args()
    where = "same process" if args.same_process else "server in its own process"
    print(
        f"importContacts, {ROWS}-row batches, {4 + args.columns} columns, loopback HTTP/1.1 "
        f"keep-alive, {where}, best of {args.repeat}"
    )
    for callers in (1, 4):
        rates = [
            run(callers, args.batches, args.columns, args.same_process) for _ in range(args.repeat)
        ]
        total = callers * args.batches * ROWS
        print(
            f"  {callers} caller(s): {max(rates):>10,.0f} contacts/s best, "
            f"{sorted(rates)[len(rates) // 2]:>10,.0f} median  ({total:,} contacts per run)"
        )


if __name__ == "__main__":
    main()
