"""The "Subscribe (Selzy)" action of django CMS's form builder (djangocms-form-builder).

An editor builds a form on a page (Form plugin, with field plugins inside), ticks the action
"Subscribe (Selzy)" among the form's actions and fills in its settings:

- the sign-up form (``SELZY["SIGNUP_FORMS"]``) the form feeds: its list, double opt-in mode,
  consent text and tags apply, never anything from the editor or the request;
- the field names (as in each field plugin's "Field name") of the address and of the consent
  checkbox (a Boolean field, not required);
- the field map: ``form field = Selzy field`` per line.

On each submission whose consent box was ticked, the action calls
:func:`selzy.contrib.django.signups.sign_up` (origin ``"djangocms"``; the consent record's page is
the page the form was on). The form's other actions (save, mail, message) run as before: a
refused or failed sign-up is logged on ``selzy.django``, never shown to the visitor.

The consent record keeps the sign-up form's consent text as what the visitor agreed to, so the
checkbox's label, which the editor types in the field plugin, must read exactly that text (in
the page's language): the action refuses (and logs why) a submission whose box says anything
else, and its settings show the text to copy.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from djangocms_form_builder.actions import FormAction, register

from selzy.contrib.django.form_adapters import (
    FieldMapError,
    SignUpMapping,
    mapping_problems,
    parse_field_map,
    signup_form_choices,
    subscribe_quietly,
)
from selzy.contrib.django.models import SignUp
from selzy.contrib.django.signups import SignUpError, signup_form

__all__ = ["ORIGIN", "SelzySubscribeAction", "action_hash"]

logger = logging.getLogger("selzy.django")

#: The origin the action's sign-ups and consent records carry.
ORIGIN = "djangocms"
#: The action's settings, kept in the Form plugin's ``action_parameters``.
PARAMETERS = ("selzy_signup_form", "selzy_email_field", "selzy_consent_field", "selzy_field_map")


def action_hash(action: type[Any]) -> str:
    """The key djangocms-form-builder stores for an action in a form's ``form_actions``."""
    return hashlib.sha1(action.__name__.encode("utf-8")).hexdigest()  # noqa: S324 (its key)


def _same_text(shown: object, consent_text: object) -> bool:
    return " ".join(str(shown or "").split()) == " ".join(str(consent_text).split())


@register
class SelzySubscribeAction(FormAction):  # type: ignore[misc]
    """Sign the visitor up when they ticked the consent box (see the module's docstring)."""

    verbose_name = _("Subscribe (Selzy)")

    class Meta:
        entangled_fields = {"action_parameters": list(PARAMETERS)}

    selzy_signup_form = forms.ChoiceField(
        label=_("Sign-up form"),
        choices=signup_form_choices,
        required=False,
        help_text=_("The Selzy sign-up form (from the site's settings) the visitors join."),
    )
    selzy_email_field = forms.CharField(
        label=_("Email field"),
        initial="email",
        required=False,
        help_text=_("The field name of the form's email field."),
    )
    selzy_consent_field = forms.CharField(
        label=_("Consent field"),
        required=False,
        help_text=_(
            "The field name of the checkbox the visitor ticks to subscribe. Its label must read "
            "the sign-up form's consent text, word for word."
        ),
    )
    selzy_field_map = forms.CharField(
        label=_("Field map"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One “form field = Selzy field” per line, as in “name = Name”."),
    )

    # --- the editor's side: checked only when the action is ticked on the form ---------------

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        initial = getattr(self, "initial", None) or {}
        if initial.get("selzy_signup_form"):
            self._show_consent_text(str(initial["selzy_signup_form"]))

    def _show_consent_text(self, key: str) -> None:
        """Tell the editor the words the consent checkbox's label must read."""
        try:
            config = signup_form(key)
        except SignUpError:
            return
        self.fields["selzy_consent_field"].help_text = _(
            "The field name of the checkbox the visitor ticks to subscribe. Its label must "
            "read: “%(text)s”"
        ) % {"text": config.consent_text}

    def _selected(self) -> bool:
        data = getattr(self, "data", None) or {}
        chosen = data.getlist("form_actions") if hasattr(data, "getlist") else []
        if not chosen:
            chosen = data.get("form_actions", []) if hasattr(data, "get") else []
        return action_hash(SelzySubscribeAction) in chosen

    def clean_selzy_signup_form(self) -> str:
        key = str(self.cleaned_data.get("selzy_signup_form") or "")
        if not self._selected():
            return key
        if not key:
            raise ValidationError(_("Choose the sign-up form the visitors join."))
        try:
            signup_form(key)
        except SignUpError as why:
            raise ValidationError(str(why)) from None
        self._show_consent_text(key)
        return key

    def clean_selzy_consent_field(self) -> str:
        name = str(self.cleaned_data.get("selzy_consent_field") or "").strip()
        if self._selected() and not name:
            raise ValidationError(_("Name the checkbox the visitor ticks to subscribe."))
        return name

    def clean_selzy_field_map(self) -> str:
        text = str(self.cleaned_data.get("selzy_field_map") or "")
        try:
            field_map = parse_field_map(text)
        except FieldMapError as why:
            raise ValidationError(str(why)) from None
        key = self.cleaned_data.get("selzy_signup_form")
        if self._selected() and key:
            mapping = SignUpMapping(
                form_key=key,
                email_field=str(self.cleaned_data.get("selzy_email_field") or ""),
                consent_field=str(self.cleaned_data.get("selzy_consent_field") or ""),
                field_map=field_map,
            )
            problems = mapping_problems(mapping, self._form_field_names())
            problems.pop("form_key", None)  # said on the sign-up form's own field
            if problems:
                raise ValidationError(list(problems.values()))
        return text

    def _form_field_names(self) -> list[str] | None:
        """The field names of the Form plugin's field plugins; None for a form that has none
        yet (a new plugin: its fields are added after it)."""
        instance = getattr(self, "instance", None)
        if instance is None or instance.pk is None:
            return None
        names = []
        for child in instance.get_descendants():
            plugin, _plugin_class = child.get_plugin_instance()
            name = getattr(plugin, "field_name", None) if plugin is not None else None
            if name and hasattr(plugin, "get_form_field"):
                names.append(str(name))
        return names or None

    # --- the visitor's side ---------------------------------------------------------------------

    def mapping(self, form: Any) -> SignUpMapping | None:
        """Where the form's submissions go, from the Form plugin's settings; None when the
        settings are incomplete (logged)."""
        key = self.get_parameter(form, "selzy_signup_form") or ""
        try:
            field_map = parse_field_map(self.get_parameter(form, "selzy_field_map") or "")
        except FieldMapError as why:
            logger.error("djangocms form %s: the Selzy field map: %s", _form_name(form), why)
            return None
        if not key:
            logger.error("djangocms form %s: no Selzy sign-up form chosen", _form_name(form))
            return None
        return SignUpMapping(
            form_key=key,
            email_field=self.get_parameter(form, "selzy_email_field") or "email",
            consent_field=self.get_parameter(form, "selzy_consent_field") or "",
            field_map=field_map,
        )

    def execute(self, form: Any, request: Any) -> SignUp | None:
        """The sign-up of a submission whose consent box was ticked; None otherwise."""
        mapping = self.mapping(form)
        if mapping is None or not mapping.consented(form.cleaned_data):
            return None
        try:
            config = signup_form(mapping.form_key)
        except SignUpError as why:
            logger.error("djangocms form %s: not subscribed: %s", _form_name(form), why)
            return None
        box = form.fields.get(mapping.consent_field)
        if not _same_text(getattr(box, "label", ""), config.consent_text):
            # The record would say they agreed to words they were not shown.
            logger.error(
                "djangocms form %s: not subscribed: the consent checkbox %r must be labelled "
                "with the sign-up form %r's consent text, %r",
                _form_name(form),
                mapping.consent_field,
                config.key,
                str(config.consent_text),
            )
            return None
        return subscribe_quietly(
            mapping, mapping.values(form.cleaned_data), request=request, origin=ORIGIN
        )


def _form_name(form: Any) -> str:
    options = getattr(getattr(form, "Meta", None), "options", {}) or {}
    return str(options.get("form_name", "") or type(form).__name__)
