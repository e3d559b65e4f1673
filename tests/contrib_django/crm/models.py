"""A minimal CRM for the module's tests: leads with the usual fields and a consent flag."""

from __future__ import annotations

import uuid

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
    email_undeliverable = models.BooleanField(default=False)
    consent_withdrawn_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)  # the sync's periodic scan reads it

    def __str__(self) -> str:
        return self.email or self.phone


class Person(models.Model):
    """A contact keyed by a UUID, as many third-party CRMs key theirs."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(blank=True)
    name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    consent = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.email or self.phone


class Customer(models.Model):
    """A contact keyed by a text code (an ERP's customer number)."""

    code = models.CharField(primary_key=True, max_length=40)
    email = models.EmailField(blank=True)
    name = models.CharField(max_length=200, blank=True)
    consent = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.code


class Visit(models.Model):
    """A model keyed by a date: not a contact source the module can follow (a check error)."""

    day = models.DateField(primary_key=True)
    email = models.EmailField(blank=True)
