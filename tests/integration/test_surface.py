"""The package's public surface and its place in the layers (DESIGN: protocol < client <
integration < contrib): framework-neutral, so no Django, no CLI, no emulator."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import selzy.integration

from ..test_exports import isort_style

PACKAGE = Path(selzy.integration.__file__).parent
ALLOWED_SELZY = ("selzy.client", "selzy.protocol", "selzy.types")


#: The surface, pinned: an addition or a removal is seen in review.
SURFACE = {
    # mapping and fields
    "COMPATIBLE", "SELZY_TYPES", "SYSTEM_TARGETS", "FieldMapping", "FieldPlan", "MappingProblem",
    "NewField", "SelzyField", "SelzyType", "SourceField", "SystemTarget", "check_mapping",
    "compatible_targets", "ensure_fields", "ensure_fields_async", "is_compatible", "plan_fields",
    "selzy_field_name", "suggest_mapping", "system_refusal", "type_refusal", "validate_mapping",
    # values and the job
    "ImportJob", "InvalidValues", "Rejection", "SourceRecord", "convert_value",
    "normalise_email", "normalise_phone", "normalise_tags", "to_bool", "to_date", "to_number",
    "to_string", "to_text", "NOTE_CODES",
    # how exports write values
    "DateFormat", "PHONE_COUNTRIES", "YEARLESS_YEAR", "converters",
    # changes, calls and batches
    "CHANGE_KINDS", "BatchOutcome", "Change", "ChangeKind", "Contact", "NoStates", "SentState",
    "StateStore", "classify", "plan_calls", "row_hash", "send_changes", "send_changes_async",
    "sync_batch", "sync_batch_async", "PhoneOwner", "claim_phones",
    # streams and checkpoints
    "Checkpoint", "CheckpointStore", "ImportOutcome", "InMemoryCheckpointStore",
    "ProgressCallback", "Source", "import_records", "import_records_async",
    # what a run did, and how its progress reads
    "ChangeCounts", "DryRunReport", "RunTotals", "dry_run", "format_duration",
    # campaigns
    "CLOCK_SLACK", "STATS_COUNTERS", "LaunchKind", "LaunchOutcome", "StatsSnapshot",
    "launch_campaign", "resolve_launch", "take_stats_snapshot",
    # what Selzy learns about a contact: webhooks, the delivery report, the export
    "EXPORT_FIELDS", "FEEDBACK_KINDS", "STATUS_KINDS", "ExportReader", "ExportedStatus",
    "Feedback", "FeedbackKind", "Origin", "delivery_feedback", "exported_status",
    "is_hard_bounce", "read_export",
    "DELIVERY_REPORT_COLUMNS", "IMPLIED_KINDS", "ReportRow", "read_delivery_report",
    "report_address", "row_feedback",
    # sign-ups from a site's forms
    "DoubleOptin", "SignUpOutcome", "SignUpRequest", "SignUpVerdict", "send_signup",
    "signup_email", "signup_failure", "signup_tags", "signup_values",
    # errors
    "DeliveryReportError", "ExportFileError", "FieldLimitError", "FieldPlanError",
    "ImportInterruptedError",
    "IntegrationError", "InvalidValueError", "MappingError",
}  # fmt: skip
#: Names of the engine before it became one: gone, not aliased.
REMOVED = (
    "CampaignLaunch",
    "ContactState",
    "ImportTotals",
    "SyncBatchOutcome",
    "SyncCounts",
    "plan_batches",
    "run_import",
    "run_import_async",
)


def test_the_surface_is_pinned() -> None:
    names = selzy.integration.__all__
    assert len(names) == len(set(names))
    assert set(names) == SURFACE, (
        f"added: {sorted(set(names) - SURFACE)}; removed: {sorted(SURFACE - set(names))}"
    )
    for name in REMOVED:
        assert not hasattr(selzy.integration, name), name


def test_all_is_sorted_and_complete() -> None:
    names = selzy.integration.__all__
    assert names == sorted(names, key=isort_style)
    for name in names:
        assert hasattr(selzy.integration, name), name
    public = {
        n
        for n, v in vars(selzy.integration).items()
        if not n.startswith("_") and getattr(v, "__module__", "").startswith("selzy.integration")
    }
    assert public <= set(names)


def test_every_public_callable_has_a_docstring() -> None:
    for name in selzy.integration.__all__:
        value = getattr(selzy.integration, name)
        if callable(value) and getattr(value, "__module__", "").startswith("selzy.integration"):
            assert value.__doc__, name
            for attr, member in vars(value).items() if isinstance(value, type) else ():
                if not attr.startswith("_") and callable(member):
                    assert member.__doc__, f"{name}.{attr}"


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append(node.module)
    return out


def test_imports_only_the_client_the_protocol_and_the_standard_library() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        for module in _imports(path):
            top = module.split(".")[0]
            if top == "selzy":
                assert module.startswith(ALLOWED_SELZY), (path.name, module)
            else:
                assert top in sys.stdlib_module_names, (path.name, module)


def test_modules_stay_small() -> None:
    sizes = {path.name: len(path.read_text().splitlines()) for path in PACKAGE.rglob("*.py")}
    assert {name: lines for name, lines in sorted(sizes.items()) if lines >= 300} == {}
