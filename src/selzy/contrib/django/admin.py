"""The module's place in the Django admin: the guideline flow's screens, under /admin/selzy/.

The screens hang off the Connection admin's URLs (``admin.site.urls``); every one requires a
logged-in staff user with the module's permissions. What Selzy's servers call (the webhook, the
segment files) is served by :mod:`.urls`, outside the admin; the admin still answers at its
older copies of those two, so hooks registered with them keep working.

A contact source's own admin shows the record's Selzy state and activity with one line:
:class:`SelzyContactAdminMixin` as a base, or :class:`SelzyContactPanel` among its
``readonly_fields`` (:mod:`.contact_panel`). The sign-ups of the site's forms and their consent
records have read-only lists of their own (:mod:`.signup_admin`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path

from . import models, signup_admin
from . import urls as public_urls
from .contact_panel import SelzyContactAdminMixin, SelzyContactPanel
from .redaction import hides_secrets
from .views import imports, sending, setup, signup_screen, webhook
from .views._common import may_use

# django-stubs makes ModelAdmin generic in its model; Django's own class is not subscriptable.
if TYPE_CHECKING:
    _ConnectionAdmin = admin.ModelAdmin[models.Connection]
    _CampaignAdmin = admin.ModelAdmin[models.Campaign]
    _ImportRunAdmin = admin.ModelAdmin[models.ImportRun]
    _WebhookEventAdmin = admin.ModelAdmin[models.WebhookEvent]
else:
    _ConnectionAdmin = _CampaignAdmin = _ImportRunAdmin = _WebhookEventAdmin = admin.ModelAdmin

__all__ = [
    "CampaignAdmin",
    "ConsentRecordAdmin",
    "ImportRunAdmin",
    "SelzyAdmin",
    "SelzyContactAdminMixin",
    "SelzyContactPanel",
    "SignUpAdmin",
]

ConsentRecordAdmin = signup_admin.ConsentRecordAdmin
SignUpAdmin = signup_admin.SignUpAdmin


@admin.register(models.Connection)
class SelzyAdmin(_ConnectionAdmin):
    """ "Selzy" in the admin index; opens the overview of the flow."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_use(request.user)

    def has_view_permission(
        self, request: HttpRequest, obj: models.Connection | None = None
    ) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: models.Connection | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: models.Connection | None = None
    ) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return setup.overview(request)

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        screens = [
            ("connect/", setup.connect, "selzy_connect"),
            ("register/", setup.register, "selzy_register"),
            ("disconnect/", setup.disconnect, "selzy_disconnect"),
            ("list/", setup.select_list, "selzy_list"),
            ("mapping/", setup.mapping, "selzy_mapping"),
            ("message/", sending.new_message, "selzy_message"),
            ("sender/", sending.validate_sender, "selzy_sender"),
            ("message/<int:pk>/", sending.message_detail, "selzy_message_detail"),
            ("message/<int:pk>/campaign/", sending.new_campaign, "selzy_campaign_new"),
            ("campaign/<int:pk>/", sending.campaign_detail, "selzy_campaign"),
            ("campaign/<int:pk>/stats.json", sending.campaign_stats_json, "selzy_campaign_stats"),
            ("import/", imports.new_import, "selzy_import_new"),
            ("import/<int:pk>/", imports.import_detail, "selzy_import"),
            ("import/<int:pk>/status.json", imports.import_status, "selzy_import_status"),
            ("import/<int:pk>/control/", imports.import_control, "selzy_import_control"),
            ("webhook/register/", webhook.register_hook, "selzy_webhook_register"),
            ("reconcile/", webhook.reconcile_now, "selzy_reconcile"),
            ("signups/", signup_screen.signup_forms, "selzy_signups"),
        ]
        # Every screen's error reports hide the marked secrets, DEBUG or not (redaction.py).
        urls = [path(route, wrap(hides_secrets(view)), name=name) for route, view, name in screens]
        # The public routes (urls.py) answer here too, unguarded: hooks registered with these
        # URLs before the public URLconf existed keep arriving. The module no longer hands
        # them out (public.py) unless the site has not included the public URLconf.
        urls += [
            path(route, hides_secrets(view), name=f"selzy_{name}")
            for route, view, name in public_urls.ROUTES
        ]
        return urls + super().get_urls()


@admin.register(models.Campaign)
class CampaignAdmin(_CampaignAdmin):
    list_display = ("__str__", "stage", "status", "send_now", "start_time", "created_at")
    readonly_fields = [f.name for f in models.Campaign._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(models.ImportRun)
class ImportRunAdmin(_ImportRunAdmin):
    list_display = (
        "__str__",
        "kind",
        "status",
        "expected",
        "batches_total",
        "error",
        "created_at",
        "finished_at",
    )
    list_filter = ("status", "kind", "dry_run")
    readonly_fields = [f.name for f in models.ImportRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(models.WebhookEvent)
class WebhookEventAdmin(_WebhookEventAdmin):
    """Selzy's webhook events as received: read-only, for finding why one did not apply."""

    list_display = ("kind", "subject", "event_time", "received_at", "processed_at", "applied")
    list_filter = ("kind", "applied", ("processed_at", admin.EmptyFieldListFilter))
    search_fields = ("subject", "error")
    date_hierarchy = "event_time"
    readonly_fields = [f.name for f in models.WebhookEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: models.WebhookEvent | None = None
    ) -> bool:
        return False
