"""The data the engine runs on and leaves behind: source records and rejections."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

#: Codes of the notes on contacts that DID get in: a value left out (``value_dropped``), a row
#: replaced by a later one with the same address (``duplicate``), a phone left out because
#: another record's contact holds it (``phone_shared``). Listed with the rejections.
NOTE_CODES: Final = frozenset({"value_dropped", "duplicate", "phone_shared"})


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One contact of the source: its id in the CMS/CRM and its values by source field name."""

    id: Hashable
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Rejection:
    """A source record that did not get into Selzy, or that Selzy reported on.

    ``stage`` is ``"local"`` for rows refused before sending (``code`` ``invalid_email``,
    ``invalid_phone``, ``invalid_value``, ``no_contact``) and ``"selzy"`` for importContacts log
    entries (Selzy's own code and message). ``position`` is the record's place in the source.

    A *note* (:attr:`is_note`, stage ``"local"``, a code of :data:`NOTE_CODES`) is kept with the
    rejections but its contact got in: ``value_dropped``, imported without the values the
    reason names; ``duplicate``, its row was replaced by a later one with the same address (the
    reason names it; ``position`` is where that later one was met); ``phone_shared``, sent
    without its phone, which another record's contact holds.
    """

    source_id: Hashable
    position: int
    code: str
    reason: str
    stage: Literal["local", "selzy"]
    email: str = ""
    phone: str = ""

    @property
    def is_note(self) -> bool:
        """Whether the contact got in all the same (a note, not a rejection)."""
        return self.stage == "local" and self.code in NOTE_CODES
