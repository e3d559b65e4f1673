"""Leads in the admin: the list a CRM user works with, searchable and filterable."""

from django.contrib import admin

from .models import Lead


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "phone", "company", "birthday", "consent", "created")
    list_filter = ("consent", "created", "birthday")
    search_fields = ("name", "email", "company", "phone")
    readonly_fields = ("created", "updated")
    list_per_page = 50
