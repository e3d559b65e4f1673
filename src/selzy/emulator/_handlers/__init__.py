"""Method handlers, one module per API section; importing this package fills the table."""

from . import (
    account,
    campaigns,
    contacts,
    fields,
    imports,
    lists,
    messages,
    notes,
    senders,
    sending,
    stats,
    tasks,
    templates,
    webhooks,
)

__all__ = [
    "account",
    "campaigns",
    "contacts",
    "fields",
    "imports",
    "lists",
    "messages",
    "notes",
    "senders",
    "sending",
    "stats",
    "tasks",
    "templates",
    "webhooks",
]
