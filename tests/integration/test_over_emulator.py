"""Behaviour: the engine through the real client against the in-process emulator."""

from __future__ import annotations

from selzy.integration import (
    FieldMapping,
    ImportJob,
    SelzyField,
    SourceField,
    SourceRecord,
    ensure_fields,
    import_records,
    plan_fields,
    suggest_mapping,
    validate_mapping,
)
from selzy.testing import emulated_client

SOURCE = [
    SourceField("email", "string"),
    SourceField("first_name", "string"),
    SourceField("birthday", "date"),
    SourceField("score", "number"),
]


def test_mapping_new_fields_and_import_as_the_guidelines_walk_them() -> None:
    with emulated_client() as (client, emulator):
        list_id = client.get_lists()[0].id
        selzy_fields = [SelzyField.from_api(f) for f in client.get_fields()]
        mapping = suggest_mapping(SOURCE, selzy_fields)
        assert mapping.to_dict() == {"email": "email", "first_name": "Name"}
        unmapped = [f for f in SOURCE if f.name not in mapping.targets]
        mapping = mapping.merged(ensure_fields(client, plan_fields(unmapped, selzy_fields)))
        selzy_fields = [SelzyField.from_api(f) for f in client.get_fields()]
        assert validate_mapping(mapping, SOURCE, selzy_fields) == []

        records = [
            SourceRecord(10, {"email": "Ann@Example.com", "first_name": "Ann", "score": 7,
                              "birthday": "17.05.1990"}),
            SourceRecord(11, {"email": "info@example.com", "first_name": "Desk"}),
            SourceRecord(12, {"email": "not-an-address", "first_name": "Bob"}),
        ]  # fmt: skip
        job = ImportJob.build(mapping, selzy_fields, list_id=list_id, source_fields=SOURCE)
        outcome = import_records(client, job, records)

        assert (outcome.totals.sent, outcome.totals.inserted, outcome.totals.invalid) == (2, 1, 1)
        assert (outcome.totals.rejected, outcome.totals.skipped) == (1, {"invalid_email": 1})
        assert [(r.source_id, r.stage) for r in outcome.rejections] == [
            (11, "selzy"),
            (12, "local"),
        ]
        contact = client.get_contact(
            email="Ann@example.com", include_lists=True, include_fields=True
        )
        assert [m.id for m in contact.lists] == [list_id]
        assert contact.fields == {"Name": "Ann", "birthday": "1990-05-17", "score": "7"}
        assert emulator.outbox() == []  # an import never sends an opt-in letter


def test_a_reimport_keeps_an_unsubscribed_contact_unsubscribed() -> None:
    with emulated_client() as (client, _):
        list_id = client.get_lists()[0].id
        mapping = FieldMapping({"mail": "email", "name": "Name"})
        selzy_fields = [SelzyField.from_api(f) for f in client.get_fields()]
        job = ImportJob.build(mapping, selzy_fields, list_id=list_id)
        import_records(client, job, [SourceRecord(1, {"mail": "a@example.com", "name": "Ann"})])
        client.unsubscribe(contact_type="email", contact="a@example.com")

        outcome = import_records(
            client, job, [SourceRecord(1, {"mail": "a@example.com", "name": "Ann B"})]
        )

        assert (outcome.totals.sent, outcome.totals.updated) == (1, 1)

        contact = client.get_contact(email="a@example.com", include_lists=True, include_fields=True)
        assert contact.email is not None
        assert contact.email.status == "unsubscribed"
        assert [m.status for m in contact.lists] == ["unsubscribed"]
        assert contact.fields["Name"] == "Ann B"  # the data is still kept up to date
