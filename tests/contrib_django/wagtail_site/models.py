"""A contact page built in Wagtail's form builder whose submissions also subscribe."""

from __future__ import annotations

from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.contrib.forms.models import AbstractEmailForm, AbstractFormField

from selzy.contrib.wagtail.forms import SelzySignUpFormMixin


class ContactFormField(AbstractFormField):
    page = ParentalKey("ContactPage", on_delete=models.CASCADE, related_name="form_fields")


class ContactPage(SelzySignUpFormMixin, AbstractEmailForm):
    template = "wagtail_site/contact_page.html"
    landing_page_template = "wagtail_site/contact_page_landing.html"

    content_panels = [
        *AbstractEmailForm.content_panels,
        InlinePanel("form_fields", label="Form fields"),
        FieldPanel("to_address"),
        *SelzySignUpFormMixin.selzy_panels,
    ]
