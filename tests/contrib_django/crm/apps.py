from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "tests.contrib_django.crm"
    label = "crm"
    default_auto_field = "django.db.models.BigAutoField"
