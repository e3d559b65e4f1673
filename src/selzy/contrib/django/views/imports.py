"""Placeholder screens; replaced by the real ones."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def new_import(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404("not built yet")


def import_detail(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404("not built yet")


def import_status(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404("not built yet")
