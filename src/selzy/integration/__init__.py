"""The framework-neutral integration engine: field mapping, value conversion, contact import.

It speaks to storage and UI through plain data and small Protocols, so a framework module
(``selzy.contrib.django``) only adapts it: models as :class:`CheckpointStore`, querysets as
sources of :class:`SourceRecord`, admin screens over :func:`validate_mapping` and
:func:`suggest_mapping`, tasks around :func:`run_import`.

Incremental sync: a ledger of :class:`ContactState` (what was last sent per contact),
:func:`classify` (what a record needs now), :func:`plan_batches` and :func:`send_changes` (one
importContacts call per group, deletions and moves included), :func:`dry_run` (the same
classification, counted).
"""

from ._convert import (
    convert_value,
    normalise_email,
    normalise_phone,
    normalise_tags,
    to_bool,
    to_date,
    to_number,
    to_string,
    to_text,
)
from ._dryrun import DryRunReport, dry_run
from ._errors import (
    FieldLimitError,
    FieldPlanError,
    ImportInterruptedError,
    IntegrationError,
    InvalidValueError,
    MappingError,
)
from ._fields import (
    COMPATIBLE,
    SELZY_TYPES,
    SYSTEM_TARGETS,
    SelzyField,
    SelzyType,
    SourceField,
    SystemTarget,
    is_compatible,
    system_refusal,
    type_refusal,
)
from ._job import ImportJob, InvalidValues
from ._mapping import (
    FieldMapping,
    MappingProblem,
    check_mapping,
    compatible_targets,
    validate_mapping,
)
from ._names import selzy_field_name
from ._plan import FieldPlan, NewField, ensure_fields, ensure_fields_async, plan_fields
from ._records import (
    Checkpoint,
    CheckpointStore,
    ImportTotals,
    InMemoryCheckpointStore,
    Rejection,
    SourceRecord,
)
from ._runner import ImportOutcome, Source, run_import, run_import_async
from ._suggest import suggest_mapping
from ._sync import CHANGE_KINDS, Change, ChangeKind, ContactState, SyncCounts, classify, row_hash
from ._sync_send import SyncBatchOutcome, plan_batches, send_changes, send_changes_async
from ._window import ProgressCallback

__all__ = [
    "CHANGE_KINDS",
    "COMPATIBLE",
    "SELZY_TYPES",
    "SYSTEM_TARGETS",
    "Change",
    "ChangeKind",
    "Checkpoint",
    "CheckpointStore",
    "ContactState",
    "DryRunReport",
    "FieldLimitError",
    "FieldMapping",
    "FieldPlan",
    "FieldPlanError",
    "ImportInterruptedError",
    "ImportJob",
    "ImportOutcome",
    "ImportTotals",
    "InMemoryCheckpointStore",
    "IntegrationError",
    "InvalidValueError",
    "InvalidValues",
    "MappingError",
    "MappingProblem",
    "NewField",
    "ProgressCallback",
    "Rejection",
    "SelzyField",
    "SelzyType",
    "Source",
    "SourceField",
    "SourceRecord",
    "SyncBatchOutcome",
    "SyncCounts",
    "SystemTarget",
    "check_mapping",
    "classify",
    "compatible_targets",
    "convert_value",
    "dry_run",
    "ensure_fields",
    "ensure_fields_async",
    "is_compatible",
    "normalise_email",
    "normalise_phone",
    "normalise_tags",
    "plan_batches",
    "plan_fields",
    "row_hash",
    "run_import",
    "run_import_async",
    "selzy_field_name",
    "send_changes",
    "send_changes_async",
    "suggest_mapping",
    "system_refusal",
    "to_bool",
    "to_date",
    "to_number",
    "to_string",
    "to_text",
    "type_refusal",
    "validate_mapping",
]
