"""The files behind `selzy import`: streamed CSV, JSON checkpoints, rejects, progress lines."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from selzy.cli._checkpoint import CheckpointFileError, JsonCheckpointStore
from selzy.cli._csv_source import CsvSource, SourceFileError
from selzy.cli._progress import Progress
from selzy.cli._rejects import RejectsFile, RejectsStore
from selzy.integration import Checkpoint, Rejection, RunTotals


def rejection(line: int, code: str = "invalid_email") -> Rejection:
    return Rejection(line, line - 2, code, f"bad row at {line}", "local", email=f"x{line}@")


def test_csv_is_read_lazily_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([" Email ", "Name"])
        writer.writerow(["a@example.com", "two\nlines"])
        writer.writerow(["", ""])  # a blank row: skipped, not counted
        writer.writerows([f"u{i}@example.com", "U"] for i in range(20_000))
    with CsvSource(path) as source:
        assert source.header == ("Email", "Name")
        records = source.records()
        first, second = next(records), next(records)
        assert (first.id, first.values) == (2, {"Email": "a@example.com", "Name": "two\nlines"})
        assert (second.id, second.values["Email"]) == (5, "u0@example.com")
        assert source.size is not None
        assert source.bytes_read < source.size / 10  # only a read-ahead chunk, not the file
        assert sum(1 for _ in records) == 19_999


def test_records_from_a_position_skip_the_ones_before(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("Email\na@x.io\n\nb@x.io\nc@x.io\n", encoding="utf-8")
    with CsvSource(path) as source:
        assert [(r.id, r.values["Email"]) for r in source.records(1)] == [
            (4, "b@x.io"),
            (5, "c@x.io"),
        ]


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"Email,Email\n", "repeats the column 'Email'"), (b"\xff\xfeE", "utf-8")],
)
def test_unreadable_headers_are_explained(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(SourceFileError, match=message):
        CsvSource(path)


def test_bytes_of_another_encoding_stop_the_reading_at_their_row(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    rows = "".join(f"u{i}@example.com,Имя {i}\n" for i in range(5000))
    path.write_bytes(f"Email,Name\n{rows}".encode() + "z@example.com,Юля\n".encode("cp1251"))
    with CsvSource(path) as source:
        read = []
        with pytest.raises(SourceFileError, match="line 5002 is not valid utf-8-sig"):
            read.extend(source.records())
        assert len(read) == 5000  # every row before it, though it sat in the same chunk


def test_skip_reads_the_first_rows_and_digests_them_whatever_the_encoding(tmp_path: Path) -> None:
    text = "Email;Name\nann@example.com;Ann\n\nbob@example.com;Bob\nюля@example.com;Юля\n"
    utf8, cp1251 = tmp_path / "a.csv", tmp_path / "b.csv"
    utf8.write_bytes(text.encode("utf-8-sig"))
    cp1251.write_bytes(text.encode("cp1251"))
    with (
        CsvSource(utf8, delimiter=";") as a,
        CsvSource(cp1251, delimiter=";", encoding="cp1251") as b,
    ):
        assert a.skip(3) == b.skip(3)
        assert [r.id for r in a.records(3)] == []
    with CsvSource(utf8, delimiter=";") as a:
        two = a.skip(2)
        assert [(r.id, r.values["Name"]) for r in a.records(2)] == [(5, "Юля")]
    with CsvSource(utf8, delimiter=";") as a:
        assert a.skip(3) != two
    with CsvSource(utf8, delimiter=";") as a, pytest.raises(SourceFileError, match="fewer than 4"):
        a.skip(4)


def test_a_checkpoint_left_at_an_unreadable_line_takes_the_fixed_file(tmp_path: Path) -> None:
    path = tmp_path / "cp.json"
    identity = {"file": "10:aa", "list": 3, "mapping": {"E": "email"}, "encoding": "utf-8-sig"}
    store = JsonCheckpointStore(path, identity)
    store.extra = {"prefix": {"rows": 7, "digest": "d"}}
    store.save(Checkpoint(7), [])
    fixed = JsonCheckpointStore(path, {**identity, "file": "12:bb", "encoding": "cp1251"})
    assert fixed.load() == Checkpoint(7)
    assert fixed.prefix == (7, "d")
    assert "prefix" not in fixed.extra  # once resumed, the next save is this file's
    with pytest.raises(CheckpointFileError, match="different file, list"):
        JsonCheckpointStore(path, {**identity, "file": "12:bb", "list": 4}).load()
    store.extra = {"prefix": {"rows": 5, "digest": "d"}}  # not where the checkpoint is
    store.save(Checkpoint(7), [])
    with pytest.raises(CheckpointFileError, match="different file"):
        JsonCheckpointStore(path, {**identity, "file": "12:bb"}).load()
    same = JsonCheckpointStore(path, identity)
    assert same.load() == Checkpoint(7)
    assert same.prefix is None


def test_checkpoint_file_round_trip_and_atomic_replace(tmp_path: Path) -> None:
    path = tmp_path / "cp.json"
    store = JsonCheckpointStore(path, {"file": "1:abc", "list": 3})
    assert store.load() is None
    store.extra["rejects"] = {"rows": 1}
    store.save(Checkpoint(500, RunTotals(total=500, sent=499)), [rejection(9)])
    store.save(Checkpoint(1000, RunTotals(total=1000, sent=998)), [rejection(700)])
    assert [p.name for p in tmp_path.iterdir()] == ["cp.json"]  # no temporary file left
    again = JsonCheckpointStore(path, {"file": "1:abc", "list": 3})
    assert again.load() == Checkpoint(1000, RunTotals(total=1000, sent=998))
    assert (again.extra, again.rejections) == ({"rejects": {"rows": 1}}, 2)


def test_a_checkpoint_of_another_file_or_garbage_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cp.json"
    JsonCheckpointStore(path, {"file": "1:abc", "list": 3}).save(Checkpoint(5), [])
    with pytest.raises(CheckpointFileError, match=r"another import \(different file, list\)"):
        JsonCheckpointStore(path, {"file": "2:def", "list": 4}).load()
    path.write_text("{not json")
    with pytest.raises(CheckpointFileError, match="not a usable checkpoint"):
        JsonCheckpointStore(path, {}).load()
    path.write_text(json.dumps({"format": "something else"}))
    with pytest.raises(CheckpointFileError, match="not a usable checkpoint"):
        JsonCheckpointStore(path, {}).load()


def test_rejects_written_after_the_last_checkpoint_are_not_listed_twice(tmp_path: Path) -> None:
    path, identity = tmp_path / "cp.json", {"file": "1:abc"}
    with RejectsFile(tmp_path / "r.csv") as rejects:
        store = RejectsStore(rejects, JsonCheckpointStore(path, identity))
        store.save(Checkpoint(500), [rejection(9), rejection(20)])
        rejects.write([rejection(600)])  # then the process dies before its checkpoint is saved

    checkpoints = JsonCheckpointStore(path, identity)
    assert checkpoints.load() == Checkpoint(500)
    with RejectsFile(tmp_path / "r.csv") as rejects:
        assert rejects.resume(checkpoints.extra["rejects"])
        RejectsStore(rejects, checkpoints).save(Checkpoint(1000), [rejection(600), rejection(900)])
    with (tmp_path / "r.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["line"] for row in rows] == ["9", "20", "600", "900"]
    assert rows[0] == {
        "line": "9",
        "email": "x9@",
        "phone": "",
        "code": "invalid_email",
        "reason": "bad row at 9",
    }


def test_no_rejects_no_file(tmp_path: Path) -> None:
    with RejectsFile(tmp_path / "r.csv") as rejects:
        RejectsStore(rejects, None).save(Checkpoint(500), [])
    assert not (tmp_path / "r.csv").exists()


def test_progress_lines_when_not_on_a_terminal(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("Email\n" + "".join(f"u{i}@example.com\n" for i in range(1000)))
    stream = io.StringIO()
    now = [0.0]
    with CsvSource(path) as source:
        progress = Progress(source, stream, bar=False, every=5.0, clock=lambda: now[0])
        for _ in source.records():
            pass
        with progress:
            progress(500, None, 1234.0)  # too soon after the start: nothing
            now[0] = 6.0
            progress(1000, None, 1234.0)
    assert stream.getvalue() == "selzy import: 1,000 of ~1,000 rows (100%), 1,234 rows/s\n"


def test_the_bar_says_rows_and_time_left_by_bytes(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("Email\n" + "".join(f"u{i}@example.com\n" for i in range(1000)))
    now = [0.0]
    with CsvSource(path) as source:
        progress = Progress(source, io.StringIO(), bar=True, clock=lambda: now[0])
        size = source.size or 0
        now[0] = 30.0
        assert progress.bar_text(250, 1000, size // 4) == "250/~1,000 rows ETA 1:30"
        assert progress.bar_text(1000, 1000, size) == "1,000/~1,000 rows"
        assert progress.bar_text(0, None, 0) == "0 rows"
