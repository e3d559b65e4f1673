"""What the site's own saves and deletes set off: the source's contacts marked changed, then a
debounced incremental sync (connected to every source model in ``AppConfig.ready``)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, models, transaction
from django.db.models.signals import post_delete, post_save

from .changes import mark_dirty
from .sources import ContactSource, contact_sources
from .worker import schedule_sync
from .writeback import is_writing_back

logger = logging.getLogger("selzy.django")


def configured_sources() -> list[ContactSource]:
    """Every declared source; none while the setting is broken (the system checks say why)."""
    try:
        return list(contact_sources().values())
    except ImproperlyConfigured:
        return []  # a site's own saves must not fail over it


def _changed(model: type[models.Model], pk: Any, *, deleted: bool) -> None:
    if is_writing_back():
        return  # Selzy's own feedback written to the record: sending it back would loop
    for source in configured_sources():
        if source.model is not model:
            continue
        try:
            # A savepoint: a failure here (say, migrations not applied yet) must leave the
            # site's own transaction usable.
            with transaction.atomic():
                eligible = not deleted and source.queryset().filter(pk=pk).exists()
                mark_dirty(source.key, [pk], create=eligible)
                schedule_sync(source.key)
        except DatabaseError:
            logger.exception("Selzy: could not note the change of %s %s", source.key, pk)


def on_save(sender: type[models.Model], instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """post_save of a source model: the record may have changed, appeared or left the filter."""
    if not raw:  # loaddata: fixtures are not changes
        _changed(sender, instance.pk, deleted=False)


def on_delete(sender: type[models.Model], instance: Any, **kwargs: Any) -> None:
    """post_delete of a source model: its contact leaves the list."""
    _changed(sender, instance.pk, deleted=True)


def connect_signals() -> None:
    """Connect the handlers to every configured source model (AppConfig.ready)."""
    for source in configured_sources():
        uid = f"selzy-sync-{source.model._meta.label_lower}"
        post_save.connect(on_save, sender=source.model, dispatch_uid=f"{uid}-save")
        post_delete.connect(on_delete, sender=source.model, dispatch_uid=f"{uid}-delete")
