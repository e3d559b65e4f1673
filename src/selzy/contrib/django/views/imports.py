"""The import screens: start an import of the contact source now, follow it, read its outcome.

The import itself runs in the background (:func:`jobs.start_import`); its page polls
``import_status`` while it runs and, at the end, lists the totals and every rejected row with
a link to the source record and the reason Selzy (or the local check) gave.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import jobs
from ..models import Connection, ImportRun
from ..sources import get_source
from ._common import IMPORT_DONE, SEND, render, require
from .sending import announce_once, setup_redirect

REJECTIONS_PER_PAGE = 100

#: The totals shown at the end, in this order: (ImportTotals name, label).
TOTALS = [
    ("total", "Total"),
    ("sent", "Sent to Selzy"),
    ("inserted", "Inserted"),
    ("updated", "Updated"),
    ("invalid", "Invalid"),
    ("skipped_locally", "Skipped locally"),
]


@require(SEND)
def new_import(request: HttpRequest) -> HttpResponse:
    """Start importing the source into the selected list now (a background job)."""
    if (early := setup_redirect(request, need_mapping=True)) is not None:
        return early
    connection = Connection.current()
    if request.method == "POST":
        run = jobs.start_import(connection.source, int(connection.list_id or 0), request.user)
        return redirect("admin:selzy_import", pk=run.pk)
    try:
        source_label = get_source(connection.source).label
    except ImproperlyConfigured:
        source_label = connection.source
    context = {
        "connection": connection,
        "source_label": source_label,
        "runs": ImportRun.objects.order_by("-created_at")[:10],
    }
    return render(request, "selzy/import_new.html", "Import contacts", context, step="import")


@require(SEND)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress while the import runs; then the totals and every rejected row."""
    run = get_object_or_404(ImportRun, pk=pk)
    if run.status == ImportRun.Status.COMPLETED:
        announce_once(request, f"import:{run.pk}", IMPORT_DONE)
    link = record_linker(run.source)
    page = Paginator(run.rejections.order_by("position", "stage"), REJECTIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "run": run,
        "running": not _over(run),
        "rate": rate(run),
        "totals": [(label, run.total(name)) for name, label in TOTALS],
        "page": page,
        "rejections": [(r, link(r.source_id)) for r in page.object_list],
        "source_label": _source_label(run.source),
        "done_text": IMPORT_DONE,
    }
    return render(request, "selzy/import_detail.html", f"Import #{run.pk}", context, step="import")


@require(SEND)
@require_GET
def import_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Where the run stands, for the page's polling script."""
    run = get_object_or_404(ImportRun, pk=pk)
    return JsonResponse(
        {
            "status": run.status,
            "position": run.position,
            "expected": run.expected,
            "percent": run.percent,
            "totals": run.totals,
            "finished": _over(run),
            "error": run.error,
        }
    )


def _over(run: ImportRun) -> bool:
    """Nothing more will happen to the run: it completed or failed."""
    return run.status in (ImportRun.Status.COMPLETED, ImportRun.Status.FAILED)


def rate(run: ImportRun) -> float | None:
    """Source records per second so far (None before any progress)."""
    if run.started_at is None or not run.position:
        return None
    seconds = ((run.finished_at or timezone.now()) - run.started_at).total_seconds()
    return run.position / seconds if seconds > 0 else None


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
