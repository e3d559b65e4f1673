"""The catalogue of Selzy API methods (REFERENCE.md §0.3): one row per RPC method.

Both sides read it: the client for retry safety and per-method rate limits, the emulator for the
coverage table and for rate limiting, the docs for the method list.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final


class Safety(enum.Enum):
    """What sending a call twice does, which decides when the client may retry it."""

    #: Reads nothing but state: repeat freely.
    READ = "read"
    #: Writes, but a repeat leaves the same state (updates, deletes, upserts like importContacts).
    IDEMPOTENT = "idempotent"
    #: Creates or sends something each time (a list, a message, a campaign, a letter): a repeat
    #: after an ambiguous failure could duplicate it, so it is retried only when the request
    #: provably did not reach the server or the server refused it.
    UNSAFE = "unsafe"


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """One RPC method: its wire name, where it belongs and how it may be called."""

    name: str
    group: str
    safety: Safety
    confidence: str
    #: Calls per minute allowed for this method on top of the global limit (§3), if it has its own.
    rate_limit: int | None = None
    #: `register` may be called without a key (§5.8).
    key_optional: bool = False

    @property
    def idempotent(self) -> bool:
        """True when repeating the call after an ambiguous failure cannot duplicate anything."""
        return self.safety is not Safety.UNSAFE

    @property
    def path(self) -> str:
        """The part of the URL after `/{lang}/api/` (async methods carry an `async/` prefix)."""
        return self.name


R, W, U = Safety.READ, Safety.IDEMPOTENT, Safety.UNSAFE

_ROWS: tuple[MethodSpec, ...] = (
    # Lists (§5.1)
    MethodSpec("getLists", "lists", R, "A/B"),
    MethodSpec("createList", "lists", U, "A/B"),
    MethodSpec("updateList", "lists", W, "B"),
    MethodSpec("deleteList", "lists", W, "B"),
    MethodSpec("getContactCount", "lists", R, "B"),
    MethodSpec("getTotalContactsCount", "lists", R, "B"),
    # Contacts (§5.2). subscribe may send an opt-in letter, hence unsafe.
    MethodSpec("subscribe", "contacts", U, "A/B", rate_limit=300),
    MethodSpec("exclude", "contacts", W, "A"),
    MethodSpec("unsubscribe", "contacts", W, "A"),
    MethodSpec("importContacts", "contacts", W, "A/B"),
    MethodSpec("async/exportContacts", "contacts", R, "A/B", rate_limit=20),
    MethodSpec("exportContacts", "contacts", R, "A/B"),
    MethodSpec("getContact", "contacts", R, "A/B"),
    MethodSpec("isContactInLists", "contacts", R, "B"),
    MethodSpec("getContactFieldValues", "contacts", R, "B"),
    # Fields and tags (§5.3)
    MethodSpec("getFields", "fields", R, "B"),
    MethodSpec("createField", "fields", U, "B"),
    MethodSpec("updateField", "fields", W, "B"),
    MethodSpec("deleteField", "fields", W, "B"),
    MethodSpec("getTags", "tags", R, "B"),
    MethodSpec("deleteTag", "tags", W, "B"),
    # Messages (§5.4). updateEmailMessage on a sent message makes a new version each time.
    MethodSpec("createEmailMessage", "messages", U, "A/B"),
    MethodSpec("updateEmailMessage", "messages", U, "A/B"),
    MethodSpec("getActualMessageVersion", "messages", R, "A"),
    MethodSpec("deleteMessage", "messages", W, "B"),
    MethodSpec("getMessage", "messages", R, "A"),
    MethodSpec("getMessages", "messages", R, "A"),
    MethodSpec("listMessages", "messages", R, "A"),
    MethodSpec("createSmsMessage", "messages", U, "A"),
    MethodSpec("sendEmail", "messages", U, "A/B", rate_limit=60),
    MethodSpec("checkEmail", "messages", R, "A", rate_limit=300),
    MethodSpec("sendSms", "messages", U, "A"),
    MethodSpec("checkSms", "messages", R, "A"),
    MethodSpec("sendTestEmail", "messages", U, "B/UNCONFIRMED"),
    MethodSpec("updateOptInEmail", "messages", W, "B"),
    MethodSpec("getWebVersion", "messages", R, "B"),
    # Templates (§5.5)
    MethodSpec("createEmailTemplate", "templates", U, "A/B"),
    MethodSpec("updateEmailTemplate", "templates", W, "B"),
    MethodSpec("deleteTemplate", "templates", W, "B"),
    MethodSpec("getTemplate", "templates", R, "A"),
    MethodSpec("getTemplates", "templates", R, "A"),
    MethodSpec("listTemplates", "templates", R, "A"),
    # Campaigns (§5.6)
    MethodSpec("createCampaign", "campaigns", U, "A/B"),
    MethodSpec("cancelCampaign", "campaigns", W, "A"),
    MethodSpec("getCampaigns", "campaigns", R, "A"),
    MethodSpec("getCampaignStatus", "campaigns", R, "A"),
    # Statistics (§5.7). An export task may be asked for twice without harm.
    MethodSpec("getCampaignCommonStats", "statistics", R, "A"),
    MethodSpec("async/getCampaignDeliveryStats", "statistics", R, "A"),
    MethodSpec("getCampaignAggregateStats", "statistics", R, "C/UNCONFIRMED"),
    MethodSpec("getVisitedLinks", "statistics", R, "A"),
    # Async tasks (§5.9)
    MethodSpec("async/getTaskResult", "async", R, "A/B"),
    # Account and partners (§5.8). register: one per minute per IP for non-resellers.
    MethodSpec("register", "account", U, "A/B", rate_limit=1, key_optional=True),
    MethodSpec("checkUserExists", "account", R, "C"),
    MethodSpec("getUserInfo", "account", R, "A"),
    MethodSpec("getUsers", "account", R, "A"),
    MethodSpec("transferMoney", "account", U, "C"),
    MethodSpec("getPayments", "account", R, "C/UNCONFIRMED"),
    MethodSpec("getTariffs", "account", R, "C/UNCONFIRMED"),
    MethodSpec("changeTariff", "account", W, "C/UNCONFIRMED"),
    # Senders (§5.8). validateSender mails a confirmation letter each time.
    MethodSpec("validateSender", "senders", U, "A"),
    MethodSpec("getCheckedEmail", "senders", R, "A"),
    MethodSpec("setSenderDomain", "senders", U, "A"),
    MethodSpec("getSenderDomainList", "senders", R, "B"),
    MethodSpec("getCurrencyRates", "misc", R, "B"),
    # Webhooks (§6): setHook replaces the handler with the same URL.
    MethodSpec("setHook", "webhooks", W, "A/UNCONFIRMED"),
    MethodSpec("removeHook", "webhooks", W, "C"),
    MethodSpec("listHooks", "webhooks", R, "UNCONFIRMED"),
    # Contact notes (§5.10): names known, shapes are the emulator's proposal.
    MethodSpec("createSubscriberNote", "notes", U, "UNCONFIRMED"),
    MethodSpec("updateSubscriberNote", "notes", W, "UNCONFIRMED"),
    MethodSpec("deleteSubscriberNote", "notes", W, "UNCONFIRMED"),
    MethodSpec("getSubscriberNote", "notes", R, "UNCONFIRMED"),
    MethodSpec("getSubscriberNotes", "notes", R, "UNCONFIRMED"),
)

METHODS: Final[Mapping[str, MethodSpec]] = MappingProxyType({m.name: m for m in _ROWS})


def method_spec(name: str) -> MethodSpec:
    """The catalogue row for `name`; unknown names (the escape hatch's business) count as unsafe."""
    spec = METHODS.get(name)
    if spec is None:
        return MethodSpec(name, "unknown", Safety.UNSAFE, "UNCONFIRMED")
    return spec
