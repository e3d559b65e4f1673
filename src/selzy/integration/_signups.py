"""One sign-up from a site's form sent to Selzy (subscribe), and what its failure means.

A host stores the sign-up before it calls Selzy (the Django module's queue, the next CMS's),
converts the visitor's values with :func:`signup_values`, and sends it with :func:`send_signup`.
The :class:`SignUpOutcome` says what to do next:

========  ==============================================================  ======================
verdict   when                                                            the host
========  ==============================================================  ======================
sent      Selzy answered with the contact's ``person_id``                 marks it sent
retry     Selzy could not be reached or asked to wait (a connection       keeps it, waits, tries
          error, a timeout, HTTP 5xx, ``retry_later``, a rate limit), or  again; later sign-ups
          the *setup* refused it (the key, API access, the list, its      wait behind it, so
          confirmation letter, a user field): nothing about this          they arrive in order
          sign-up is wrong, so it must not be lost (``setup`` says which)
refused   Selzy refused this sign-up's own data (an address or a value    keeps it as failed,
          it does not take)                                               with the reason; the
                                                                          others go on
========  ==============================================================  ======================

``subscribe`` is never repeated blindly: it may send a confirmation letter. When an attempt may
have reached Selzy although its answer was lost (``uncertain``), the next one first asks
(getContact): a contact already invited, or already in the lists, is counted as sent, so the
person gets one letter. ``overwrite`` is left at 0 (only missing fields are added): anyone can
type anyone's address into a form, and an unconfirmed sign-up must not change a known
contact's name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from selzy.client import (
    AccessDeniedError,
    APIConnectionError,
    APIError,
    InvalidAPIKeyError,
    InvalidArgumentError,
    RateLimitError,
    RetryLaterError,
    Selzy,
    SelzyError,
    TooManyDoubleOptinsError,
    TransportError,
    UnspecifiedError,
)
from selzy.protocol import MAX_TAGS_PER_CONTACT

from ._convert import convert_value, normalise_email
from ._errors import InvalidValueError
from ._fields import SelzyType
from ._phones import normalise_phone

#: subscribe's ``double_optin``: 0 sends the first list's confirmation letter (the person joins
#: when they click it); 3 adds the contact at once, for consent the site collected itself.
DoubleOptin = Literal[0, 3]
SignUpVerdict = Literal["sent", "retry", "refused"]

#: Statuses getContact shows for an address a subscribe already reached: invited (the letter
#: went out), or in the list.
_REACHED_STATUSES: Final = frozenset({"invited", "new", "active"})

# Refusals that are about the account or the list, not the sign-up (REFERENCE §2.5, §5.2):
# "These list ids="..." has no confirmation letters", an unknown or deleted list, a user field
# that no longer exists. Matched on Selzy's text, which is all a refusal of these carries.
_SETUP_TEXTS: Final = re.compile(
    r"confirmation letter|\blist[ _]?ids?\b|\blist\b.*\b(exist|found)|no user field|"
    r"field\b.*\b(does not exist|not found)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class SignUpRequest:
    """What one subscribe call carries: the address, the converted field values (Selzy field
    name -> text), the lists, the double opt-in mode and the tags (at most 10)."""

    email: str
    list_ids: tuple[int, ...]
    fields: Mapping[str, str] = field(default_factory=dict)
    double_optin: DoubleOptin = 0
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.list_ids:
            raise ValueError("a sign-up needs at least one list id")
        if self.double_optin not in (0, 3):
            raise ValueError(f"double_optin must be 0 or 3, got {self.double_optin!r}")
        if len(self.tags) > MAX_TAGS_PER_CONTACT:
            raise ValueError(f"at most {MAX_TAGS_PER_CONTACT} tags per contact")
        if "email" in self.fields:
            raise ValueError("the address goes in email, not in fields")


@dataclass(frozen=True, slots=True)
class SignUpOutcome:
    """What :func:`send_signup` did: see the module's table."""

    verdict: SignUpVerdict
    person_id: int | None = None
    #: Why it was refused or must wait, in words for the site's staff (never for visitors).
    reason: str = ""
    #: A retry whose call may have reached Selzy: pass it back to the next :func:`send_signup`.
    uncertain: bool = False
    #: A retry because of the account or list, which staff must fix (not a passing outage).
    setup: bool = False


def signup_values(
    values: Mapping[str, object],
    types: Mapping[str, SelzyType],
    *,
    phone_country: str | None = None,
) -> tuple[dict[str, str], dict[str, str]]:
    """The visitor's values as subscribe's ``fields`` texts, and the problems by field name.

    ``types`` gives each accepted field's Selzy type (``phone`` is the contact's phone, put in
    international form). A name ``types`` does not list is a problem, as is a value its type
    cannot hold; an empty value is left out.
    """
    converted: dict[str, str] = {}
    problems: dict[str, str] = {}
    for name, value in values.items():
        if name == "email":
            problems[name] = "the address is given on its own, not among the values"
            continue
        if name == "phone":
            try:
                text = normalise_phone(value, country_code=phone_country)
            except InvalidValueError as why:
                problems[name] = str(why)
                continue
        elif name not in types:
            problems[name] = "not a field of this form"
            continue
        else:
            try:
                text = convert_value(value, types[name])
            except InvalidValueError as why:
                problems[name] = str(why)
                continue
        if text:
            converted[name] = text
    return converted, problems


def signup_email(value: object) -> str:
    """The address as subscribe takes it; :class:`InvalidValueError` for none or a bad one."""
    email = normalise_email(value)
    if not email:
        raise InvalidValueError("an email address is required")
    return email


def send_signup(client: Selzy, request: SignUpRequest, *, uncertain: bool = False) -> SignUpOutcome:
    """Subscribe the sign-up's address to its lists (after asking Selzy whether an earlier,
    ``uncertain`` attempt reached it); never raises a :class:`SelzyError`: the outcome says."""
    try:
        if uncertain and _reached(client, request):
            return SignUpOutcome("sent")
        subscribed = client.subscribe(
            list_ids=list(request.list_ids),
            fields={"email": request.email, **request.fields},
            tags=list(request.tags) or None,
            double_optin=request.double_optin,
            overwrite=0,
        )
    except SelzyError as error:
        return signup_failure(error, uncertain=uncertain)
    return SignUpOutcome("sent", person_id=subscribed.person_id)


def _reached(client: Selzy, request: SignUpRequest) -> bool:
    """Whether an earlier subscribe of the address reached Selzy: invited, or in the lists."""
    try:
        contact = client.get_contact(email=request.email, include_lists=True)
    except UnspecifiedError as error:
        if "not found" in error.detail.lower():
            return False
        raise
    status = (contact.email.status if contact.email else "") or ""
    if status == "invited":
        return True
    wanted = set(request.list_ids)
    return any(m.id in wanted and (m.status or "") in _REACHED_STATUSES for m in contact.lists)


def signup_failure(error: SelzyError, *, uncertain: bool = False) -> SignUpOutcome:
    """The outcome of a subscribe (or getContact) that raised ``error``: see the module's
    table. ``uncertain`` carries over: an earlier attempt may still have reached Selzy."""
    if isinstance(error, TransportError):
        # Only a connection error knows the request never left; a 5xx or a torn answer may
        # come after Selzy acted.
        sent = error.request_sent if isinstance(error, APIConnectionError) else True
        return SignUpOutcome(
            "retry", reason=f"Selzy could not be reached: {error}", uncertain=uncertain or sent
        )
    if isinstance(error, RetryLaterError | RateLimitError):
        return SignUpOutcome("retry", reason=f"Selzy asked to wait: {error}", uncertain=uncertain)
    if isinstance(error, InvalidAPIKeyError | AccessDeniedError | TooManyDoubleOptinsError):
        return _setup(error, uncertain)
    if isinstance(error, InvalidArgumentError | UnspecifiedError) and _SETUP_TEXTS.search(
        error.detail
    ):
        return _setup(error, uncertain)
    if isinstance(error, APIError):
        return SignUpOutcome("refused", reason=f"Selzy refused the sign-up: {error.detail}")
    return SignUpOutcome("refused", reason=str(error))


def _setup(error: SelzyError, uncertain: bool) -> SignUpOutcome:
    detail = error.detail if isinstance(error, APIError) else str(error)
    return SignUpOutcome(
        "retry",
        reason=f"Selzy refused it because of the account or the list: {detail}",
        uncertain=uncertain,
        setup=True,
    )


def signup_tags(tags: Sequence[str]) -> tuple[str, ...]:
    """Configured tags, trimmed, without repeats and empties; ValueError for more than 10."""
    kept = tuple(dict.fromkeys(t.strip() for t in tags if t and t.strip()))
    if len(kept) > MAX_TAGS_PER_CONTACT:
        raise ValueError(f"{len(kept)} tags; Selzy keeps at most {MAX_TAGS_PER_CONTACT}")
    return kept
