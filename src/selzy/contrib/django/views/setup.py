"""The setup screens, in the guidelines' order: connect (or register), select the list, map the
fields; and the overview that says where the owner stands and what to do next.

Every Selzy call is made before anything is saved, so a refused key, a taken address or a
duplicate list name leaves the stored state exactly as it was. The API key is read from the
form, sent to Selzy, and stored encrypted; it is never rendered, logged or put in a URL (the
error classes we show never contain it). Every function that holds it (or the password) is
marked ``sensitive_variables()``, and the form fields that post them
``sensitive_post_parameters``: Django's error reports show neither, even under DEBUG (see
:mod:`..redaction`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from selzy import (
    AccessDeniedError,
    ClientValidationError,
    InvalidAPIKeyError,
    InvalidArgumentError,
    RateLimitError,
    RateLimiterUnavailableError,
    Selzy,
    SelzyError,
    TransportError,
)
from selzy.integration import (
    FieldPlanError,
    SelzyField,
    SourceField,
    compatible_targets,
    ensure_fields,
    plan_fields,
    suggest_mapping,
)

from .. import reconcile
from ..changes import mapping_changed
from ..client import connected_client, make_client
from ..conf import selzy_settings
from ..forms_setup import (
    ConnectForm,
    ListForm,
    MappingForm,
    RegisterForm,
    compatibility_help,
)
from ..hooks import hook_warning
from ..models import Campaign, Connection, ImportRun, MappedField, Message, Reconciliation
from ..signup_queue import queue_state
from ..sources import ContactSource, contact_sources
from ._common import (
    HOW_TO_ENABLE,
    LIST_SELECTED,
    LOGGED_IN,
    MANAGE,
    MAPPING_DONE,
    NO_PERMISSION,
    REGISTERED,
    SELECT_LIST,
    SEND,
    explain,
    form_data,
    key_problem,
    may_use,
    render,
    require,
    sentence,
    setup_redirect,
)

logger = logging.getLogger("selzy.django")

T = TypeVar("T")

RECENT = 5  # rows of each kind on the overview

KEY_REFUSED = (
    "Selzy did not accept this API key. Copy it again from your Selzy account "
    f"({HOW_TO_ENABLE}); a key that was regenerated in Selzy stops working. Nothing was saved."
)
ACCESS_DISABLED = (
    "Selzy knows this key, but API access is not enabled for the account. Enable it in your "
    f"Selzy account ({HOW_TO_ENABLE}) or ask Selzy support to enable it, then log in again. "
    "Nothing was saved."
)
DISCONNECTED = (
    "The Selzy account has been disconnected and its API key deleted from this site. "
    "The field pairs are kept and will be offered again."
)


# --- shared pieces ------------------------------------------------------------------------


def _can_manage(request: HttpRequest) -> bool:
    return bool(request.user.has_perm(MANAGE))


def _can_send(request: HttpRequest) -> bool:
    return bool(request.user.has_perm(SEND))


def _with_client(call: Callable[[Selzy], T]) -> T:
    """``call`` with the linked account's client, closed afterwards."""
    with connected_client() as client:
        return call(client)


def needs_connection(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Send the user to the Connect step when no readable key is stored; else pass it on."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if (early := setup_redirect(request, need_list=False)) is not None:
            return early
        return view(request, Connection.current(), *args, **kwargs)

    return wrapped


def _forget_account(connection: Connection) -> None:
    """Drop everything that belongs to the linked account (list ids, mapping state)."""
    connection.api_key_encrypted = ""
    connection.key_hint = ""
    connection.login = ""
    connection.account_email = ""
    connection.registered_here = False
    connection.connected_at = None
    _forget_list(connection)


def _forget_list(connection: Connection) -> None:
    connection.list_id = None
    connection.list_title = ""
    connection.mapping_completed_at = None


@sensitive_variables()
def _link_account(
    request: HttpRequest, api_key: str, login: str, email: str, *, registered: bool
) -> None:
    """Store the verified key encrypted, with the account it belongs to."""
    connection = Connection.current()
    if connection.login and connection.login != login:
        # Lists and fields of another account mean nothing here: walk the steps again.
        _forget_list(connection)
        messages.info(
            request,
            "This key belongs to another Selzy account than before: select the list and "
            "map the fields again.",
        )
    connection.set_api_key(api_key)
    connection.login = login
    connection.account_email = email
    connection.registered_here = registered
    connection.connected_at = timezone.now()
    connection.save()
    logger.info("Selzy account %s linked (key %s)", login or "?", connection.masked_key)


# --- overview -----------------------------------------------------------------------------


def overview(request: HttpRequest) -> HttpResponse:
    """The module's home: each step's state and the next action (either permission)."""
    if not may_use(request.user):
        raise PermissionDenied(NO_PERMISSION)
    connection = Connection.current()
    last = Reconciliation.objects.order_by("-started_at").first()
    context = {
        "connection": connection,
        "key_problem": key_problem(connection),
        "source": _source_or_none(connection.source),
        "pairs": MappedField.objects.filter(source=connection.source) if connection.source else [],
        "can_manage": _can_manage(request),
        "can_send": _can_send(request),
        "next_step": _next_step(connection),
        "recent_messages": Message.objects.all()[:RECENT],
        "recent_campaigns": Campaign.objects.select_related("message")[:RECENT],
        "recent_imports": ImportRun.objects.all()[:RECENT],
        "hook_warning": hook_warning(connection),
        "reconciliation": last,
        "reconciliation_summary": reconcile.summary(last) if last else "",
        "reconcile_schedule": reconcile.schedule(),
        "signup_forms": sorted(_signup_forms()),
        "signup_queue": queue_state(),
    }
    return render(request, "selzy/overview.html", "Overview", context)


def _signup_forms() -> list[str]:
    try:
        return list(selzy_settings().signup_forms)
    except ImproperlyConfigured:
        return []  # the checks explain it


def _source_or_none(key: str) -> ContactSource | None:
    if not key:
        return None
    try:
        return contact_sources().get(key)
    except ImproperlyConfigured:
        return None  # the system checks explain it; the overview stays usable


def _next_step(connection: Connection) -> str:
    if not connection.is_connected:
        return "connect"
    if not connection.list_id:
        return "list"
    if not connection.mapping_completed_at:
        return "mapping"
    return "message"


# --- connect, register, disconnect ---------------------------------------------------------


@sensitive_post_parameters("api_key")
@require(MANAGE)
@sensitive_variables()
def connect(request: HttpRequest) -> HttpResponse:
    """Guidelines, "Login of the existing Selzy user": key form -> getLists -> logged in."""
    form = ConnectForm(form_data(request))
    if form.is_bound and form.is_valid():
        api_key = form.cleaned_data["api_key"]
        try:
            login, email = _verify_key(api_key)
        except SelzyError as error:
            logger.warning("Selzy key check failed: %s", type(error).__name__)
            form.add_error("api_key", _key_error(error))
        else:
            _link_account(request, api_key, login, email, registered=False)
            messages.success(request, LOGGED_IN)
            return redirect("admin:selzy_list")
    context = {"form": form, "connection": Connection.current()}
    return render(
        request, "selzy/connect.html", "Connect your Selzy account", context, step="connect"
    )


@sensitive_variables()
def _verify_key(api_key: str) -> tuple[str, str]:
    """getLists (the guidelines' check), then getUserInfo for the login the sender step needs."""
    with make_client(api_key) as client:
        client.get_lists()
        info = client.get_user_info()
    return info.login, info.email or ""


def _key_error(error: SelzyError) -> str:
    """Why the key was not accepted, specific to the cause."""
    if isinstance(error, InvalidAPIKeyError):
        return KEY_REFUSED
    if isinstance(error, AccessDeniedError):
        return ACCESS_DISABLED
    if isinstance(error, ClientValidationError):
        return f"This is not a Selzy API key: copy it again from {HOW_TO_ENABLE}."
    if isinstance(error, RateLimiterUnavailableError):
        return f"{explain(error)} Nothing was saved."
    if isinstance(error, TransportError):
        return (
            f"Selzy could not be reached to check the key ({error}). Nothing was saved: "
            "check the site's connection to the internet and try again."
        )
    return f"{explain(error)} Nothing was saved."


@sensitive_post_parameters("password")
@require(MANAGE)
@sensitive_variables()
def register(request: HttpRequest) -> HttpResponse:
    """Guidelines, "User registration": email and password -> register -> key saved."""
    form = RegisterForm(form_data(request))
    if form.is_bound and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            api_key, login = _register(email, form.cleaned_data["password"])
        except SelzyError as error:
            logger.warning("Selzy registration failed: %s", type(error).__name__)
            form.add_error(None, _register_error(error))
        else:
            _link_account(request, api_key, login, email, registered=True)
            messages.success(request, REGISTERED)
            messages.info(
                request,
                f"Selzy has sent a confirmation letter to {email}: open it and click the link "
                "to confirm the address.",
            )
            return redirect("admin:selzy_list")
    context = {"form": form, "connection": Connection.current()}
    return render(request, "selzy/register.html", "Register with Selzy", context, step="connect")


class _NoKeyReturned(SelzyError):
    """register succeeded but its answer carried no key (the API may hold it back)."""


@sensitive_variables()
def _register(email: str, password: str) -> tuple[str, str]:
    """The new account's key and login. Never retried: a repeat could register twice, and a
    rate-limit wait of up to a minute does not belong in a web request."""
    with make_client(None) as keyless:
        client = keyless.with_options(max_retries=0)
        created = client.register(email=email, password=password, need_confirm=True, notify=True)
    if not created.api_key:
        raise _NoKeyReturned(
            "Selzy registered the account but did not return its API key. Confirm the address "
            f"with the letter Selzy sent, then log in with the key from {HOW_TO_ENABLE}."
        )
    login = created.extra.get("login")
    if not isinstance(login, str) or not login:
        login = _login_of(created.api_key)
    return created.api_key, login


@sensitive_variables()
def _login_of(api_key: str) -> str:
    """The login of a just-registered account; empty if Selzy will not tell yet."""
    try:
        with make_client(api_key) as client:
            return client.get_user_info().login
    except SelzyError as error:
        logger.info("getUserInfo after register failed: %s", type(error).__name__)
        return ""


def _register_error(error: SelzyError) -> str:
    """Why the registration did not go through."""
    if isinstance(error, RateLimitError):
        return (
            "Selzy allows one registration a minute from the same address: wait a minute and "
            "press Register again. Nothing was saved."
        )
    if isinstance(error, InvalidArgumentError):
        return f"Selzy refused the registration: {sentence(error.detail)} Nothing was saved."
    if isinstance(error, RateLimiterUnavailableError):
        return f"{explain(error)} Nothing was saved."  # never sent: certainly not created
    if isinstance(error, TransportError):
        # register is not safe to repeat: the account may exist although the answer was lost.
        return (
            f"Selzy could not be reached ({error}). The account may or may not have been "
            "created: check the mailbox for a letter from Selzy before trying again, and log "
            "in with the API key if it was."
        )
    if isinstance(error, _NoKeyReturned):
        return str(error)
    return f"{explain(error)} Nothing was saved."


@require(MANAGE)
@require_POST
def disconnect(request: HttpRequest) -> HttpResponse:
    """Forget the linked account and its key (POST only)."""
    connection = Connection.current()
    _forget_account(connection)
    connection.save()
    messages.success(request, DISCONNECTED)
    return redirect("admin:selzy_connection_changelist")


# --- the list ------------------------------------------------------------------------------


@require(MANAGE)
@needs_connection
def select_list(request: HttpRequest, connection: Connection) -> HttpResponse:
    """Guidelines, "Selection of the list": getLists, or createList for a new name."""
    if request.method == "GET" and request.GET.get("selected") and connection.list_id:
        return _list_selected(request, connection)
    try:
        lists = _with_client(lambda client: list(client.get_lists()))
    except SelzyError as error:
        return _api_trouble(request, "selzy/list.html", SELECT_LIST, error, step="list")
    sources = contact_sources()
    initial = {"list_id": str(connection.list_id or ""), "source": connection.source}
    form = ListForm(
        form_data(request),
        lists=lists,
        sources=sources,
        initial=initial,
    )
    if form.is_bound and form.is_valid():
        try:
            list_id, title = _chosen_list(form)
        except SelzyError as error:
            field = "new_list_title" if isinstance(error, InvalidArgumentError) else None
            form.add_error(field, _list_error(error))
        else:
            _save_list(connection, list_id, title, form.chosen_source)
            messages.success(request, LIST_SELECTED)
            return HttpResponseRedirect(f"{reverse('admin:selzy_list')}?selected=1")
    context = {"form": form, "connection": connection, "has_lists": bool(lists)}
    return render(request, "selzy/list.html", SELECT_LIST, context, step="list")


def _chosen_list(form: ListForm) -> tuple[int, str]:
    """The id and title of the chosen list, creating it first when a new name was given."""
    title = form.cleaned_data["new_title"]
    if title:
        created = _with_client(lambda client: client.create_list(title=title))
        return created.id, title
    list_id = form.cleaned_data["chosen_id"]
    return list_id, form.lists[list_id]


def _list_error(error: SelzyError) -> str:
    if isinstance(error, InvalidArgumentError):
        return f"Selzy did not create the list: {sentence(error.detail)} Nothing was saved."
    return f"{explain(error)} Nothing was saved."


def _save_list(connection: Connection, list_id: int, title: str, source: str) -> None:
    if source != connection.source:
        connection.mapping_completed_at = None  # the mapping is per source
    connection.list_id = list_id
    connection.list_title = title
    connection.source = source
    connection.save()


def _list_selected(request: HttpRequest, connection: Connection) -> HttpResponse:
    """The guidelines' "List has been selected" message, read before the mapping window."""
    context = {
        "connection": connection,
        "selected": True,
        "source": _source_or_none(connection.source),
    }
    return render(request, "selzy/list.html", "Field mapping is next", context, step="list")


def _api_trouble(
    request: HttpRequest, template: str, title: str, error: SelzyError, *, step: str
) -> HttpResponse:
    """The screen without its form, saying why Selzy could not be asked."""
    logger.warning("Selzy call failed on the %s screen: %s", step, type(error).__name__)
    context = {"api_error": explain(error), "connection": Connection.current()}
    return render(request, template, title, context, step=step)


# --- the mapping ---------------------------------------------------------------------------


@require(MANAGE)
@needs_connection
def mapping(request: HttpRequest, connection: Connection) -> HttpResponse:
    """Guidelines, mapping window: the source's fields against getFields, types matched."""
    source = _source_or_none(connection.source)
    if not connection.list_id or source is None:
        messages.warning(request, "Select the list (and the contacts to import) first.")
        return redirect("admin:selzy_list")
    title = "Match the fields of your system with Selzy fields"
    try:
        fields = _with_client(lambda client: list(client.get_fields()))
    except SelzyError as error:
        return _api_trouble(request, "selzy/mapping.html", title, error, step="mapping")
    selzy_fields = [SelzyField.from_api(f) for f in fields]
    source_fields = source.fields()
    form = MappingForm(
        form_data(request),
        source_fields=source_fields,
        selzy_fields=selzy_fields,
        plan=plan_fields(source_fields, selzy_fields),
        initial=_initial_mapping(source.key, source_fields, selzy_fields),
    )
    if form.is_bound and form.is_valid():
        try:
            _save_mapping(connection, source, form)
        except FieldPlanError as error:
            form.add_error(None, str(error))
        except SelzyError as error:
            form.add_error(None, f"{explain(error)} The mapping was not saved.")
        else:
            messages.success(request, MAPPING_DONE)
            # Guidelines, step 8: go on to "Creating a message for a campaign".
            return redirect(
                "admin:selzy_message" if _can_send(request) else "admin:selzy_connection_changelist"
            )
    context = {
        "form": form,
        "connection": connection,
        "source": source,
        "selzy_fields": selzy_fields,
        "compatibility": compatibility_help(),
    }
    return render(request, "selzy/mapping.html", title, context, step="mapping")


def _initial_mapping(
    source_key: str, source_fields: list[SourceField], selzy_fields: list[SelzyField]
) -> dict[str, str]:
    """The saved pairs that still fit the account; without any, the engine's suggestion."""
    by_name = {f.name: f for f in source_fields}
    saved = {}
    for row in MappedField.objects.filter(source=source_key):
        field = by_name.get(row.source_field)
        if field is not None and row.selzy_field in compatible_targets(field, selzy_fields):
            saved[row.source_field] = row.selzy_field
    if not saved:
        saved = suggest_mapping(source_fields, selzy_fields).to_dict()
    return {MappingForm.key(name): target for name, target in saved.items()}


def _save_mapping(connection: Connection, source: ContactSource, form: MappingForm) -> None:
    """Create the new Selzy fields, then replace the source's pairs in one transaction.

    Fields come first: if createField fails halfway nothing is saved here, and the next attempt
    finds the fields already made (ensure_fields creates only what is missing). A mapping that
    differs from the saved one marks every contact of the source for the next sync
    (:func:`.changes.mapping_changed`): contacts sent before get the new columns too.
    """
    if form.plan.new_fields:
        _with_client(lambda client: ensure_fields(client, form.plan))
    rows = [
        MappedField(
            source=source.key,
            source_field=source_field,
            selzy_field=target,
            selzy_type=form.target_types[target],
        )
        for source_field, target in form.mapping
    ]
    with transaction.atomic():
        saved = MappedField.objects.filter(source=source.key)
        before = set(saved.values_list("source_field", "selzy_field"))
        saved.delete()
        MappedField.objects.bulk_create(rows)
        if before != {(row.source_field, row.selzy_field) for row in rows}:
            mapping_changed(source.key)
        connection.source = source.key
        connection.mapping_completed_at = timezone.now()
        connection.save(update_fields=["source", "mapping_completed_at", "updated_at"])
