"""Error reports without the API key: Django's 500 page (DEBUG) and the admins' error mail.

Both print the local variables of every frame and the POST data. Django hides what the code
marks (``sensitive_variables`` on the functions that hold the key, ``sensitive_post_parameters``
on the forms that post it), but only while DEBUG is off: its default filter stands down under
DEBUG ("your site is not safe anyway"), and a staging site left in DEBUG would then print the
Selzy key on the page of any error on the Connect screen. The module's screens therefore ask for
the filter on their own requests whatever DEBUG says, through Django's per-request hook
(``request.exception_reporter_filter``). It is the site's filter class
(``DEFAULT_EXCEPTION_REPORTER_FILTER``) made always active, so a site's own rules still apply;
frames nobody marked keep their variables, DEBUG or not.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.views.debug import SafeExceptionReporterFilter, get_exception_reporter_filter

View = Callable[..., HttpResponseBase]


def _always(self: SafeExceptionReporterFilter, request: HttpRequest | None) -> bool:
    return True


_made: dict[type[Any], type[Any]] = {}


def _always_active(filter_class: type[Any]) -> type[Any]:
    """``filter_class`` with ``is_active`` always true (made once per class)."""
    if filter_class.is_active is _always:
        return filter_class
    made = _made.get(filter_class)
    if made is None:
        # Two threads racing here make two equal classes; either one serves.
        name = f"AlwaysActive{filter_class.__name__}"
        made = _made.setdefault(filter_class, type(name, (filter_class,), {"is_active": _always}))
    return made


def hides_secrets(view: View) -> View:
    """``view`` with the marked variables and POST fields hidden from its error reports, DEBUG
    or not."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        site_filter = type(get_exception_reporter_filter(request))
        # Django's documented per-request hook; django-stubs does not declare it.
        request.exception_reporter_filter = _always_active(site_filter)()  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped
