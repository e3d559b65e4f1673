"""A site's own write-back callable, as ``SELZY["CONTACT_SOURCES"][key]["write_back"]`` names it
by dotted path: it decides itself what each piece of feedback does to the record."""

from __future__ import annotations

from typing import Any

from selzy.integration import Feedback

#: Every call, (record's class name, pk, feedback), for the tests to read.
CALLS: list[tuple[str, Any, Feedback]] = []


def remember(record: Any, feedback: Feedback) -> None:
    """Note the call; an unsubscription or a hard bounce is saved the ordinary way (save(), so
    post_save fires: the module's receivers must stand aside)."""
    CALLS.append((type(record).__name__, record.pk, feedback))
    if feedback.kind == "unsubscribed":
        record.consent = False
        record.consent_withdrawn_at = feedback.time
        record.notes = f"unsubscribed ({feedback.status}) 🚪"
        record.save()
    elif feedback.kind == "hard_bounce":
        record.email_undeliverable = True
        record.save(update_fields=["email_undeliverable"])
