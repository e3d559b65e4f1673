"""What the adapters for other form builders share: a page's field mapping, checked, and a
sign-up that never breaks the form it rides on.

A form built in Wagtail or django CMS (or Django's own user registration) has its own job:
store the submission, send the mail, create the account. Subscribing is a second job on the
same submission, so :func:`subscribe_quietly` never raises: a refusal (a limit, a value the
sign-up form does not take, a configuration problem) is logged on ``selzy.django`` and the
form's own job goes on. The list, the double opt-in mode and the consent text still come from
``SELZY["SIGNUP_FORMS"]`` only; an editor chooses which of those forms a page feeds and which of
the page's fields fill which Selzy field (a *field map*)::

    name = Name
    birthday = Birthday

one ``form field = Selzy field`` per line (``#`` starts a comment).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import HttpRequest

from .models import SignUp
from .signup_config import EMAIL
from .signups import (
    InvalidSignUp,
    SignUpError,
    TooManySignUps,
    form_fields,
    sign_up,
    signup_form,
)

__all__ = [
    "FieldMapError",
    "SignUpMapping",
    "mapping_problems",
    "parse_field_map",
    "signup_form_choices",
    "subscribe_quietly",
]

logger = logging.getLogger("selzy.django")


class FieldMapError(ValueError):
    """A field map that cannot be read; the text says which line and what to write."""


def parse_field_map(text: str) -> dict[str, str]:
    """``form field = Selzy field`` lines as a dict, form field first; :class:`FieldMapError`
    for a line that is not one, a form field given twice or two form fields for one Selzy
    field."""
    mapping: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        form_field, sep, selzy_field = (part.strip() for part in line.partition("="))
        if not sep or not form_field or not selzy_field:
            raise FieldMapError(
                f"line {number}: write “form field = Selzy field”, as in “name = Name”"
            )
        if selzy_field.lower() == EMAIL:
            raise FieldMapError(
                f"line {number}: the address has its own setting (the email field), "
                "it is not mapped here"
            )
        if form_field in mapping:
            raise FieldMapError(f"line {number}: the form field {form_field!r} is mapped twice")
        if selzy_field in mapping.values():
            raise FieldMapError(
                f"line {number}: two form fields fill the Selzy field {selzy_field!r}"
            )
        mapping[form_field] = selzy_field
    return mapping


def signup_form_choices() -> list[tuple[str, str]]:
    """The configured sign-up forms as choices for an editor (key, key and title), after a
    blank "none" choice."""
    from .conf import selzy_settings

    choices = [("", "---------")]
    for key, config in sorted(selzy_settings().signup_forms.items()):
        title = str(config.title) if config.title else ""
        choices.append((key, f"{key}: {title}" if title else key))
    return choices


@dataclass(frozen=True)
class SignUpMapping:
    """Where one form's submissions go: the sign-up form's key, the form's fields that hold the
    address and the consent box, and the field map (form field -> Selzy field)."""

    form_key: str
    email_field: str
    consent_field: str
    field_map: Mapping[str, str]

    def values(self, cleaned_data: Mapping[str, object]) -> dict[str, object]:
        """The submission's address and mapped values, by Selzy field name, for
        :func:`.signups.sign_up`; empty values are left out
        (an unticked yes/no stays: it is an answer). The sign-up converts each value to its Selzy
        type: a date, a number, several choices as one text."""
        values: dict[str, object] = {EMAIL: cleaned_data.get(self.email_field)}
        for form_field, selzy_field in self.field_map.items():
            value = cleaned_data.get(form_field)
            if value is None or value == "" or value == []:
                continue
            values[selzy_field] = value
        return values

    def consented(self, cleaned_data: Mapping[str, object]) -> bool:
        """Whether the visitor ticked the consent box (True, not merely something)."""
        return bool(self.consent_field) and cleaned_data.get(self.consent_field) is True


def mapping_problems(
    mapping: SignUpMapping,
    form_field_names: Iterable[str] | None,
) -> dict[str, str]:
    """What is wrong with ``mapping`` for a form whose fields are ``form_field_names`` (None:
    not known yet, only the sign-up form's side is checked), by the setting at fault
    ("form_key", "email_field", "consent_field", "field_map"); empty when it is usable. Reads
    the sign-up form's fields (the mapping), so it needs the database."""
    problems: dict[str, str] = {}
    try:
        config = signup_form(mapping.form_key)
        fields = {field.name: field for field in form_fields(config)}
    except (SignUpError, ImproperlyConfigured) as why:
        return {"form_key": str(why)}
    names = set(form_field_names) if form_field_names is not None else None
    known = ", ".join(sorted(names or ())) or "none"
    if names is not None and mapping.email_field not in names:
        problems["email_field"] = (
            f"the form has no field {mapping.email_field!r} for the address (its fields: {known})"
        )
    if not mapping.consent_field:
        problems["consent_field"] = "name the form's checkbox the visitor ticks to subscribe"
    elif names is not None and mapping.consent_field not in names:
        problems["consent_field"] = f"the form has no field {mapping.consent_field!r} ({known})"
    wrong: list[str] = []
    for form_field, selzy_field in mapping.field_map.items():
        if names is not None and form_field not in names:
            wrong.append(f"the form has no field {form_field!r} ({known})")
        if selzy_field not in fields:
            takes = ", ".join(fields) or "only the address"
            wrong.append(
                f"{selzy_field!r} is not a field of the sign-up form {config.key!r} (it takes "
                f"{takes})"
            )
    filled = set(mapping.field_map.values())
    for field in fields.values():
        if field.required and field.name not in filled:
            wrong.append(
                f"the sign-up form {config.key!r} requires {field.name!r}: map a form field to it"
            )
    if wrong:
        problems["field_map"] = "; ".join(wrong)
    return problems


def subscribe_quietly(
    mapping: SignUpMapping | str,
    values: Mapping[str, object],
    *,
    request: HttpRequest | None,
    origin: str,
    page: str = "",
) -> SignUp | None:
    """:func:`.signups.sign_up` for a submission whose own work must go on: the stored sign-up,
    or None when it was refused or failed (logged, never raised). ``mapping`` is the sign-up
    form's key or a :class:`SignUpMapping`; the caller has checked the consent box.

    It runs in a savepoint, so a database error inside leaves the caller's transaction (the
    account being created, the submission being stored) usable. The log names the form, the
    origin and why, never the visitor's values.
    """
    form_key = mapping if isinstance(mapping, str) else mapping.form_key
    try:
        with transaction.atomic():
            return sign_up(
                form_key, values, consent=True, request=request, origin=origin, page=page
            )
    except TooManySignUps as refused:
        logger.warning(
            "Sign-up form %s (%s): not subscribed, over the per-%s limit",
            form_key,
            origin,
            refused.scope,
        )
    except InvalidSignUp as refused:
        logger.warning(
            "Sign-up form %s (%s): not subscribed, values it does not take in %s",
            form_key,
            origin,
            ", ".join(sorted(refused.errors)),
        )
    except SignUpError as refused:
        logger.error("Sign-up form %s (%s): not subscribed: %s", form_key, origin, refused)
    except Exception:
        # A configuration problem (ImproperlyConfigured) or the database: logged with its
        # traceback for the site's staff; the form's own work must not be lost over it.
        logger.exception(
            "Sign-up form %s (%s): not subscribed, the sign-up failed", form_key, origin
        )
    return None
