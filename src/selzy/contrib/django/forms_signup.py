"""The visitor's sign-up form, built from a form's configuration (:mod:`.signup_config`).

The address first, then the configured fields as inputs of their Selzy type (a date picker, a
number, yes/no, one or several lines, a phone), the consent checkbox (unticked, its label the
consent text), and a honeypot: a text input people never see (hidden by CSS and from screen
readers) that form-filling bots fill in. Nothing else is read from the POST: a forged
``list_ids``, ``double_optin`` or ``tags`` is not a field here, so it is never even looked at.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .signup_config import PHONE, SignUpFormConfig
from .signups import SignUpField, form_fields

#: The honeypot's name: a plausible field a bot fills in, no person sees.
HONEYPOT = "website"
CONSENT = "consent"
NEXT = "next"


def _input(field: SignUpField) -> forms.Field:
    """A form field for one configured field, by its Selzy type."""
    label = capfirst(field.label)
    required = field.required
    if field.name == PHONE:
        return forms.CharField(
            label=label,
            required=required,
            max_length=32,
            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        )
    if field.type == "date":
        return forms.DateField(
            label=label, required=required, widget=forms.DateInput(attrs={"type": "date"})
        )
    if field.type == "number":
        return forms.DecimalField(label=label, required=required, max_digits=31)
    if field.type == "bool":
        if required:
            return forms.TypedChoiceField(
                label=label,
                choices=[("", "---------"), ("1", _("Yes")), ("0", _("No"))],
                coerce=lambda value: value == "1",
            )
        return forms.NullBooleanField(label=label, required=False)
    if field.type == "text":
        return forms.CharField(
            label=label,
            required=required,
            max_length=5000,
            widget=forms.Textarea(attrs={"rows": 4}),
        )
    return forms.CharField(label=label, required=required, max_length=255)


class SignUpForm(forms.Form):
    """The fields of one configured sign-up form (see the module's docstring)."""

    email = forms.EmailField(
        # With a context: other apps' catalogues translate a bare "Email" their own way.
        label=pgettext_lazy("selzy sign-up form", "Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, config: SignUpFormConfig, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"selzy-{config.key}-%s")
        super().__init__(*args, **kwargs)
        self.config = config
        self.signup_fields = form_fields(config)
        for field in self.signup_fields:
            self.fields[field.name] = _input(field)
        self.fields[CONSENT] = forms.BooleanField(
            label=config.consent_text,
            required=True,
            error_messages={
                "required": _("Please tick the box to agree, or we cannot sign you up.")
            },
        )
        self.fields[HONEYPOT] = forms.CharField(
            label=_("Leave this field empty"),
            required=False,
            widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
        )
        self.fields[NEXT] = forms.CharField(required=False, widget=forms.HiddenInput)

    @property
    def visible_inputs(self) -> list[forms.BoundField]:
        """The inputs a person fills in, in order (not the consent box, honeypot or next)."""
        return [self[name] for name in self.fields if name not in (CONSENT, HONEYPOT, NEXT)]

    def values(self) -> dict[str, object]:
        """The cleaned address and fields, by Selzy field name, for :func:`.signups.sign_up`."""
        data = self.cleaned_data
        values: dict[str, object] = {"email": data["email"]}
        for field in self.signup_fields:
            value = data.get(field.name)
            if value is not None and value != "":
                values[field.name] = value
        return values
