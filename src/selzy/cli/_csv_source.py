"""A CSV export read as the import engine's source: one record at a time, never the whole file.

Each record's id is the line of the file where its row starts (the header is line 1), which is
what a person looks for in the rejects file. Rows whose cells are all empty are skipped, not
counted: spreadsheets leave them at the end of exports. Skipping them is deterministic, so
record positions, and thus checkpoints, mean the same on every read of an unchanged file.

Bytes the encoding cannot read are found row by row (decoded as ``surrogateescape`` does, then
looked for in the rows once the decoder has met one), so the error names the row's line and
every row before it is read: a file whose tail is in another encoding is imported up to that
line, and the run can resume there. A clean file pays nothing for it.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from selzy.integration import SourceRecord

# How much of the file goes into its fingerprint (with its size): enough to tell two exports
# apart, cheap to read for a file of any size.
_FINGERPRINT_BYTES = 1 << 20
# What surrogateescape makes of a byte the encoding cannot read.
_ESCAPED = re.compile("[\udc80-\udcff]")
# How many bytes the decoders could not read, so far (any file): rows are searched for escaped
# bytes only once this moved, so a clean file is never searched.
_DECODE_ERRORS = [0]


def _escape(error: UnicodeError) -> tuple[str | bytes, int]:
    _DECODE_ERRORS[0] += 1
    return codecs.lookup_error("surrogateescape")(error)


codecs.register_error("selzy-csv-escape", _escape)


class SourceFileError(Exception):
    """The file cannot be read as the CSV it should be; the message names the line."""


class _Undecodable(Exception):
    """A row holds bytes the encoding cannot read."""

    def __init__(self, byte: int) -> None:
        super().__init__(byte)
        self.byte = byte


def _check(row: list[str]) -> None:
    for cell in row:
        if (bad := _ESCAPED.search(cell)) is not None:
            raise _Undecodable(ord(bad.group()) - 0xDC00)


class CsvSource:
    """An open CSV file with a header row. Use as a context manager; read :meth:`records` once.

    Arguments:
        path: the file.
        delimiter: one character (``,`` ``;`` tab ...).
        encoding: any Python codec; ``utf-8-sig`` (the default of the command) also reads plain
            UTF-8 and drops the byte-order mark Excel writes.
    """

    def __init__(self, path: Path, *, delimiter: str = ",", encoding: str = "utf-8-sig") -> None:
        self.path = path
        self.delimiter = delimiter
        self.encoding = encoding
        self._binary: IO[bytes] = path.open("rb")
        try:
            stat = os.fstat(self._binary.fileno())
            #: Bytes in the file, when it is a regular file (None for a pipe).
            self.size: int | None = stat.st_size if path.is_file() else None
            self._clean = _DECODE_ERRORS[0]  # rows are searched once this is behind
            self._text = io.TextIOWrapper(
                self._binary, encoding=encoding, errors="selzy-csv-escape", newline=""
            )
            self._reader = csv.reader(self._text, delimiter=delimiter)
            #: Rows read so far, the skipped ones included (for the progress estimate).
            self.rows_read = 0
            #: Records read so far (blank rows are not records).
            self.position = 0
            self.header = self._read_header()
        except BaseException:
            self._binary.close()
            raise

    def _read_header(self) -> tuple[str, ...]:
        try:
            header = next(self._reader, None)
            if header is not None:
                _check(header)
        except (csv.Error, _Undecodable) as exc:
            raise self._error(exc, 1) from None
        if not header or not any(cell.strip() for cell in header):
            raise SourceFileError(f"{self.path}: the file is empty or its first line is blank")
        names = tuple(cell.strip() for cell in header)
        seen: set[str] = set()
        for name in names:
            if name in seen:
                raise SourceFileError(f"{self.path}: the header repeats the column {name!r}")
            seen.add(name)
        return names

    @property
    def bytes_read(self) -> int:
        """How far into the file the reader is (to within one read-ahead chunk)."""
        return self._binary.tell()

    def fingerprint(self) -> str:
        """Size and a hash of the file's start: tells whether a checkpoint belongs to this file."""
        with self.path.open("rb") as again:
            digest = hashlib.sha256(again.read(_FINGERPRINT_BYTES)).hexdigest()[:32]
        return f"{self.size}:{digest}"

    def records(self, start: int = 0) -> Iterator[SourceRecord]:
        """The records from position ``start`` on (the ones before are read and dropped), read
        on from where the file is: after :meth:`skip`, ``start`` may be what it skipped."""
        header = self.header
        reader = self._reader
        line = reader.line_num + 1
        while True:
            try:
                row = next(reader, None)
                if self._clean != _DECODE_ERRORS[0] and row is not None:
                    _check(row)  # the decoder met bytes it could not read: in this row?
            except (csv.Error, _Undecodable) as exc:
                raise self._error(exc, line) from None
            if row is None:
                return
            self.rows_read += 1
            first_line, line = line, reader.line_num + 1
            if not any(row):
                continue
            self.position += 1
            if self.position > start:
                yield SourceRecord(first_line, dict(zip(header, row, strict=False)))

    def skip(self, count: int) -> str:
        """Read the first ``count`` records; a digest of them (and the header) that tells whether
        two files start with the same rows, whatever their encodings. SourceFileError when the
        file has fewer."""
        if self.position:
            raise ValueError("skip() reads from the first record")
        digest = hashlib.blake2b("\x1f".join(self.header).encode(errors="replace"))
        for record in self.records() if count else ():
            cells = "\x1f".join(str(v) for v in record.values.values())
            digest.update(b"\x1e" + cells.encode(errors="replace"))
            if self.position >= count:
                break
        if self.position < count:
            raise SourceFileError(f"{self.path} has fewer than {count:,} rows")
        return digest.hexdigest()[:32]

    def _error(self, exc: Exception, line: int) -> SourceFileError:
        if isinstance(exc, _Undecodable):
            return SourceFileError(
                f"{self.path}: line {line} is not valid {self.encoding} "
                f"(byte 0x{exc.byte:02x}); give the file's --encoding, e.g. cp1251 or latin-1"
            )
        return SourceFileError(f"{self.path}, line {line}: not valid CSV ({exc})")

    def close(self) -> None:
        """Close the file."""
        self._text.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def check_encoding(name: str) -> str:
    """``name`` if Python knows the codec; raises LookupError otherwise."""
    codecs.lookup(name)
    return name
