"""App configuration: label ``selzy``."""

from __future__ import annotations

from django.apps import AppConfig


class SelzyConfig(AppConfig):
    name = "selzy.contrib.django"
    label = "selzy"
    verbose_name = "Selzy"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the system checks
        from .receivers import connect_signals

        # Creates, updates and deletes of every source model queue an incremental sync.
        connect_signals()
