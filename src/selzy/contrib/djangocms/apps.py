from django.apps import AppConfig


class SelzyDjangoCMSConfig(AppConfig):
    name = "selzy.contrib.djangocms"
    label = "selzy_djangocms"
    verbose_name = "Selzy for django CMS"

    def ready(self) -> None:
        # Importing the module registers the action with djangocms-form-builder.
        from . import actions  # noqa: F401
