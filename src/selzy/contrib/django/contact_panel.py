"""The Selzy panel on a contact's own admin page: its state in Selzy and its activity history.

One line in the source model's admin shows it, either way::

    from selzy.contrib.django.admin import SelzyContactAdminMixin, SelzyContactPanel

    class LeadAdmin(SelzyContactAdminMixin, admin.ModelAdmin):  # a "Selzy" section at the end
        ...

    class LeadAdmin(admin.ModelAdmin):
        readonly_fields = ["created", SelzyContactPanel()]  # placed where fields/fieldsets say

The record is found in the sync's ledger (``ContactState`` of every source whose model it is,
keyed ``str(pk)``: integer, UUID and text keys alike); the panel shows the ledger's status cache
(synced, unsubscribed and when, undeliverable since, complaint, soft bounces) and the activity of
the ledger's address(es), newest first, at most :data:`ACTIVITY_SHOWN` rows with the total
count. It is on the record's change page, so only staff who may view the record see it. Every
value is escaped; every text goes through gettext.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import Campaign, ContactActivity, ContactState
from .sources import contact_sources

#: At most this many activities are listed (the newest); the panel says how many there are.
ACTIVITY_SHOWN = 50

KIND_LABELS = {
    "sent": gettext_lazy("Sent"),
    "delivered": gettext_lazy("Delivered"),
    "opened": gettext_lazy("Opened"),
    "clicked": gettext_lazy("Clicked"),
    "unsubscribed": gettext_lazy("Unsubscribed"),
    "subscribed": gettext_lazy("Subscribed"),
    "soft_bounce": gettext_lazy("Soft bounce"),
    "hard_bounce": gettext_lazy("Hard bounce"),
    "complaint": gettext_lazy("Spam complaint"),
}


class SelzyContactPanel:
    """A read-only "field" for ``readonly_fields``: the record's Selzy panel (module docstring)."""

    __name__ = "selzy_contact_panel"  # the admin names a callable's row after it
    short_description = gettext_lazy("Status and activity")

    def __call__(self, obj: models.Model | None) -> SafeString:
        return render_panel(obj)


# The mixin sits before a ModelAdmin, whose methods it extends; django-stubs makes ModelAdmin
# generic, Django's own class is not subscriptable.
if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

    _AdminBase = ModelAdmin[Any]
else:
    _AdminBase = object


class SelzyContactAdminMixin(_AdminBase):
    """Adds the Selzy panel to a source model's change page, as its own last section."""

    selzy_panel = SelzyContactPanel()

    def get_readonly_fields(self, request: HttpRequest, obj: models.Model | None = None) -> Any:
        fields: list[Any] = list(super().get_readonly_fields(request, obj))
        if obj is not None and self.selzy_panel not in fields:
            fields.append(self.selzy_panel)
        return fields

    def get_fieldsets(self, request: HttpRequest, obj: models.Model | None = None) -> Any:
        fieldsets = [
            (name, {**options, "fields": _without(options.get("fields", ()), self.selzy_panel)})
            for name, options in super().get_fieldsets(request, obj)
        ]
        if obj is not None:
            fieldsets.append((gettext_lazy("Selzy"), {"fields": [self.selzy_panel]}))
        return fieldsets


def _without(fields: Iterable[Any], panel: SelzyContactPanel) -> list[Any]:
    """A fieldset's fields less the panel (Django's default fieldset lists every read-only
    field, the panel included)."""
    kept = []
    for field in fields:
        if isinstance(field, list | tuple):
            field = type(field)(item for item in field if item is not panel)
            if field:
                kept.append(field)
        elif field is not panel:
            kept.append(field)
    return kept


def ledger_rows(obj: models.Model) -> list[ContactState]:
    """The record's ledger rows: one per contact source whose model it is."""
    model = obj._meta.concrete_model
    try:
        keys = [
            key for key, s in contact_sources().items() if s.model._meta.concrete_model is model
        ]
    except ImproperlyConfigured:
        return []  # the checks say what is wrong
    if not keys:
        return []
    return list(ContactState.objects.filter(source__in=keys, source_id=str(obj.pk)).order_by("pk"))


def render_panel(obj: models.Model | None) -> SafeString:
    """The panel's HTML for ``obj`` (nothing to say before the record is saved)."""
    if obj is None or obj.pk is None:
        return format_html("<p>{}</p>", _("Saved records only."))
    states = ledger_rows(obj)
    if not states:
        return format_html(
            '<p class="selzy-panel">{}</p>', _("This record has not been sent to Selzy yet.")
        )
    emails = sorted({state.email.strip().lower() for state in states if state.email})
    return format_html(
        '<div class="selzy-panel">{}{}</div>',
        format_html_join("", "{}", ((_state_table(state),) for state in states)),
        _activity_table(emails),
    )


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return "—"
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _state_table(state: ContactState) -> SafeString:
    if state.unsubscribed:
        subscription = _("Unsubscribed on %(when)s") % {"when": _when(state.status_at)}
    elif state.status_at is not None:
        subscription = _("Subscribed (since %(when)s)") % {"when": _when(state.status_at)}
    else:
        subscription = _("Subscribed")
    bounces = ngettext("%(count)d soft bounce", "%(count)d soft bounces", state.soft_bounces) % {
        "count": state.soft_bounces
    }
    if state.last_soft_bounce_at is not None:
        bounces += " " + _("(the last on %(when)s)") % {"when": _when(state.last_soft_bounce_at)}
    rows = [
        (_("Address"), state.email or state.phone or "—"),
        (_("Synced"), _when(state.synced_at) if state.synced_at else _("Not yet")),
        (_("Subscription"), subscription),
        (_("Undeliverable since"), _when(state.undeliverable_at)),
        (_("Spam complaint"), _when(state.complained_at)),
        (_("Soft bounces"), bounces),
    ]
    return format_html(
        '<table class="selzy-contact-state" data-source="{}">{}</table>',
        state.source,
        format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows),
    )


def _activity_table(emails: list[str]) -> SafeString:
    if not emails:
        return format_html("<p>{}</p>", _("No address: no activity."))
    activities = ContactActivity.objects.filter(email__in=emails)
    total = activities.count()
    if not total:
        return format_html('<p class="selzy-activity">{}</p>', _("No activity yet."))
    shown = list(activities.order_by("-happened_at", "-pk")[:ACTIVITY_SHOWN])
    ours = Campaign.objects.filter(campaign_id__in={a.campaign_id for a in shown})
    campaigns = {cid: (pk, subject) for cid, pk, subject in ours.values_list(
        "campaign_id", "pk", "message__subject"
    )}  # fmt: skip
    several = len(emails) > 1  # then each row says which address
    rows = [
        (
            _when(item.happened_at),
            str(KIND_LABELS.get(item.kind, item.kind)),
            _campaign_cell(item.campaign_id, campaigns.get(item.campaign_id)),
            item.status,
            *([item.email] if several else []),
        )
        for item in shown
    ]
    headers = [_("When"), _("What"), _("Campaign"), _("Selzy's status")]
    if several:
        headers.append(_("Address"))
    cells = "<td>{}</td>" * len(headers)
    if total > len(shown):
        count = _("The latest %(shown)d of %(total)d activities.")
    else:
        count = ngettext("%(total)d activity.", "%(total)d activities.", total)
    return format_html(
        '<table class="selzy-activity"><tr>{}</tr>{}</table><p class="selzy-activity-count">{}</p>',
        format_html_join("", "<th>{}</th>", ((header,) for header in headers)),
        format_html_join("", f"<tr>{cells}</tr>", rows),
        count % {"total": total, "shown": len(shown)},
    )


def _campaign_cell(campaign_id: int, ours: tuple[int, str] | None) -> SafeString:
    """The campaign's subject, linked to its page here, or its Selzy id alone."""
    if not campaign_id:
        return format_html("{}", _("Outside a campaign"))
    if ours is None:  # sent from elsewhere (Selzy's own screens)
        return format_html("{}", _("Campaign %(id)d") % {"id": campaign_id})
    pk, subject = ours
    label = _("“%(subject)s” (campaign %(id)d)") % {"subject": subject, "id": campaign_id}
    try:
        url = reverse("admin:selzy_campaign", args=[pk])
    except NoReverseMatch:  # a site without the module's admin screens
        return format_html("{}", label)
    return format_html('<a href="{}">{}</a>', url, label)
