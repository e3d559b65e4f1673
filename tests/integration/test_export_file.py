"""exportContacts' file read piece by piece into ExportedStatus rows (``read_export``).

The file's exact format is not documented, so the reader takes what a CSV writer may produce
(a BOM, CRLF, quoted cells, another column order, columns it does not know, a semicolon) fed in
chunks cut anywhere, and refuses what is no export with a clear error. Memory stays flat: a
long file is never held (bounds under tracemalloc, not timings).
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Iterator

import pytest

from selzy.integration import ExportedStatus, ExportFileError, ExportReader, read_export

LIST = 7
HEADER = "email,email_status,email_availability,email_list_ids,email_unsubscribed_list_ids"
ROWS = [
    "ann@example.com,active,available,7,",
    'Bob@Example.COM,active,unreachable,"3,7",',
    "cy@example.com,unsubscribed,available,,",
    'dora@example.com,active,spam_folder,3,"7"',
    ",active,available,7,",  # a phone-only contact: no address, no row
]


def whole(text: str, *, encoding: str = "utf-8") -> list[bytes]:
    return [text.encode(encoding)]


def pieces(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def read(chunks: list[bytes], list_id: int = LIST) -> list[ExportedStatus]:
    return list(read_export(chunks, list_id))


def test_an_export_reads_into_statuses_for_the_list() -> None:
    rows = read(whole("\r\n".join([HEADER, *ROWS]) + "\r\n"))
    assert [r.email for r in rows] == [
        "ann@example.com",
        "bob@example.com",
        "cy@example.com",
        "dora@example.com",
    ]
    flags = ("subscribed", "unsubscribed", "in_list", "undeliverable", "complained")
    assert [tuple(getattr(row, flag) for flag in flags) for row in rows] == [
        (True, False, True, False, False),
        (True, False, True, True, False),  # a hard bounce leaves the contact in the list
        (False, True, False, False, False),  # unsubscribed from the whole account
        (False, True, False, False, True),  # from this list only, after a complaint
    ]
    # The same file for another list: only the account-wide unsubscription is about it.
    other = read(whole("\n".join([HEADER, *ROWS])), list_id=3)
    assert [(r.in_list, r.unsubscribed) for r in other] == [
        (False, False),
        (True, False),
        (False, True),
        (True, False),
    ]


def test_the_reader_counts_records_and_addressless_ones() -> None:
    reader = ExportReader(LIST)
    got = reader.feed(("\n".join([HEADER, *ROWS]) + "\n\n\n").encode())
    got += reader.close()
    assert len(got) == 4
    assert (reader.records, reader.without_email) == (5, 1)
    assert reader.columns[0] == "email"


CRAFTED = (
    "\ufeff"
    'Name, Email ,"email_list_ids",email_status,Notes,email_availability\r\n'
    '"Smith, ""J""\r\nsecond line",Ann@Example.com,7,active,Заметка 🙂,available\r\n'
    'Иван 🚀,ivan@example.com,"7,9",active,,unreachable\r\n'
    "Short,short@example.com,7\r\n"  # a row shorter than the header
    "Long,long@example.com,7,active,x,available,extra,cells\r\n"
    "\r\n"
    '"Q""uote",quote@example.com,7,new,"a\nb",spam_folder'  # no final line break
)


def test_bom_crlf_quotes_cyrillic_emoji_order_and_unknown_columns() -> None:
    rows = read(whole(CRAFTED))
    assert [(r.email, r.email_status, r.availability, r.in_list) for r in rows] == [
        ("ann@example.com", "active", "available", True),
        ("ivan@example.com", "active", "unreachable", True),
        ("short@example.com", "", "", True),
        ("long@example.com", "active", "available", True),
        ("quote@example.com", "new", "spam_folder", True),
    ]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 64])
def test_chunks_cut_anywhere_read_the_same(size: int) -> None:
    """Inside a UTF-8 character, the BOM, a quoted cell, a CRLF: every cut reads the same."""
    data = CRAFTED.encode("utf-8")
    assert read(pieces(data, size)) == read([data])


def test_every_single_cut_point_reads_the_same() -> None:
    data = CRAFTED.encode("utf-8")
    expected = read([data])
    for cut in range(len(data) + 1):
        assert read([data[:cut], data[cut:]]) == expected, cut


def test_a_semicolon_separated_export_and_header_case() -> None:
    text = "EMAIL;Email_Status;email_list_ids\nann@example.com;active;7,8\n"
    (row,) = read(whole(text))
    assert (row.email, row.email_status, row.in_list) == ("ann@example.com", "active", True)


def test_a_file_without_an_email_column_is_refused_clearly() -> None:
    with pytest.raises(ExportFileError, match=r"no email column \(its columns: 'phone', 'name'"):
        read(whole("phone,name\n+491234,Ann\n"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty: it has no header row"),
        (b"email\nann@example.com\n\xff\xfe\n", "not UTF-8 text"),
        (b'email,name\nann@example.com,"open\n', "ends inside a quoted cell"),
        (b"email\nann@example.com" + "é".encode()[:1], "inside a UTF-8 character"),
    ],
)
def test_what_is_no_export_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(ExportFileError, match=message):
        read(pieces(data, 4) if data else [])


def test_a_header_only_file_has_no_rows() -> None:
    assert read(whole(HEADER + "\r\n")) == []


def test_a_record_without_end_is_refused_before_it_fills_memory() -> None:
    reader = ExportReader(LIST, max_record=1000)
    reader.feed(b"email,name\n")
    reader.feed(b'ann@example.com,"')
    for _ in range(9):  # 917 characters of a record not ended yet: still read on
        reader.feed(b"x" * 100)
    with pytest.raises(ExportFileError, match="longer than 1,000 characters"):
        reader.feed(b"x" * 100)


def test_a_closed_reader_reads_no_more() -> None:
    reader = ExportReader(LIST)
    reader.feed(b"email\n")
    assert reader.close() == []
    with pytest.raises(ExportFileError, match="closed"):
        reader.feed(b"ann@example.com\n")


# --- memory ---------------------------------------------------------------------------------


def export_chunks(rows: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """A generated export of ``rows`` contacts in chunks, never held whole."""
    buffer = bytearray(("\ufeff" + HEADER + "\r\n").encode())
    for i in range(rows):
        status = "unsubscribed" if i % 97 == 0 else "active"
        buffer += f'p{i}@example.com,{status},available,"{LIST},9",\r\n'.encode()
        if len(buffer) >= chunk:
            yield bytes(buffer)
            buffer.clear()
    yield bytes(buffer)


def peak_while_reading(rows: int) -> tuple[int, int]:
    """(rows read, peak traced bytes) while the rows are counted and dropped."""
    gc.collect()
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_export(export_chunks(rows), LIST))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return count, peak


def test_memory_stays_flat_however_long_the_file() -> None:
    """100,000 rows (about 7 MB of CSV) read within 2 MB of traced memory, and ten times the
    rows take no more than 1.25 times the peak of a tenth of them: nothing grows per row."""
    small_rows, small_peak = peak_while_reading(10_000)
    rows, peak = peak_while_reading(100_000)
    assert (small_rows, rows) == (10_000, 100_000)
    assert peak < 2 * 1024 * 1024
    assert peak < 1.25 * small_peak
