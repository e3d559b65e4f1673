"""Leads in the admin: the list a CRM user works with, searchable and filterable."""

from django.contrib import admin

from .models import Lead


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
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
