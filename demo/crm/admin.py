"""Leads in the admin: the list a CRM user works with, searchable and filterable; each lead's
page ends with its Selzy section (status, and every campaign's sent/opened/clicked...)."""

from django.contrib import admin

from selzy.contrib.django.admin import SelzyContactAdminMixin

from .models import Lead


@admin.register(Lead)
class LeadAdmin(SelzyContactAdminMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "email",
        "phone",
        "company",
        "birthday",
        "consent",
        "email_undeliverable",
        "created",
    )
    list_filter = ("consent", "email_undeliverable", "created", "birthday")
    search_fields = ("name", "email", "company", "phone")
    readonly_fields = ("created", "updated", "consent_withdrawn_at")
    list_per_page = 50
