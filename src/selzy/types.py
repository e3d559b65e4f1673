"""The result types of the client's methods: small frozen dataclasses, all importable here.

``from selzy.types import CampaignCommonStats``. Every model coerces the API's id drift
(strings vs numbers), keeps the keys it does not know in ``extra`` and, where the call can
carry them, the envelope's ``warnings``. List results are :class:`ResultList` objects: lists
that also carry ``warnings``.
"""

from __future__ import annotations

from selzy.client._model import ResultList
from selzy.client._types._account import (
    CheckedEmail,
    CurrencyRate,
    Hook,
    MoneyTransfer,
    Payment,
    Registered,
    SenderDomain,
    SenderDomainInfo,
    SenderDomainList,
    SenderValidation,
    SubscriberNote,
    Tariff,
    UserExists,
    UserInfo,
    UserService,
)
from selzy.client._types._campaigns import (
    Campaign,
    CampaignAggregateStats,
    CampaignCommonStats,
    CampaignCreated,
    CampaignStatus,
    TaskResult,
    VisitedLinks,
)
from selzy.client._types._contacts import (
    Contact,
    ContactEmail,
    ContactListMembership,
    ExportedContacts,
    FieldValues,
    ImportLogEntry,
    ImportResult,
    Subscribed,
    TaskStarted,
)
from selzy.client._types._lists import (
    ContactCount,
    CreatedId,
    Field,
    MailingList,
    Tag,
    TotalContactsCount,
)
from selzy.client._types._messages import (
    EmailSent,
    EmailStatus,
    EmailStatuses,
    Message,
    MessageAttachment,
    MessageCreated,
    MessageVersion,
    SmsSent,
    SmsStatus,
    TestEmailResult,
    WebVersion,
)
from selzy.client._types._templates import (
    Template,
    TemplateCreated,
)

__all__ = [
    "Campaign",
    "CampaignAggregateStats",
    "CampaignCommonStats",
    "CampaignCreated",
    "CampaignStatus",
    "CheckedEmail",
    "Contact",
    "ContactCount",
    "ContactEmail",
    "ContactListMembership",
    "CreatedId",
    "CurrencyRate",
    "EmailSent",
    "EmailStatus",
    "EmailStatuses",
    "ExportedContacts",
    "Field",
    "FieldValues",
    "Hook",
    "ImportLogEntry",
    "ImportResult",
    "MailingList",
    "Message",
    "MessageAttachment",
    "MessageCreated",
    "MessageVersion",
    "MoneyTransfer",
    "Payment",
    "Registered",
    "ResultList",
    "SenderDomain",
    "SenderDomainInfo",
    "SenderDomainList",
    "SenderValidation",
    "SmsSent",
    "SmsStatus",
    "Subscribed",
    "SubscriberNote",
    "Tag",
    "Tariff",
    "TaskResult",
    "TaskStarted",
    "Template",
    "TemplateCreated",
    "TestEmailResult",
    "TotalContactsCount",
    "UserExists",
    "UserInfo",
    "UserService",
    "VisitedLinks",
    "WebVersion",
]
