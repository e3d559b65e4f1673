"""A minimal CRM for the module's tests: leads with the usual fields and a consent flag."""

from __future__ import annotations

from django.db import models


class Lead(models.Model):
    email = models.EmailField(blank=True)
    name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    company = models.CharField(max_length=200, blank=True)
    birthday = models.DateField(null=True, blank=True)
    score = models.IntegerField(default=0)
    notes = models.TextField(blank=True)
    consent = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)  # the sync's periodic scan reads it

    def __str__(self) -> str:
        return self.email or self.phone
