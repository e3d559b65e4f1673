"""The import screens: start a sync of the contact source (or a dry run), follow it, steer it,
read its outcome.

The sync itself runs in the background (:func:`jobs.start_import`); its page polls
``import_status`` while it runs (batches done, rate, ETA), offers Pause, Resume and Cancel,
and at the end lists the totals and every rejected row with a link to the source record and
the reason Selzy (or the local check) gave. A dry run's page shows what a sync would do. A run
whose workers died is shown interrupted, with Resume (:mod:`..leases`): every screen here
interrupts such runs before it shows them.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_POST

from selzy.integration import NOTE_CODES, format_duration

from .. import jobs, leases
from ..ledger import Progress, progress
from ..models import Connection, ImportRejection, ImportRun
from ..sources import get_source
from ._common import IMPORT_DONE, SEND, render, require, setup_redirect
from .sending import announce_once

REJECTIONS_PER_PAGE = 100

#: The totals shown at the end, in this order: (RunTotals name, label).
TOTALS = [
    ("total", "Total"),
    ("sent", "Sent to Selzy"),
    ("inserted", "Inserted"),
    ("updated", "Updated"),
    ("deleted", "Deleted"),
    ("invalid", "Invalid"),
    ("skipped_locally", "Skipped locally"),
    ("unaccounted", "Not accounted for by Selzy"),
]

#: What the sync found, contact by contact (ChangeCounts names), for runs and dry runs alike.
CHANGES = [
    ("new", "New"),
    ("updated", "Updated"),
    ("moved", "Email changed (moved)"),
    ("removed", "Removed"),
    ("unchanged", "Unchanged"),
    ("invalid", "Skipped: invalid"),
]

#: Why contacts are skipped, as the dry run and the run count them.
SKIP_REASONS = {
    "no_consent": "No consent (left out by the source's filter)",
    "unsubscribed": "Unsubscribed",
    "invalid_email": "Invalid email",
    "invalid_phone": "Invalid phone",
    "invalid_value": "Invalid value",
    "no_contact": "No email or phone",
    "phone_taken": "Only address is another contact's phone (held back)",
}

#: Why contacts got in with a note, as the run counts them.
NOTE_REASONS = {
    "value_dropped": "Imported without a value that did not fit its field",
    "duplicate": "Replaced by a later record with the same address",
    "phone_shared": "Imported without a phone another contact has (Selzy would merge the two)",
}

CONTROLS = {"pause": jobs.pause_run, "resume": jobs.resume_run, "cancel": jobs.cancel_run}

ALREADY_UNDER_WAY = (
    "A full sync of this list is already under way: here it is. A second one would send every "
    "contact again."
)
CANNOT_RESUME = (
    "This sync cannot resume while another sync of the list is under way; that one sends its "
    "contacts. Cancel this one, or wait for the other to end."
)


@require(SEND)
def new_import(request: HttpRequest) -> HttpResponse:
    """Start importing the source into the selected list now (a background job)."""
    if (early := setup_redirect(request, need_mapping=True)) is not None:
        return early
    connection = Connection.current()
    if request.method == "POST":
        action = request.POST.get("action", "start")
        run = jobs.start_import(
            connection.source,
            int(connection.list_id or 0),
            request.user,
            kind=ImportRun.Kind.FULL if action in ("full", "dry_run") else None,
            dry_run=action == "dry_run",
        )
        if run.joined:
            messages.info(request, ALREADY_UNDER_WAY)
        return redirect("admin:selzy_import", pk=run.pk)
    leases.interrupt_stale()
    try:
        source_label = get_source(connection.source).label
    except ImproperlyConfigured:
        source_label = connection.source
    context = {
        "connection": connection,
        "source_label": source_label,
        "runs": [(run, progress(run, with_totals=False)) for run in _recent()],
    }
    return render(request, "selzy/import_new.html", "Import contacts", context, step="import")


@require(SEND)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress while the import runs; then the totals and every rejected row."""
    leases.interrupt_stale(run_id=pk)
    run = get_object_or_404(ImportRun, pk=pk)
    if run.status == ImportRun.Status.COMPLETED and not run.dry_run:
        announce_once(request, f"import:{run.pk}", IMPORT_DONE)
    link = record_linker(run.source)
    state = progress(run)
    page = Paginator(run.rejections.order_by("position", "stage"), REJECTIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    totals = state.totals
    context = {
        "run": run,
        "running": run.working,
        "progress": state,
        "eta": _eta(state),
        "rate": state.rate,
        "totals": [(label, getattr(totals, name)) for name, label in TOTALS],
        "changes": [(label, getattr(totals.changes, name)) for name, label in CHANGES],
        "skipped": [
            (SKIP_REASONS.get(code, code), count) for code, count in sorted(totals.skipped.items())
        ],
        "can_pause": run.status in (ImportRun.Status.QUEUED, ImportRun.Status.RUNNING),
        "can_resume": run.resumable,
        "can_cancel": not run.over and not run.dry_run,
        "page": page,
        "noted": [
            (NOTE_REASONS.get(code, code), count) for code, count in sorted(totals.notes.items())
        ],
        "rejections": [(r, link(r.source_id), _noted(r)) for r in page.object_list],
        "source_label": _source_label(run.source),
        "done_text": IMPORT_DONE,
    }
    return render(request, "selzy/import_detail.html", f"Import #{run.pk}", context, step="import")


def _noted(rejection: ImportRejection) -> bool:
    """Whether the row got in all the same (every code it holds is a note's)."""
    return rejection.stage == "local" and set(rejection.code.split(",")) <= NOTE_CODES


@require(SEND)
@require_GET
def import_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Where the run stands, for the page's polling script."""
    leases.interrupt_stale(run_id=pk)
    run = get_object_or_404(ImportRun, pk=pk)
    state = progress(run)
    return JsonResponse(
        {
            "status": run.status,
            "kind": run.kind,
            "dry_run": run.dry_run,
            "position": state.contacts_done if run.planned else run.position,
            "expected": run.expected,
            "percent": 100 if run.finished else min(99, state.percent),
            "batches_done": state.batches_done,
            "batches_total": state.batches_total,
            "rate": round(state.rate, 1) if state.rate else None,
            "eta": _eta(state),
            "totals": state.totals.as_dict(),
            "finished": run.over,
            "error": run.error,
        }
    )


@require_POST
@require(SEND)
def import_control(request: HttpRequest, pk: int) -> HttpResponse:
    """Pause, resume or cancel a run (POST ``action``); back to its page."""
    run = get_object_or_404(ImportRun, pk=pk)
    action = request.POST.get("action", "")
    control = CONTROLS.get(action)
    if control is not None and not control(run) and action == "resume" and run.resumable:
        messages.warning(request, CANNOT_RESUME)
    return redirect("admin:selzy_import", pk=run.pk)


def _recent() -> list[ImportRun]:
    return list(ImportRun.objects.order_by("-created_at")[:10])


def _eta(state: Progress) -> str | None:
    """Time left as ``m:ss`` (or ``h:mm:ss``); None (JSON null) while it is not known."""
    return None if state.eta is None else format_duration(state.eta)


def _source_label(source_key: str) -> str:
    try:
        return get_source(source_key).label
    except ImproperlyConfigured:
        return source_key


def record_linker(source_key: str) -> Callable[[str], str | None]:
    """A function giving a source record's admin change page, or None when it has none.

    The source model's page exists only when the model is registered in the admin; otherwise
    the screen shows the bare id.
    """
    try:
        model = get_source(source_key).model
    except ImproperlyConfigured:
        return lambda source_id: None
    if not admin.site.is_registered(model):
        return lambda source_id: None
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}_change"

    def link(source_id: str) -> str | None:
        try:
            return reverse(name, args=[source_id])
        except NoReverseMatch:
            return None

    return link
