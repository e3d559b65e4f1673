"""A contact page built in Wagtail's form builder whose submissions also subscribe, and a
newsletter page wagtail-newsletter sends through Selzy."""

from __future__ import annotations

from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.contrib.forms.models import AbstractEmailForm, AbstractFormField
from wagtail.models import Page
from wagtail_newsletter.models import NewsletterPageMixin

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


class NewsletterPage(NewsletterPageMixin, Page):
    """A newsletter an editor writes and sends through Selzy (selzy.contrib.wagtail.newsletter)."""

    template = newsletter_template = "wagtail_site/newsletter_page.html"
    body = models.TextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("body")]
