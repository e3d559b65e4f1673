"""Seeds the database of a ``manage.py`` subprocess for the SIGKILL test (``shell -c``)."""

from __future__ import annotations

from django.utils import timezone

from selzy.contrib.django.models import Connection, MappedField
from tests.contrib_django.crm.models import Lead


def broken(i: int) -> bool:
    return i % 97 == 5


def consenting(i: int) -> bool:
    return i % 40 != 0


def email(i: int) -> str:
    return f"broken{i}@@crm" if broken(i) else f"lead{i}@crm.example"


def seed(api_key: str, list_id: int, count: int) -> None:
    """The connection (key, list, source), the email and Name mapping, ``count`` leads."""
    connection = Connection.current()
    connection.set_api_key(api_key)
    connection.connected_at = timezone.now()
    connection.list_id, connection.source = list_id, "leads"
    connection.save()
    for field, target in (("email", "email"), ("name", "Name")):
        MappedField.objects.create(
            source="leads", source_field=field, selzy_field=target, selzy_type="string"
        )
    Lead.objects.bulk_create(
        Lead(email=email(i), name=f"Lead {i}", consent=consenting(i)) for i in range(count)
    )
