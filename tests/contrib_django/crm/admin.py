"""The test CRM's admin: each source model shows its Selzy panel, each in one line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin

from selzy.contrib.django.admin import SelzyContactAdminMixin, SelzyContactPanel

from .models import Customer, Lead, Person

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = admin.ModelAdmin


@admin.register(Lead)
class LeadAdmin(SelzyContactAdminMixin, _ModelAdmin):
    """The mixin: the panel as the page's last section."""

    list_display = ("email", "name", "consent")


@admin.register(Person)
class PersonAdmin(_ModelAdmin):
    """The panel among the read-only fields (a UUID key)."""

    readonly_fields = [SelzyContactPanel()]


@admin.register(Customer)
class CustomerAdmin(SelzyContactAdminMixin, _ModelAdmin):
    """The mixin beside declared fieldsets (a text key)."""

    fieldsets = [(None, {"fields": ["code", "email", "name", "consent"]})]
