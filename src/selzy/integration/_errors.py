"""Errors of the integration engine, under the client's root so ``except SelzyError`` sees them.

::

    SelzyError
    └── IntegrationError
        ├── MappingError            a field mapping Selzy would not accept (lists every problem)
        ├── FieldPlanError          new Selzy fields cannot be created as planned
        │   └── FieldLimitError     the account would exceed its 50 user fields
        ├── InvalidValueError       one value cannot be converted to its Selzy type
        ├── DeliveryReportError     a delivery report lacks a column or has an unreadable row
        ├── ImportInterruptedError  an import stopped; its checkpoint says where to resume
        └── ExportFileError         an exportContacts file that cannot be read as one
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from selzy.client import SelzyError

if TYPE_CHECKING:
    from ._checkpoints import ImportOutcome
    from ._mapping import MappingProblem


class IntegrationError(SelzyError):
    """Root of the errors raised by :mod:`selzy.integration`."""


class DeliveryReportError(IntegrationError, ValueError):
    """A file that is not a delivery report (a column missing), or a row that cannot be read."""


class MappingError(IntegrationError, ValueError):
    """A mapping was refused; ``problems`` holds every problem found, not only the first."""

    def __init__(self, problems: Sequence[MappingProblem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"- {problem.message}" for problem in self.problems)
        super().__init__(f"The field mapping cannot be used:\n{lines}")


class FieldPlanError(IntegrationError, ValueError):
    """The planned Selzy fields cannot be created (a name taken by a field of another type)."""


class FieldLimitError(FieldPlanError):
    """Creating the planned fields would take the account over Selzy's cap on user fields."""

    def __init__(self, existing: int, wanted: int, limit: int) -> None:
        self.existing = existing
        self.wanted = wanted
        self.limit = limit
        super().__init__(
            f"Selzy allows at most {limit} user fields per account; the account has {existing} "
            f"and {wanted} more were asked for. Nothing was created: map some source fields to "
            "existing Selzy fields, or delete unused fields in Selzy first."
        )


class InvalidValueError(IntegrationError, ValueError):
    """A value Selzy would not accept for its field type; ``reason`` says why, for a person."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class ImportInterruptedError(IntegrationError):
    """An import stopped before the end of its source.

    ``outcome`` holds what was done (totals include the records before ``resume_position``);
    ``resume_position`` is how many source records are fully done, which is what the checkpoint
    store (if any) now holds, so running the same import again continues from there. ``cause``
    is the call's error (after the client's retries) or the exception the source raised while
    it was read (the records read before it were sent).
    """

    def __init__(
        self, outcome: ImportOutcome, *, resume_position: int, cause: BaseException, saved: bool
    ) -> None:
        self.outcome = outcome
        self.resume_position = resume_position
        self.cause = cause
        where = (
            "The checkpoint is saved: run the import again with the same checkpoint store and "
            "the same source order to continue from there; nothing done is sent again."
            if saved
            else "No checkpoint store was given, so a new run starts from the beginning."
        )
        super().__init__(
            f"The import stopped after {resume_position} source records were fully processed: "
            f"{cause}. {where}"
        )


class ExportFileError(IntegrationError, ValueError):
    """An exportContacts file that cannot be read as one: no email column, not UTF-8, a quote
    never closed, a record far longer than any export's."""
