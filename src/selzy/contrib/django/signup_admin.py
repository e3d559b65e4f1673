"""The sign-ups and consent records in the admin: read-only lists, searched by address, with
the GDPR export (everything kept about the selected rows' addresses, as JSON) and, for sign-ups
Selzy refused, **Send again**."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from . import consent
from .models import ConsentRecord, SignUp
from .signup_queue import submit_after_commit
from .views._common import MANAGE

if TYPE_CHECKING:
    _SignUpAdmin = admin.ModelAdmin[SignUp]
    _ConsentRecordAdmin = admin.ModelAdmin[ConsentRecord]
else:
    _SignUpAdmin = _ConsentRecordAdmin = admin.ModelAdmin


def export_response(emails: set[str]) -> HttpResponse:
    """The GDPR export of ``emails`` (:func:`.consent.export`) as a JSON download."""
    data = consent.export(emails)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="selzy-consent-{stamp}.json"'
    return response


class _ReadOnly:
    """Nothing added, changed or deleted by hand: evidence stays as it was written."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(_ReadOnly, _ConsentRecordAdmin):
    """Who agreed to what, when and from where; confirmed when Selzy reported the click."""

    list_display = ("email", "form_key", "consent_version", "given_at", "confirmed_at", "ip_mode")
    list_filter = ("form_key", "consent_version", ("confirmed_at", admin.EmptyFieldListFilter))
    search_fields = ("email",)
    date_hierarchy = "given_at"
    readonly_fields = [f.name for f in ConsentRecord._meta.fields]
    actions = ["export_gdpr"]

    @admin.action(description="Export everything kept about these addresses (GDPR, JSON)")
    def export_gdpr(self, request: HttpRequest, queryset: QuerySet[ConsentRecord]) -> HttpResponse:
        return export_response(set(queryset.values_list("email", flat=True)))


@admin.register(SignUp)
class SignUpAdmin(_ReadOnly, _SignUpAdmin):
    """The sign-ups of the site's forms and where each stands with Selzy."""

    list_display = ("email", "form_key", "status", "attempts", "created_at", "sent_at", "error")
    list_filter = ("status", "form_key")
    search_fields = ("email",)
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in SignUp._meta.fields]
    actions = ["export_gdpr", "send_again"]

    @admin.action(description="Export everything kept about these addresses (GDPR, JSON)")
    def export_gdpr(self, request: HttpRequest, queryset: QuerySet[SignUp]) -> HttpResponse:
        return export_response(set(queryset.values_list("email", flat=True)))

    def has_manage_permission(self, request: HttpRequest) -> bool:
        """Sending again is the module's setup permission's to decide, not every viewer's."""
        return bool(request.user.has_perm(MANAGE))

    @admin.action(description="Send the failed ones again", permissions=["manage"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[SignUp]) -> None:
        # Back into the queue where they were: they keep their place (created_at).
        count = queryset.filter(status=SignUp.Status.FAILED).update(
            status=SignUp.Status.PENDING, next_attempt_at=None, error=""
        )
        if count:
            submit_after_commit()
        self.message_user(request, f"{count} sign-up(s) queued again.", messages.SUCCESS)
