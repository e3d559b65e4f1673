"""Memory and time of the emulator's async/exportContacts file on a large account.

Fills one account through importContacts (in process, 500-row calls), then asks for the
export the reconciliation reads (email, email_status, email_availability, email_list_ids,
email_unsubscribed_list_ids) and reports the file size, the time, and the peak resident memory
above what the account already held, sampled every millisecond by a thread. For comparison it
then builds the same file the way the emulator did before (every row in a list, the file as one
text string, then encoded).

    python bench/emulator_export.py [--contacts N]
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlencode

from selzy.emulator import Emulator
from selzy.emulator._handlers.tasks import to_csv

KEY = "bench-key"
FIELDS = [
    "email",
    "email_status",
    "email_availability",
    "email_list_ids",
    "email_unsubscribed_list_ids",
]
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm", "rb") as f:
        return int(f.read().split()[1]) * PAGE


class PeakSampler:
    """Samples the resident set every millisecond while running; `peak` is the highest seen."""

    def __init__(self) -> None:
        self.peak = rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss())
            time.sleep(0.001)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss())


def call(emu: Emulator, method: str, pairs: list[tuple[str, str]]) -> None:
    body = urlencode([("api_key", KEY), ("platform", "bench"), *pairs]).encode()
    reply = emu.handle(
        "POST",
        f"/en/api/{method}",
        b"format=json",
        {"Content-Type": "application/x-www-form-urlencoded"},
        body,
    )
    if b'"error"' in reply.body[:200]:
        raise SystemExit(reply.body[:300].decode())


def fill(emu: Emulator, count: int, list_id: int) -> None:
    names = ["email", "email_list_ids", "email_unsubscribed_list_ids", "email_availability"]
    head = [(f"field_names[{j}]", n) for j, n in enumerate(names)]
    for start in range(0, count, 500):
        pairs = list(head)
        for i in range(start, min(start + 500, count)):
            left = i % 17 == 0
            row = [
                f"Contact.{i}@Bench.example",
                "" if left else str(list_id),
                str(list_id) if left else "",
                "unreachable" if i % 41 == 0 else "available",
            ]
            pairs += [(f"data[{i - start}][{j}]", v) for j, v in enumerate(row)]
        call(emu, "importContacts", pairs)


def measure(label: str, build: Callable[[], bytes]) -> int:
    gc.collect()
    before = rss()
    started = time.perf_counter()
    with PeakSampler() as sampler:
        data = build()
    seconds = time.perf_counter() - started
    size = len(data)
    extra = sampler.peak - before
    print(
        f"{label:<34} {size / 1e6:8.1f} MB file  {seconds:6.2f} s  "
        f"peak +{extra / 1e6:8.1f} MB  ({extra / size:4.2f}x the file)"
    )
    del data
    gc.collect()
    return extra


def old_to_csv(header: list[str], rows: list[list[str]]) -> bytes:
    """How the export file was built before: rows in a list, the file as text, then bytes."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


STRATEGIES = ("api", "to_csv", "before")
LABELS = {
    "api": "async/exportContacts (streaming)",
    "to_csv": "to_csv alone, rows streamed",
    "before": "before: rows list + text + bytes",
}


def run(contacts: int, strategy: str) -> None:
    """One strategy in this process: fill the account, then measure one export."""
    sys.setswitchinterval(0.001)  # let the sampler in while the export holds the GIL
    emu = Emulator(rate_limits=False)
    account = emu.seed_account(KEY)
    list_id = account.list_ids["Newsletter"]
    started = time.perf_counter()
    fill(emu, contacts, list_id)
    filled = time.perf_counter() - started
    state = emu.state.by_login[account.login]

    def exported() -> bytes:
        pairs = [("list_id", str(list_id))]
        pairs += [(f"field_names[{j}]", n) for j, n in enumerate(FIELDS)]
        call(emu, "async/exportContacts", pairs)
        name = next(reversed(emu.state.files))
        return emu.state.files.pop(name)[1]

    def rows() -> Iterator[list[str]]:
        for c in state.contacts.values():
            yield [
                c.email or "",
                c.email_status,
                c.email_availability,
                ",".join(str(i) for i, m in c.email_lists.items() if m.status == "active"),
                ",".join(str(i) for i, m in c.email_lists.items() if m.status == "unsubscribed"),
            ]

    builds: dict[str, Callable[[], bytes]] = {
        "api": exported,
        "to_csv": lambda: to_csv(FIELDS, rows()),
        "before": lambda: old_to_csv(FIELDS, list(rows())),
    }
    print(f"  ({contacts:,} contacts imported in {filled:.1f} s, RSS {rss() / 1e6:.0f} MB)")
    print(f"RESULT {measure(LABELS[strategy], builds[strategy])}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--strategy", choices=STRATEGIES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.strategy:
        run(args.contacts, args.strategy)
        return
    # Each strategy in a fresh process: freed memory the allocator keeps would flatter the
    # ones measured later.
    extra: dict[str, int] = {}
    for strategy in STRATEGIES:
        out = subprocess.run(  # noqa: S603 - this very script
            [sys.executable, __file__, "--contacts", str(args.contacts), "--strategy", strategy],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for line in out.splitlines():
            if line.startswith("RESULT "):
                extra[strategy] = int(line.split()[1])
            else:
                print(line)
    print(
        f"peak memory above the account, streaming / before: {extra['api'] / extra['before']:.2f}"
    )


if __name__ == "__main__":
    main()
