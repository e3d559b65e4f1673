"""exportContacts' file read piece by piece into :class:`ExportedStatus` rows, memory flat.

The file of a 1M-contact list is tens of megabytes; the reader never holds it. It is fed the
bytes as they arrive (:meth:`ExportReader.feed`, which a sync or an async download loop calls
alike) and hands back the rows of every record completed so far, keeping only the unfinished
tail of the last one. :func:`read_export` drives it over an iterable of chunks.

What it tolerates, since the file's exact format is not documented (REFERENCE.md §5.2): a
UTF-8 byte order mark, CRLF or LF line ends, quoted cells (with commas, quotes and line breaks
inside), Cyrillic and emoji, a chunk boundary anywhere (inside a character, a quote, a CRLF),
columns in any order, columns it does not read, a semicolon or tab instead of the comma, rows
shorter or longer than the header, blank lines. What it refuses, with
:class:`ExportFileError`: a file without an ``email`` column, text that is not UTF-8, a quote
never closed, a record longer than :data:`MAX_RECORD_CHARS` (not an export).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator

from ._errors import ExportFileError
from ._feedback import EXPORT_FIELDS, ExportedStatus, exported_status

#: The longest record accepted (characters): an export row is a few hundred; anything near
#: this is not an export, and reading on would hold it all in memory.
MAX_RECORD_CHARS = 1 << 20
_DELIMITERS = (",", ";", "\t")
_SHOWN_COLUMNS = 12


class ExportReader:
    """A push parser of one export file for ``list_id`` (see the module's docstring).

    ``feed(chunk)`` returns the rows completed by that chunk, ``close()`` the last ones (and
    checks the file was whole). ``records`` counts the data records read, ``without_email``
    those of them without an address (phone-only contacts), which yield no row.
    """

    def __init__(self, list_id: int, *, max_record: int = MAX_RECORD_CHARS) -> None:
        self.list_id = list_id
        self.max_record = max_record
        self.columns: tuple[str, ...] = ()
        self.records = 0
        self.without_email = 0
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self._pending = ""  # the start of a record not complete yet
        self._bytes = 0
        self._lines = 0  # lines of the file parsed so far, for errors
        self._delimiter = ","
        self._positions: tuple[tuple[str, int], ...] = ()
        self._closed = False

    def feed(self, data: bytes) -> list[ExportedStatus]:
        """The rows of the records this chunk completes."""
        if self._closed:
            raise ExportFileError("The export reader is closed; it reads one file")
        try:
            text = self._decoder.decode(data)
        except UnicodeDecodeError as error:
            raise ExportFileError(
                f"The export file is not UTF-8 text (byte {self._bytes + error.start + 1})"
            ) from None
        self._bytes += len(data)
        text = self._pending + text
        cut = _last_record_end(text)
        self._pending = text[cut:]
        if len(self._pending) > self.max_record:
            raise ExportFileError(
                f"The export file has a record longer than {self.max_record:,} characters "
                f"after line {self._lines}: not an export file (or a quote never closed)"
            )
        return self._parse(text[:cut])

    def close(self) -> list[ExportedStatus]:
        """The rows of the last record; an error if the file ended inside a quoted cell or
        had no header at all."""
        if self._closed:
            return []
        self._closed = True
        try:
            rest = self._pending + self._decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ExportFileError("The export file ends inside a UTF-8 character") from None
        self._pending = ""
        if rest.count('"') % 2:
            raise ExportFileError(
                f"The export file ends inside a quoted cell (opened after line {self._lines})"
            )
        rows = self._parse(rest if rest.endswith("\n") or not rest else rest + "\n")
        if not self.columns:
            raise ExportFileError("The export file is empty: it has no header row")
        return rows

    def _parse(self, complete: str) -> list[ExportedStatus]:
        """The rows of ``complete``: whole records, ending with a line break."""
        if not complete:
            return []
        if not self.columns:
            first = _first_record_end(complete)
            self._read_header(complete[:first])
            complete = complete[first:]
        out: list[ExportedStatus] = []
        reader = csv.reader(io.StringIO(complete, newline=""), delimiter=self._delimiter)
        positions, list_id = self._positions, self.list_id
        try:
            for row in reader:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # a blank line
                self.records += 1
                width = len(row)
                values = {name: row[i] if i < width else "" for name, i in positions}
                status = exported_status(values, list_id)
                if status is None:
                    self.without_email += 1
                else:
                    out.append(status)
        except csv.Error as error:
            line = self._lines + reader.line_num
            raise ExportFileError(
                f"The export file cannot be read at line {line}: {error}"
            ) from None
        self._lines += reader.line_num
        return out

    def _read_header(self, record: str) -> None:
        self._lines += 1
        counts = {d: record.count(d) for d in _DELIMITERS}
        self._delimiter = max(_DELIMITERS, key=lambda d: (counts[d], d == ","))
        try:
            names = next(csv.reader(io.StringIO(record, newline=""), delimiter=self._delimiter))
        except (csv.Error, StopIteration) as error:
            raise ExportFileError(f"The export file's header cannot be read: {error}") from None
        columns = tuple(name.strip().lstrip("\ufeff").lower() for name in names)
        if "email" not in columns:
            shown = ", ".join(repr(c[:40]) for c in columns[:_SHOWN_COLUMNS])
            hidden = len(columns) - _SHOWN_COLUMNS
            more = f" and {hidden} more" if hidden > 0 else ""
            raise ExportFileError(
                f"The export file has no email column (its columns: {shown or 'none'}{more}); "
                f"ask exportContacts for {', '.join(EXPORT_FIELDS)}"
            )
        positions: dict[str, int] = {}
        for index, name in enumerate(columns):
            if name in EXPORT_FIELDS:
                positions.setdefault(name, index)  # a repeated column: the first one counts
        self.columns = columns
        self._positions = tuple(positions.items())


def read_export(chunks: Iterable[bytes], list_id: int) -> Iterator[ExportedStatus]:
    """Every contact with an address in an export file given as chunks of bytes, read for
    ``list_id``; memory stays flat however long the file (see :class:`ExportReader`)."""
    reader = ExportReader(list_id)
    for chunk in chunks:
        yield from reader.feed(chunk)
    yield from reader.close()


def _last_record_end(text: str) -> int:
    """Where the last complete record of ``text`` ends (after its line break); 0 for none.

    ``text`` starts at a record's start. A line break ends a record unless it is inside a
    quoted cell, which an odd count of quotes since the record's start says (an escaped quote
    is two of them)."""
    if '"' not in text:
        return text.rfind("\n") + 1
    inside, position, cut = False, 0, 0
    for line in text.split("\n")[:-1]:
        if line.count('"') % 2:
            inside = not inside
        position += len(line) + 1
        if not inside:
            cut = position
    return cut


def _first_record_end(text: str) -> int:
    """Where the first record of ``text`` ends (``text`` holds whole records)."""
    inside, position = False, 0
    for line in text.split("\n")[:-1]:
        if line.count('"') % 2:
            inside = not inside
        position += len(line) + 1
        if not inside:
            return position
    return len(text)
