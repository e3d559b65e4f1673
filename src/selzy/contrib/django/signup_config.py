"""Sign-up forms as the site configures them: ``SELZY["SIGNUP_FORMS"]``, read and checked.

Everything that decides where a sign-up goes and how it is confirmed lives here, on the
server; a visitor's request never chooses it (a forged ``list_ids``, ``double_optin`` or
``tags`` in a POST is simply not a field of the form)::

    "SIGNUP_FORMS": {
        "newsletter": {
            "list_id": None,                     # None: the list chosen on the List screen
            "fields": ["Name", {"name": "Birthday", "type": "date", "label": _("Birthday")}],
            "double_optin": "selzy_letter",      # or "confirmed_by_site"
            "consent_text": _("I agree to receive the newsletter. I can unsubscribe at any "
                              "time."),
            "consent_version": "2026-01",
            "tags": ["site-form"],
            "title": _("Our newsletter"),        # optional: the form's heading
            "button": _("Subscribe"),            # optional: the button's text
            "success_message": _("..."),         # optional: shown after the sign-up
        },
    }

- ``fields``: the form asks for the email address, then these. A name is a Selzy field of the
  mapping (the Fields screen: its type and the source field's label come from there) or
  ``"phone"``; a dict gives ``name``, ``type`` (string, text, number, date, bool), ``label``
  and ``required`` (default False) itself, for a Selzy field outside the mapping.
- ``double_optin``: ``"selzy_letter"`` (the default) subscribes with ``double_optin=0``: Selzy
  sends the list's confirmation letter and the person joins when they click it.
  ``"confirmed_by_site"`` (``double_optin=3``) adds them at once, without a letter: only for
  consent the site confirmed itself (a verified account's ticked box), never a public form.
- ``consent_text`` and ``consent_version`` are required: the text is the unticked checkbox's
  label and is kept, as shown, in each :class:`~.models.ConsentRecord` with the version.
- Texts may be lazy translations (``gettext_lazy``): they are shown in the visitor's language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, cast

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from selzy.integration import SELZY_TYPES, DoubleOptin, SelzyType, signup_tags

OptInMode = Literal["selzy_letter", "confirmed_by_site"]
#: subscribe's ``double_optin`` for each mode.
OPTIN_CODES: Final[dict[OptInMode, DoubleOptin]] = {"selzy_letter": 0, "confirmed_by_site": 3}
#: A form key is a URL segment and a part of the sign-up's row.
KEY_PATTERN: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
#: Fields every form has: the address, and the contact's phone (Selzy's own).
EMAIL, PHONE = "email", "phone"

_FORM_KEYS: Final = frozenset(
    {
        "list_id",
        "fields",
        "double_optin",
        "consent_text",
        "consent_version",
        "tags",
        "title",
        "button",
        "success_message",
    }
)
_FIELD_KEYS: Final = frozenset({"name", "type", "label", "required"})

#: A text the site may give as a lazy translation.
if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    Text = str | _StrPromise
else:
    Text = str | Promise


@dataclass(frozen=True)
class FieldSpec:
    """One configured field: a Selzy field name (or ``phone``), its type when the site gave it
    (None: read from the mapping), its label and whether it must be filled."""

    name: str
    type: SelzyType | None = None
    label: Text = ""
    required: bool = False


@dataclass(frozen=True)
class SignUpFormConfig:
    """One entry of ``SIGNUP_FORMS``, checked."""

    key: str
    consent_text: Text
    consent_version: str
    list_id: int | None = None
    fields: tuple[FieldSpec, ...] = ()
    double_optin: OptInMode = "selzy_letter"
    tags: tuple[str, ...] = ()
    title: Text = ""
    button: Text = ""
    success_message: Text = ""

    @property
    def optin_code(self) -> DoubleOptin:
        """subscribe's ``double_optin`` for this form."""
        return OPTIN_CODES[self.double_optin]

    @property
    def confirmation_letter(self) -> bool:
        """Whether the person must confirm by a letter from Selzy."""
        return self.double_optin == "selzy_letter"

    def button_text(self) -> Text:
        """The submit button's text (the configured one, or "Subscribe")."""
        return self.button or _("Subscribe")

    def success_text(self) -> Text:
        """What the visitor reads once signed up (the configured text, or the default)."""
        if self.success_message:
            return self.success_message
        if self.confirmation_letter:
            return _(
                "Thank you! Please check your inbox: we have sent you a letter with a link to "
                "confirm your subscription."
            )
        return _("Thank you for subscribing!")


class _Bad(ValueError):
    """A part of SIGNUP_FORMS that cannot be used; the text says what to write instead."""


def read_signup_forms(value: Any) -> dict[str, SignUpFormConfig]:
    """``SELZY["SIGNUP_FORMS"]`` as checked configs by key; ValueError says what is wrong."""
    if not isinstance(value, Mapping):
        raise ValueError('use a dict of forms by key: {"newsletter": {"consent_text": ...}}')
    forms = {}
    for key, entry in value.items():
        try:
            forms[str(key)] = _form(key, entry)
        except _Bad as why:
            raise ValueError(f"form {key!r}: {why}") from None
    return forms


def _form(key: Any, entry: Any) -> SignUpFormConfig:
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise _Bad("a key is lower-case letters, digits, - and _ (it is part of the form's URL)")
    if not isinstance(entry, Mapping):
        raise _Bad("use a dict with at least consent_text and consent_version")
    unknown = sorted(set(entry) - _FORM_KEYS)
    if unknown:
        raise _Bad(f"unknown keys {unknown}; the known ones are {sorted(_FORM_KEYS)}")
    list_id = entry.get("list_id")
    if list_id is not None and (
        isinstance(list_id, bool) or not isinstance(list_id, int) or list_id < 1
    ):
        raise _Bad("list_id is a Selzy list id (a positive integer), or None for the module's list")
    mode = entry.get("double_optin", "selzy_letter")
    if mode not in OPTIN_CODES:
        raise _Bad(
            'double_optin is "selzy_letter" (Selzy sends its confirmation letter) or '
            '"confirmed_by_site" (the site confirmed the consent itself)'
        )
    consent_text = entry.get("consent_text")
    if not isinstance(consent_text, str | Promise) or not str(consent_text).strip():
        raise _Bad("consent_text is required: the words the visitor agrees to by ticking the box")
    version = entry.get("consent_version")
    if not isinstance(version, str) or not version.strip() or len(version) > 64:
        raise _Bad('consent_version is required: a short name of the text\'s version ("2026-01")')
    tags = entry.get("tags", ())
    if isinstance(tags, str) or not all(isinstance(t, str) for t in tags):
        raise _Bad('tags is a list of texts: ["site-form"]')
    try:
        checked_tags = signup_tags(list(tags))
    except ValueError as why:
        raise _Bad(f"tags: {why}") from None
    texts: dict[str, Text] = {}
    for name in ("title", "button", "success_message"):
        text = entry.get(name)
        if text is not None and not isinstance(text, str | Promise):
            raise _Bad(f"{name} is a text")
        if text:
            texts[name] = cast(Text, text)
    return SignUpFormConfig(
        key=key,
        consent_text=cast(Text, consent_text),
        consent_version=version.strip(),
        list_id=list_id,
        fields=_fields(entry.get("fields", ())),
        double_optin=mode,
        tags=checked_tags,
        **texts,
    )


def _fields(value: Any) -> tuple[FieldSpec, ...]:
    if isinstance(value, str | Mapping):
        raise _Bad('fields is a list: ["Name", {"name": "Birthday", "type": "date"}]')
    specs: list[FieldSpec] = []
    for item in value:
        spec = _field(item)
        if spec.name == EMAIL:
            continue  # every form asks for it first
        if spec.name in {s.name for s in specs}:
            raise _Bad(f"the field {spec.name!r} is listed twice")
        specs.append(spec)
    return tuple(specs)


def _field(item: Any) -> FieldSpec:
    if isinstance(item, str):
        if not item.strip():
            raise _Bad("a field name is empty")
        return FieldSpec(item.strip())
    if not isinstance(item, Mapping):
        raise _Bad(f"a field is a Selzy field name or a dict, not {item!r}")
    unknown = sorted(set(item) - _FIELD_KEYS)
    if unknown:
        raise _Bad(f"a field has unknown keys {unknown}; use {sorted(_FIELD_KEYS)}")
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _Bad("a field given as a dict needs its Selzy field's name")
    kind = item.get("type")
    if kind is not None and kind not in SELZY_TYPES:
        raise _Bad(f"field {name!r}: type is one of {', '.join(SELZY_TYPES)}")
    label = item.get("label", "")
    if not isinstance(label, str | Promise):
        raise _Bad(f"field {name!r}: label is a text")
    return FieldSpec(name.strip(), kind, cast(Text, label), bool(item.get("required", False)))
