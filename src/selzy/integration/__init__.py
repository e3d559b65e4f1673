"""The framework-neutral integration engine: every host takes the same path to importContacts.

It speaks to storage and UI through plain data and small Protocols, so a host (the Django
module, the ``selzy import`` command, the next CMS) only adapts it:

- mapping: :func:`suggest_mapping`, :func:`validate_mapping`, :func:`plan_fields` /
  :func:`ensure_fields`; :class:`ImportJob` compiles a mapping into columns and a converter;
- contacts: :func:`classify` compares a :class:`SourceRecord` with its :class:`SentState`
  (what was last sent); :func:`plan_calls` cuts changes into calls of at most 500 rows;
  :func:`send_changes` sends one call and maps Selzy's log back to source records;
- hosts: :func:`sync_batch` is a ledger's per-batch step (a host with per-contact state, e.g.
  Django), :func:`import_records` a stream's whole run with checkpoints (a CSV file);
  :func:`dry_run` counts what either would do; every one of them adds up to :class:`RunTotals`;
- campaigns: :func:`launch_campaign` (a :class:`LaunchOutcome`: created, adopted after a lost
  answer, refused as already sent, failed, or not confirmed yet; :func:`resolve_launch` asks
  Selzy again) and :func:`take_stats_snapshot`;
- feedback: :class:`Feedback` reads what Selzy learned about an address (webhook events, the
  delivery report, the contact export) into one vocabulary (:func:`delivery_feedback`,
  :func:`exported_status`), hard and soft bounces kept apart; :func:`read_delivery_report`
  reads getCampaignDeliveryStats' file, with the kinds each row implies (:data:`IMPLIED_KINDS`);
  :func:`read_export` (or :class:`ExportReader`, fed chunk by chunk) reads a whole export
  file, memory flat;
- sign-ups: :func:`send_signup` subscribes one :class:`SignUpRequest` (a site's form, stored
  first) and says in a :class:`SignUpOutcome` whether it was sent, must wait (Selzy away, or
  the setup refused it) or was refused for its own data; :func:`signup_values` and
  :func:`signup_email` convert what the visitor typed.

``docs/architecture.md`` walks one contact through these modules.
"""

from ._calls import plan_calls
from ._campaigns import (
    CLOCK_SLACK,
    STATS_COUNTERS,
    LaunchKind,
    LaunchOutcome,
    StatsSnapshot,
    launch_campaign,
    resolve_launch,
    take_stats_snapshot,
)
from ._changes import CHANGE_KINDS, Change, ChangeKind, SentState, classify, row_hash
from ._checkpoints import Checkpoint, CheckpointStore, ImportOutcome, InMemoryCheckpointStore
from ._convert import (
    convert_value,
    converters,
    normalise_email,
    normalise_tags,
    to_bool,
    to_date,
    to_number,
    to_string,
    to_text,
)
from ._dates import YEARLESS_YEAR, DateFormat
from ._delivery_report import (
    DELIVERY_REPORT_COLUMNS,
    IMPLIED_KINDS,
    ReportRow,
    read_delivery_report,
    report_address,
    row_feedback,
)
from ._display import format_duration
from ._dryrun import DryRunReport, dry_run
from ._errors import (
    DeliveryReportError,
    ExportFileError,
    FieldLimitError,
    FieldPlanError,
    ImportInterruptedError,
    IntegrationError,
    InvalidValueError,
    MappingError,
)
from ._export_file import ExportReader, read_export
from ._feedback import (
    EXPORT_FIELDS,
    FEEDBACK_KINDS,
    STATUS_KINDS,
    ExportedStatus,
    Feedback,
    FeedbackKind,
    Origin,
    delivery_feedback,
    exported_status,
    is_hard_bounce,
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
from ._identity import PhoneOwner, claim_phones
from ._job import ImportJob, InvalidValues
from ._mapping import (
    FieldMapping,
    MappingProblem,
    check_mapping,
    compatible_targets,
    validate_mapping,
)
from ._names import selzy_field_name
from ._outcome import BatchOutcome
from ._phones import PHONE_COUNTRIES, normalise_phone
from ._plan import FieldPlan, NewField, ensure_fields, ensure_fields_async, plan_fields
from ._records import NOTE_CODES, Rejection, SourceRecord
from ._send import (
    Contact,
    NoStates,
    StateStore,
    send_changes,
    send_changes_async,
    sync_batch,
    sync_batch_async,
)
from ._signups import (
    DoubleOptin,
    SignUpOutcome,
    SignUpRequest,
    SignUpVerdict,
    send_signup,
    signup_email,
    signup_failure,
    signup_tags,
    signup_values,
)
from ._stream import ProgressCallback, Source, import_records, import_records_async
from ._suggest import suggest_mapping
from ._totals import ChangeCounts, RunTotals

__all__ = [
    "CHANGE_KINDS",
    "CLOCK_SLACK",
    "COMPATIBLE",
    "DELIVERY_REPORT_COLUMNS",
    "EXPORT_FIELDS",
    "FEEDBACK_KINDS",
    "IMPLIED_KINDS",
    "NOTE_CODES",
    "PHONE_COUNTRIES",
    "SELZY_TYPES",
    "STATS_COUNTERS",
    "STATUS_KINDS",
    "SYSTEM_TARGETS",
    "YEARLESS_YEAR",
    "BatchOutcome",
    "Change",
    "ChangeCounts",
    "ChangeKind",
    "Checkpoint",
    "CheckpointStore",
    "Contact",
    "DateFormat",
    "DeliveryReportError",
    "DoubleOptin",
    "DryRunReport",
    "ExportFileError",
    "ExportReader",
    "ExportedStatus",
    "Feedback",
    "FeedbackKind",
    "FieldLimitError",
    "FieldMapping",
    "FieldPlan",
    "FieldPlanError",
    "ImportInterruptedError",
    "ImportJob",
    "ImportOutcome",
    "InMemoryCheckpointStore",
    "IntegrationError",
    "InvalidValueError",
    "InvalidValues",
    "LaunchKind",
    "LaunchOutcome",
    "MappingError",
    "MappingProblem",
    "NewField",
    "NoStates",
    "Origin",
    "PhoneOwner",
    "ProgressCallback",
    "Rejection",
    "ReportRow",
    "RunTotals",
    "SelzyField",
    "SelzyType",
    "SentState",
    "SignUpOutcome",
    "SignUpRequest",
    "SignUpVerdict",
    "Source",
    "SourceField",
    "SourceRecord",
    "StateStore",
    "StatsSnapshot",
    "SystemTarget",
    "check_mapping",
    "claim_phones",
    "classify",
    "compatible_targets",
    "convert_value",
    "converters",
    "delivery_feedback",
    "dry_run",
    "ensure_fields",
    "ensure_fields_async",
    "exported_status",
    "format_duration",
    "import_records",
    "import_records_async",
    "is_compatible",
    "is_hard_bounce",
    "launch_campaign",
    "normalise_email",
    "normalise_phone",
    "normalise_tags",
    "plan_calls",
    "plan_fields",
    "read_delivery_report",
    "read_export",
    "report_address",
    "resolve_launch",
    "row_feedback",
    "row_hash",
    "selzy_field_name",
    "send_changes",
    "send_changes_async",
    "send_signup",
    "signup_email",
    "signup_failure",
    "signup_tags",
    "signup_values",
    "suggest_mapping",
    "sync_batch",
    "sync_batch_async",
    "system_refusal",
    "take_stats_snapshot",
    "to_bool",
    "to_date",
    "to_number",
    "to_string",
    "to_text",
    "type_refusal",
    "validate_mapping",
]
