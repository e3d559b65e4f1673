"""Sign-ups: the one entry point every form of the site goes through (the module's own form,
and adapters for other form builders).

::

    from selzy.contrib.django.signups import sign_up

    signup = sign_up(
        "newsletter",                                  # a key of SELZY["SIGNUP_FORMS"]
        {"email": "ann@example.com", "Name": "Ann"},   # by Selzy field name
        consent=True,                                  # the visitor ticked the consent box
        request=request,                               # evidence and limits (None: neither)
        origin="wagtail:contact-page",                 # who took it, kept on both rows
    )

:func:`sign_up` checks the values against the form's fields (:func:`form_fields`: names, types
and labels from the configuration and the mapping), applies the per-IP and per-address limits
(:mod:`.signup_limits`), stores a :class:`~.models.ConsentRecord` and a
:class:`~.models.SignUp` in one transaction, and submits the queue once it commits
(:mod:`.signup_queue`). It never calls Selzy, so it never fails because Selzy does; what it
refuses it raises as a :class:`SignUpError`: :class:`UnknownForm`, :class:`ConsentRequired`,
:class:`InvalidSignUp` (``errors`` by field name) or :class:`TooManySignUps` (``scope`` "ip" or
"email"). The list, the double opt-in mode and the tags always come from the configuration.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import pgettext_lazy

from selzy.integration import (
    SELZY_TYPES,
    InvalidValueError,
    SelzyType,
    signup_email,
    signup_values,
)

from . import consent as consent_evidence
from .conf import selzy_settings
from .models import Connection, ConsentRecord, MappedField, SignUp
from .signup_config import PHONE, SignUpFormConfig, Text
from .signup_limits import allow_email, allow_ip
from .signup_queue import submit_after_commit
from .sources import ContactSource, contact_sources

__all__ = [
    "ConsentRequired",
    "InvalidSignUp",
    "SignUpError",
    "SignUpField",
    "TooManySignUps",
    "UnknownForm",
    "form_fields",
    "sign_up",
    "signup_form",
    "unmapped_fields",
]

PAGE_LENGTH = 2000

logger = logging.getLogger("selzy.django")


class SignUpError(Exception):
    """A sign-up :func:`sign_up` refused; nothing was stored."""


class UnknownForm(SignUpError, LookupError):
    """No form of that key in ``SELZY["SIGNUP_FORMS"]``."""


class ConsentRequired(SignUpError):
    """``consent`` was not True: no sign-up without the ticked box."""


class InvalidSignUp(SignUpError):
    """Values the form does not take; ``errors`` maps each field name to why (staff's words,
    not the visitor's: a form shows its own)."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{name}: {why}" for name, why in sorted(self.errors.items())))


class TooManySignUps(SignUpError):
    """Over the per-IP (``scope`` "ip") or per-address ("email") limit."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__(f"too many sign-ups from this {'IP' if scope == 'ip' else 'address'}")


@dataclass(frozen=True)
class SignUpField:
    """A field of a sign-up form besides the address: the Selzy field's name (or ``phone``),
    its type, the label a visitor reads and whether it must be filled."""

    name: str
    type: SelzyType
    label: Text
    required: bool = False


def signup_form(form_key: str) -> SignUpFormConfig:
    """The configuration of the form ``form_key``; :class:`UnknownForm` when there is none."""
    forms = selzy_settings().signup_forms
    try:
        return forms[form_key]
    except KeyError:
        known = ", ".join(sorted(forms)) or "none"
        raise UnknownForm(
            f'No sign-up form {form_key!r} in SELZY["SIGNUP_FORMS"] (configured: {known})'
        ) from None


def form_fields(config: SignUpFormConfig) -> list[SignUpField]:
    """The form's fields with their types and labels: given in the configuration, or read from
    the mapping (the Fields screen) and its source's labels. A field that is neither is left
    out, with an error in the log and on the Sign-up forms screen (:func:`unmapped_fields`):
    the mapping is edited in the admin, and unmapping a field must not take the site's pages
    down with it."""
    fields, missing = _resolve(config)
    if missing:
        logger.error(
            "Sign-up form %r leaves out %s: not in the mapping (Selzy → Fields). Map it, or "
            'give its type in SIGNUP_FORMS: {"name": ..., "type": "string"}',
            config.key,
            ", ".join(missing),
        )
    return fields


def unmapped_fields(config: SignUpFormConfig) -> list[str]:
    """The form's fields it leaves out: neither typed in the configuration nor mapped."""
    return _resolve(config)[1]


def _resolve(config: SignUpFormConfig) -> tuple[list[SignUpField], list[str]]:
    connection = Connection.current()
    mapped: dict[str, MappedField] = {}
    labels: dict[str, str] = {}
    if connection.source:
        for mapping in MappedField.objects.filter(source=connection.source):
            mapped[mapping.selzy_field] = mapping
            mapped.setdefault(mapping.source_field, mapping)
        source = _sources().get(connection.source)
        if source is not None:
            labels = {f.name: f.label for f in source.fields()}
    fields: list[SignUpField] = []
    missing: list[str] = []
    for spec in config.fields:
        if spec.name == PHONE:
            label = spec.label or pgettext_lazy("selzy sign-up form", "Phone")
            fields.append(SignUpField(PHONE, "string", label, spec.required))
            continue
        row = mapped.get(spec.name)
        name: str
        kind: SelzyType
        if spec.type is not None:
            name, kind = spec.name, spec.type
        elif row is not None and row.selzy_type in SELZY_TYPES:
            name, kind = row.selzy_field, row.selzy_type
        else:
            missing.append(spec.name)
            continue
        label = spec.label or (labels.get(row.source_field, "") if row else "") or name
        fields.append(SignUpField(name, kind, label, spec.required))
    return fields, missing


def _sources() -> dict[str, ContactSource]:
    try:
        return contact_sources()
    except ImproperlyConfigured:
        return {}  # the checks say what is wrong; the labels fall back to the names


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def sign_up(
    form_key: str,
    values: Mapping[str, object],
    *,
    consent: bool,
    request: HttpRequest | None,
    origin: str,
    page: str = "",
) -> SignUp:
    """Check, store and queue one sign-up (see the module's docstring); the stored row.

    ``values`` holds ``email`` and the form's fields by Selzy field name; ``consent`` must be
    True. ``request`` gives the evidence (IP, user agent, the page: ``page``, else its
    Referer) and is counted against the per-IP limit (once per request); the per-address limit
    applies with or without it. ``origin`` names what took the sign-up ("form", an adapter).
    """
    config = signup_form(form_key)
    if consent is not True:
        raise ConsentRequired("A sign-up needs the visitor's consent: the ticked box")
    fields = {field.name: field for field in form_fields(config)}
    problems: dict[str, str] = {}
    try:
        email = signup_email(values.get("email"))
    except InvalidValueError as why:
        email, problems["email"] = "", str(why)
    others = {name: value for name, value in values.items() if name != "email"}
    for name in others.keys() - fields.keys():
        problems[name] = "not a field of this form"
    for field in fields.values():
        if field.required and _blank(others.get(field.name)):
            problems[field.name] = "required"
    types = {name: field.type for name, field in fields.items() if name != PHONE}
    converted, wrong = signup_values(
        {name: value for name, value in others.items() if name in fields},
        types,
        phone_country=selzy_settings().phone_country,
    )
    problems.update({name: why for name, why in wrong.items() if name not in problems})
    if problems:
        raise InvalidSignUp(problems)
    if request is not None and not allow_ip(request):
        raise TooManySignUps("ip")
    if not allow_email(email):
        raise TooManySignUps("email")
    if not page and request is not None:
        page = str(request.META.get("HTTP_REFERER", ""))
    with transaction.atomic():
        record = ConsentRecord.objects.create(
            form_key=config.key,
            origin=origin[:100],
            email=email,
            consent_text=str(config.consent_text),
            consent_version=config.consent_version,
            language=translation.get_language() or "",
            double_optin=config.optin_code,
            page=page[:PAGE_LENGTH],
            **consent_evidence.evidence(request),
        )
        signup = SignUp.objects.create(
            form_key=config.key,
            origin=origin[:100],
            email=email,
            values=converted,
            list_id=config.list_id,
            double_optin=config.optin_code,
            tags=list(config.tags),
            consent=record,
            created_at=record.given_at,
        )
        submit_after_commit()
    return signup
