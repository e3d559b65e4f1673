"""What every screen shares: the permissions and their checks, the admin look, the guideline
texts, the guard that sends the user to a missing setup step, and the words for a Selzy
failure."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.debug import sensitive_variables

from selzy import (
    AccessDeniedError,
    APIError,
    InvalidAPIKeyError,
    RateLimitError,
    RateLimiterUnavailableError,
    TransportError,
)

from ..conf import selzy_settings

if TYPE_CHECKING:
    from ..models import Connection

# The module's permissions as has_perm takes them, "<app label>.<codename>": the only place
# they are spelled (models.Connection's Meta declares the codenames for the migrations).
MANAGE = "selzy.manage_selzy"  # connect, choose the list, map the fields
SEND = "selzy.send_selzy_campaigns"  # messages, test emails, campaigns, imports

NO_PERMISSION = "You do not have permission to use the Selzy module"

# The integration guidelines' own words, shown word for word.
LOGGED_IN = "You have successfully logged in"
REGISTERED = "The registration has been successful"
SELECT_LIST = "Select a list to import contacts or create a new one"
LIST_SELECTED = "List has been selected"
MAPPING_DONE = "Mapping of the fields has been completed successfully"
SENDER_LETTER_SENT = (
    "Confirmation letter has been sent to your address, you can send emails from this address "
    "after clicking the link"
)
IMPORT_DONE = "The contacts have been imported successfully"
CAMPAIGN_SENT = "Your campaign has been sent"
CAMPAIGN_SCHEDULED = "Your campaign has been scheduled"

#: Where a Selzy account owner finds (and enables) the API key.
HOW_TO_ENABLE = "Settings → Integrations and API → API access"

View = Callable[..., HttpResponse]


def may_use(user: Any) -> bool:
    """Either permission: enough to see the module in the admin's index and its overview."""
    return bool(user.has_perm(MANAGE) or user.has_perm(SEND))


def require(*permissions: str) -> Callable[[View], View]:
    """Staff without every named permission get 403 (the admin wrapper already checks staff)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_perms(permissions):
                raise PermissionDenied(NO_PERMISSION)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


STEPS = [
    ("connect", "Connect"),
    ("list", "List"),
    ("mapping", "Fields"),
    ("message", "Message"),
    ("campaign", "Campaign"),
    ("statistics", "Statistics"),
]


def form_data(request: HttpRequest) -> Any:
    """The POST data of a submitted form, None for a GET (an empty POST is still a submit)."""
    return request.POST if request.method == "POST" else None


def site_url_for(request: HttpRequest) -> str:
    """How Selzy reaches this site: SITE_URL when set, else the address of this request."""
    return selzy_settings().site_url or request.build_absolute_uri("/").rstrip("/")


def steps_done() -> set[str]:
    """Which steps of the flow are behind the user (for the step bar)."""
    from ..models import Campaign, Connection, Message

    connection = Connection.current()
    done = set()
    if connection.is_connected:
        done.add("connect")
    if connection.list_id:
        done.add("list")
    if connection.mapping_completed_at:
        done.add("mapping")
    if Message.objects.exists():
        done.add("message")
    if Campaign.objects.filter(campaign_id__isnull=False).exists():
        done.update({"campaign", "statistics"})
    return done


def render(
    request: HttpRequest,
    template: str,
    title: str,
    context: dict[str, Any] | None = None,
    *,
    step: str = "",
    status: int = 200,
) -> TemplateResponse:
    """A screen in the admin's frame (header, breadcrumbs, messages, the step bar)."""
    data = {
        **admin.site.each_context(request),
        "title": title,
        "step": step,
        "selzy_steps": STEPS,
        "steps_done": steps_done(),
        **(context or {}),
    }
    return TemplateResponse(request, template, data, status=status)


NOT_CONNECTED = "Connect a Selzy account first: log in with its API key or register a new one."


@sensitive_variables()  # it reads the key to see whether it can
def key_problem(connection: Connection) -> str:
    """Why the stored API key cannot be read ("" when it can, or when none is stored)."""
    from ..crypto import UnreadableSecretError

    if not connection.is_connected:
        return ""
    try:
        _ = connection.api_key
    except UnreadableSecretError as error:
        return str(error)
    return ""


def setup_redirect(
    request: HttpRequest, *, need_list: bool = True, need_mapping: bool = False
) -> HttpResponse | None:
    """A redirect to the first setup step a screen still lacks, saying why; None when set up.

    Always a linked account with a readable key; then, unless ``need_list`` is False, a
    selected list; with ``need_mapping``, also the mapped fields of the chosen contact source.
    """
    from ..models import Connection, MappedField

    connection = Connection.current()
    if not connection.is_connected:
        messages.warning(request, NOT_CONNECTED)
        return redirect("admin:selzy_connect")
    if problem := key_problem(connection):
        messages.error(request, problem)
        return redirect("admin:selzy_connect")
    if not (need_list or need_mapping):
        return None
    if not connection.list_id:
        messages.warning(request, f"{SELECT_LIST} first.")
        return redirect("admin:selzy_list")
    if need_mapping and not (
        connection.source and MappedField.objects.filter(source=connection.source).exists()
    ):
        messages.warning(request, "Map the contact fields to Selzy's fields first.")
        return redirect("admin:selzy_mapping")
    return None


def explain(error: Exception) -> str:
    """A failed Selzy call (or a missing or unreadable key) in words a site owner can act on.

    The known failures get advice; any other error speaks for itself. Never the API key: none
    of these error classes holds it.
    """
    if isinstance(error, InvalidAPIKeyError):
        return (
            "Selzy no longer accepts the saved API key (it may have been regenerated). "
            "Connect again with the current key."
        )
    if isinstance(error, AccessDeniedError):
        return f"API access is disabled for the Selzy account: enable it in {HOW_TO_ENABLE}."
    if isinstance(error, RateLimitError):
        return "Selzy is limiting the number of calls right now: wait a minute and try again."
    if isinstance(error, RateLimiterUnavailableError):
        reason = error.reason.rstrip(".")  # Redis ends its own sentences
        return (
            "The rate limiter could not be reached, so nothing was sent to Selzy "
            f'({reason}). Check that the Redis server of SELZY["RATE_LIMITER"] is running and '
            "reachable, then try again."
        )
    if isinstance(error, TransportError):
        return f"Selzy could not be reached ({error}). Try again in a moment."
    if isinstance(error, APIError):
        return f"Selzy refused the request: {sentence(error.detail)}"
    return str(error)


def sentence(text: str) -> str:
    """``text`` ending in exactly one full stop: Selzy's texts come with or without one."""
    return f"{text.rstrip().rstrip('.')}."
