"""The demo CRM's one model: a lead, with a consent flag that decides who goes to Selzy."""

from __future__ import annotations

from django.db import models


class Lead(models.Model):
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True, db_index=True)
    phone = models.CharField(max_length=32, blank=True)
    company = models.CharField(max_length=200, blank=True)
    birthday = models.DateField(null=True, blank=True)
    consent = models.BooleanField(
        "email consent", default=False, help_text="Agreed to receive newsletters."
    )
    email_undeliverable = models.BooleanField(
        default=False, help_text="Selzy reported a hard bounce or a spam complaint."
    )
    consent_withdrawn_at = models.DateTimeField(
        null=True, blank=True, help_text="When the lead unsubscribed in Selzy."
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name
