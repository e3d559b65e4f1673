"""The data the engine runs on and leaves behind: source records and rejections."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One contact of the source: its id in the CMS/CRM and its values by source field name."""

    id: Hashable
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Rejection:
    """A source record that did not get into Selzy, or that Selzy reported on.

    ``stage`` is ``"local"`` for rows refused before sending (``code`` ``invalid_email``,
    ``invalid_phone``, ``invalid_value``, ``no_contact``, ``phone_shared``) and ``"selzy"`` for
    importContacts log entries (Selzy's own code and message). ``position`` is the record's place
    in the source. ``sent``: the record was sent all the same, without the value this is about
    (a phone another record's contact holds): a note on the row rather than a refusal.
    """

    source_id: Hashable
    position: int
    code: str
    reason: str
    stage: Literal["local", "selzy"]
    email: str = ""
    phone: str = ""
    sent: bool = False
