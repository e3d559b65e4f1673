"""getCampaignDeliveryStats' per-address report read as :class:`Feedback`.

The report (async/getCampaignDeliveryStats, REFERENCE.md §5.7) is a CSV file with a header row:
``email``, ``send_result`` (a checkEmail status) and ``last_update`` (``YYYY-MM-DD hh:mm:ss``,
UTC), one row per address. It holds each address's *latest* status only, so a row says more than
its own word: ``ok_link_visited`` means the letter was also sent, delivered and opened. Those
implied kinds (:data:`IMPLIED_KINDS`) are read too, at the row's time: a host that heard of them
earlier keeps its earlier time.

What is implied is what must have happened, nothing more: an unsubscription or a complaint
implies the letter was delivered but not that it was opened (a mail client's one-click
unsubscribe and its "report spam" button never open it); a bounce implies only that it was sent.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from selzy.protocol import DATETIME_FORMAT

from ._convert import normalise_email
from ._errors import DeliveryReportError, InvalidValueError
from ._feedback import Feedback, FeedbackKind, delivery_feedback

#: The columns the report must have (``field_ids`` may add more; they are ignored).
DELIVERY_REPORT_COLUMNS = ("email", "send_result", "last_update")

#: The kinds a reported kind means happened before it, in the order they happened.
IMPLIED_KINDS: Mapping[FeedbackKind, tuple[FeedbackKind, ...]] = {
    "sent": (),
    "delivered": ("sent",),
    "opened": ("sent", "delivered"),
    "clicked": ("sent", "delivered", "opened"),
    "unsubscribed": ("sent", "delivered"),
    "complaint": ("sent", "delivered"),
    "soft_bounce": ("sent",),
    "hard_bounce": ("sent",),
}


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One row of the report, read: the address and what it says happened to it."""

    line: int
    email: str
    status: str
    time: dt.datetime
    #: The reported kind last, after the kinds it implies; empty for a status that says
    #: nothing happened to the address (not sent, skipped).
    feedback: tuple[Feedback, ...]


def report_address(value: str) -> str:
    """An address as the report writes it, in the form the ledger keeps it: the domain
    IDNA-encoded (``пример.рф`` is ``xn--e1afmkfd.xn--p1ai``), lowercased. An address the sync
    would refuse is only trimmed and lowercased."""
    try:
        return normalise_email(value).lower()
    except InvalidValueError:
        return value.strip().lower()


def report_time(value: str) -> dt.datetime:
    """``last_update`` (``YYYY-MM-DD hh:mm:ss``, UTC) as an aware datetime."""
    try:
        return dt.datetime.strptime(value.strip(), DATETIME_FORMAT).replace(tzinfo=dt.UTC)
    except ValueError:
        raise DeliveryReportError(
            f"last_update {value!r} is not a time written YYYY-MM-DD hh:mm:ss"
        ) from None


def row_feedback(
    email: str, status: str, time: dt.datetime, campaign_id: int
) -> tuple[Feedback, ...]:
    """What one report row says happened: the implied kinds, then the reported one."""
    kind = delivery_feedback(status)
    if kind is None:
        return ()
    return tuple(
        Feedback(
            kind=each,
            email=email,
            time=time,
            origin="delivery_stats",
            campaign_id=campaign_id,
            status=status.strip().lower() if each == kind else "",
        )
        for each in (*IMPLIED_KINDS[kind], kind)
    )


def read_delivery_report(lines: Iterable[str], campaign_id: int) -> Iterator[ReportRow]:
    """The report's rows, read from its text (lines with their line ends, as a file gives
    them), lazily: a report of a million addresses is never held whole.

    Raises :class:`DeliveryReportError` when a column of :data:`DELIVERY_REPORT_COLUMNS` is
    missing, or a row's ``last_update`` cannot be read (the message names the line). A row
    without an email (a phone-only contact) is skipped.
    """
    reader = csv.DictReader(lines)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in DELIVERY_REPORT_COLUMNS if name not in header]
    if missing:
        raise DeliveryReportError(
            f"The delivery report has no {', '.join(missing)} column "
            f"(its columns: {', '.join(header) or 'none'})"
        )
    reader.fieldnames = header
    for row in reader:
        raw = row.get("email") or ""
        if not raw.strip():
            continue
        try:
            time = report_time(row.get("last_update") or "")
        except DeliveryReportError as error:
            raise DeliveryReportError(f"Line {reader.line_num}: {error}") from None
        email = report_address(raw)
        status = (row.get("send_result") or "").strip()
        yield ReportRow(
            line=reader.line_num,
            email=email,
            status=status,
            time=time,
            feedback=row_feedback(email, status, time, campaign_id),
        )
