"""The framework-neutral integration engine: field mapping, value conversion, contact import.

It speaks to storage and UI through plain data and small Protocols, so a framework module
(``selzy.contrib.django``) only adapts it: models as :class:`CheckpointStore`, querysets as
sources of :class:`SourceRecord`, admin screens over :func:`validate_mapping` and
:func:`suggest_mapping`, tasks around :func:`run_import`.
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
from ._window import ProgressCallback

__all__ = [
    "COMPATIBLE",
    "SELZY_TYPES",
    "SYSTEM_TARGETS",
    "Checkpoint",
    "CheckpointStore",
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
    "SystemTarget",
    "check_mapping",
    "compatible_targets",
    "convert_value",
    "ensure_fields",
    "ensure_fields_async",
    "is_compatible",
    "normalise_email",
    "normalise_phone",
    "normalise_tags",
    "plan_fields",
    "run_import",
    "run_import_async",
    "selzy_field_name",
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
