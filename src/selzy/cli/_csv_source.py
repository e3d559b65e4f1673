"""A CSV export read as the import engine's source: one record at a time, never the whole file.

Each record's id is the line of the file where its row starts (the header is line 1), which is
what a person looks for in the rejects file. Rows whose cells are all empty are skipped, not
counted: spreadsheets leave them at the end of exports. Skipping them is deterministic, so
record positions, and thus checkpoints, mean the same on every read of an unchanged file.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from selzy.integration import SourceRecord

# How much of the file goes into its fingerprint (with its size): enough to tell two exports
# apart, cheap to read for a file of any size.
_FINGERPRINT_BYTES = 1 << 20


class SourceFileError(Exception):
    """The file cannot be read as the CSV it should be; the message names the line."""


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
            self._text = io.TextIOWrapper(self._binary, encoding=encoding, newline="")
            self._reader = csv.reader(self._text, delimiter=delimiter)
            #: Rows read so far, the skipped ones included (for the progress estimate).
            self.rows_read = 0
            self.header = self._read_header()
        except BaseException:
            self._binary.close()
            raise

    def _read_header(self) -> tuple[str, ...]:
        try:
            header = next(self._reader, None)
        except (csv.Error, UnicodeDecodeError) as exc:
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
        """The records from position ``start`` on (the ones before are read and dropped)."""
        header = self.header
        reader = self._reader
        position = 0
        line = reader.line_num + 1
        while True:
            try:
                row = next(reader, None)
            except (csv.Error, UnicodeDecodeError) as exc:
                raise self._error(exc, line) from None
            if row is None:
                return
            self.rows_read += 1
            first_line, line = line, reader.line_num + 1
            if not any(row):
                continue
            if position >= start:
                yield SourceRecord(first_line, dict(zip(header, row, strict=False)))
            position += 1

    def _error(self, exc: Exception, line: int) -> SourceFileError:
        if isinstance(exc, UnicodeDecodeError):
            return SourceFileError(
                f"{self.path}: the text near line {line} is not valid {self.encoding} "
                f"(byte 0x{exc.object[exc.start]:02x}); give the file's --encoding, "
                "e.g. cp1251 or latin-1"
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
