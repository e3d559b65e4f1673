"""A Wagtail form page whose submissions also subscribe.

::

    from wagtail.admin.panels import FieldPanel, InlinePanel
    from wagtail.contrib.forms.models import AbstractEmailForm, AbstractFormField
    from modelcluster.fields import ParentalKey

    from selzy.contrib.wagtail.forms import SelzySignUpFormMixin

    class FormField(AbstractFormField):
        page = ParentalKey("ContactPage", on_delete=models.CASCADE, related_name="form_fields")

    class ContactPage(SelzySignUpFormMixin, AbstractEmailForm):
        content_panels = [
            *AbstractEmailForm.content_panels,
            InlinePanel("form_fields", label="Form fields"),
            *SelzySignUpFormMixin.selzy_panels,
        ]

Per page, the editor chooses (in the "Selzy sign-up" panel) which of the site's sign-up forms
(``SELZY["SIGNUP_FORMS"]``) the page feeds, which of the page's fields holds the address, which
checkbox is the consent box, and the field map: ``page field = Selzy field`` per line (the page
field by its name, the label in ascii_snake_case: "Your name" is ``your_name``). The editor's
form checks them against the page's fields and the sign-up form's, and says what is wrong.

The page works as before: each submission is stored (and mailed). When the visitor ticked the
consent box, it is also signed up (:func:`selzy.contrib.django.signups.sign_up`, origin
``wagtail:<page id>``): the list, the double opt-in mode and the consent text come from the
sign-up form, never from the editor or the request. The consent box is shown unticked with the
sign-up form's consent text as its label, whatever the editor typed, because that text is what the
consent record keeps. A refused or failed sign-up is logged and never costs the submission.
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.forms.forms import WagtailAdminFormPageForm
from wagtail.contrib.forms.models import AbstractFormField

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

__all__ = ["SelzyFormPageForm", "SelzySignUpFormMixin", "origin_of"]

#: The settings a problem is about -> the page's field that holds it.
_FIELD_OF = {
    "form_key": "selzy_signup_form",
    "email_field": "selzy_email_field",
    "consent_field": "selzy_consent_field",
    "field_map": "selzy_field_map",
}
#: The Wagtail field types that can hold the address, and the consent box.
EMAIL_TYPES = ("email", "singleline")
CONSENT_TYPE = "checkbox"


def origin_of(page_id: int | None) -> str:
    """The origin a page's sign-ups carry: ``wagtail:<page id>``."""
    return f"wagtail:{page_id}"


class SelzyFormPageForm(WagtailAdminFormPageForm):  # type: ignore[misc]
    """The page editor's form: Wagtail's checks, then the Selzy sign-up's against the page's
    fields (as edited, before they are saved) and the sign-up form's."""

    def clean(self) -> dict[str, Any]:
        cleaned = cast(dict[str, Any], super().clean())
        key = cleaned.get("selzy_signup_form", getattr(self.instance, "selzy_signup_form", ""))
        if not key:
            return cleaned
        try:
            field_map = parse_field_map(cleaned.get("selzy_field_map", "") or "")
        except FieldMapError:
            return cleaned  # the model's clean() reports it on its field
        mapping = SignUpMapping(
            form_key=key,
            email_field=cleaned.get("selzy_email_field", "") or "",
            consent_field=cleaned.get("selzy_consent_field", "") or "",
            field_map=field_map,
        )
        types = self._page_fields()
        problems = mapping_problems(mapping, types)
        email_type = types.get(mapping.email_field)
        if "email_field" not in problems and email_type not in EMAIL_TYPES:
            problems["email_field"] = (
                f"the field {mapping.email_field!r} is a {email_type} field; the address needs "
                "an email (or single line text) field"
            )
        consent_type = types.get(mapping.consent_field)
        if "consent_field" not in problems and consent_type != CONSENT_TYPE:
            problems["consent_field"] = (
                f"the field {mapping.consent_field!r} is a {consent_type} field; the consent "
                "box is a checkbox"
            )
        for about, problem in problems.items():
            name = _FIELD_OF[about]
            self.add_error(name if name in self.fields else None, problem)
        return cleaned

    def _page_fields(self) -> dict[str, str]:
        """The page's form fields as edited: clean name -> field type (deleted ones left out)."""
        fields: dict[str, str] = {}
        for related in self.instance._meta.related_objects:
            if not issubclass(related.related_model, AbstractFormField):
                continue
            formset = self.formsets.get(related.related_name)
            if formset is None:
                continue
            for form in formset.forms:
                data = getattr(form, "cleaned_data", None) or {}
                if not data or data.get("DELETE"):
                    continue
                field = form.instance
                name = field.clean_name or field.get_field_clean_name()
                fields[name] = data.get("field_type") or field.field_type
        return fields


class SelzySignUpFormMixin(models.Model):
    """For a page built on Wagtail's ``AbstractForm`` or ``AbstractEmailForm`` (put it first):
    the per-page sign-up settings and the sign-up after each submission (see the module's
    docstring)."""

    selzy_signup_form = models.CharField(
        _("sign-up form"),
        max_length=64,
        blank=True,
        help_text=_(
            "The Selzy sign-up form (from the site's settings) this page's visitors join when "
            "they tick the consent box; none: the page does not subscribe anyone."
        ),
    )
    selzy_email_field = models.CharField(
        _("email field"),
        max_length=255,
        blank=True,
        default="email",
        help_text=_("The name of the page's field that holds the visitor's email address."),
    )
    selzy_consent_field = models.CharField(
        _("consent field"),
        max_length=255,
        blank=True,
        help_text=_(
            "The name of the page's checkbox the visitor ticks to subscribe. It is shown "
            "unticked, labelled with the sign-up form's consent text."
        ),
    )
    selzy_field_map = models.TextField(
        _("field map"),
        blank=True,
        help_text=_(
            "One “page field = Selzy field” per line, as in “your_name = Name”: which of the "
            "page's fields fill which fields of the sign-up form."
        ),
    )

    #: The editor's panel for the settings above: add it to the page's ``content_panels``.
    selzy_panels: ClassVar[list[Any]] = [
        MultiFieldPanel(
            [
                # A callable: read at each render, so the choices follow the settings (the
                # stubs do not know that Django 5 takes one).
                FieldPanel(
                    "selzy_signup_form",
                    widget=forms.Select(choices=cast(Any, signup_form_choices)),
                ),
                FieldPanel("selzy_email_field"),
                FieldPanel("selzy_consent_field"),
                FieldPanel("selzy_field_map", widget=forms.Textarea(attrs={"rows": 4})),
            ],
            heading=_("Selzy sign-up"),
        )
    ]
    base_form_class = SelzyFormPageForm

    _selzy_request: HttpRequest | None = None

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        try:
            parse_field_map(self.selzy_field_map)
        except FieldMapError as why:
            raise ValidationError({"selzy_field_map": str(why)}) from None

    def selzy_mapping(self) -> SignUpMapping | None:
        """Where this page's submissions go; None when the page subscribes no one (or its
        field map cannot be read: the editor's form would not have saved it)."""
        if not self.selzy_signup_form:
            return None
        try:
            field_map = parse_field_map(self.selzy_field_map)
        except FieldMapError:
            return None
        return SignUpMapping(
            form_key=self.selzy_signup_form,
            email_field=self.selzy_email_field,
            consent_field=self.selzy_consent_field,
            field_map=field_map,
        )

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # process_form_submission gets only the form; the sign-up's evidence and per-IP limit
        # need the request.
        self._selzy_request = request
        try:
            return cast(HttpResponse, cast(Any, super()).serve(request, *args, **kwargs))
        finally:
            self._selzy_request = None

    def get_form(self, *args: Any, **kwargs: Any) -> Any:
        """The page's form, its consent box unticked and labelled with the consent text."""
        form = cast(Any, super()).get_form(*args, **kwargs)
        mapping = self.selzy_mapping()
        if mapping is None or mapping.consent_field not in form.fields:
            return form
        try:
            config = signup_form(mapping.form_key)
        except SignUpError:
            return form  # logged when a submission comes
        box = form.fields[mapping.consent_field]
        box.label = config.consent_text
        box.initial = False
        form.initial.pop(mapping.consent_field, None)
        return form

    def process_form_submission(self, form: Any) -> Any:
        """Wagtail's submission (stored, mailed), then the sign-up when the box was ticked."""
        submission = cast(Any, super()).process_form_submission(form)
        self.selzy_subscribe(form)
        return submission

    def selzy_subscribe(self, form: Any) -> SignUp | None:
        """Sign the submission's visitor up, when the page feeds a sign-up form and the consent
        box was ticked; the stored sign-up, or None."""
        mapping = self.selzy_mapping()
        if mapping is None or not mapping.consented(form.cleaned_data):
            return None
        request = self._selzy_request
        return subscribe_quietly(
            mapping,
            mapping.values(form.cleaned_data),
            request=request,
            origin=origin_of(self.pk),
            page=request.build_absolute_uri() if request is not None else "",
        )
