"""The emulator's memory: accounts and everything they own, plus the few things shared by all.

Plain dataclasses with dict indexes; handlers mutate them under the emulator's lock. Ids are
deterministic: one counter per entity kind, each starting in its own range so that a list id passed
where a message id belongs is caught (real ids are all "positive 31-bit integers", §4).
"""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ._delivery import Recipient, TimelineEvent

if TYPE_CHECKING:
    from ._webhooks import Delivery

#: First id of each entity kind.
ID_STARTS: dict[str, int] = {
    "account": 7_000_001,
    "list": 100_001,
    "field": 200_001,
    "tag": 300_001,
    "contact": 4_000_000_001,
    "message": 500_001,
    "template": 600_001,
    "campaign": 700_001,
    "email": 800_000_001,
    "sms": 900_001,
    "note": 950_001,
    "letter": 1,
}


@dataclass(slots=True)
class Membership:
    """A contact's place in one list (email or phone channel)."""

    status: str  # "active" | "unsubscribed"
    added_at: datetime
    subscribed_at: datetime


@dataclass(slots=True)
class Contact:
    """One person: an email and/or a phone with statuses, list memberships, fields and tags."""

    id: int
    email: str | None
    phone: str | None
    added_at: datetime
    email_status: str = "new"
    email_availability: str = "available"
    phone_status: str = "active"
    phone_availability: str = "available"
    email_lists: dict[int, Membership] = field(default_factory=dict)
    phone_lists: dict[int, Membership] = field(default_factory=dict)
    fields: dict[int, str] = field(default_factory=dict)
    tags: set[int] = field(default_factory=set)
    last_send_at: datetime | None = None
    last_delivery_at: datetime | None = None
    last_read_at: datetime | None = None
    last_click_at: datetime | None = None


@dataclass(slots=True)
class OptInLetter:
    """A list's confirmation ("opt-in") letter, set by updateOptInEmail."""

    sender_name: str
    sender_email: str
    subject: str
    body: str


@dataclass(slots=True)
class MailList:
    """A contact list."""

    id: int
    title: str
    created: datetime
    before_subscribe_url: str = ""
    after_subscribe_url: str = ""
    optin: OptInLetter | None = None


@dataclass(slots=True)
class UserField:
    """An account-defined contact field."""

    id: int
    name: str
    type: str
    public_name: str
    is_visible: int = 1
    view_pos: int = 0


@dataclass(slots=True)
class Tag:
    """A contact tag."""

    id: int
    name: str


@dataclass(slots=True)
class Attachment:
    """A file attached to a message, kept as the raw bytes the client sent."""

    name: str
    content: bytes


@dataclass(slots=True)
class Message:
    """An email or SMS message; `actual_id` points to its newest version."""

    id: int
    service_type: str
    list_id: int
    created: datetime
    updated: datetime
    sender_name: str = ""
    sender_email: str = ""
    subject: str = ""
    body: str = ""
    text_body: str = ""
    raw_body: str = ""
    lang: str = "en"
    message_format: str = "raw_html"
    wrap_type: str = "skip"
    tag: str = ""
    categories: str = ""
    sms_sender: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    actual_id: int = 0
    #: Set once a campaign used it: editing it afterwards makes a new version (§5.4).
    sent: bool = False
    last_campaign_at: datetime | None = None


@dataclass(slots=True)
class Sender:
    """A sender address and whether its owner clicked the confirmation link."""

    email: str
    name: str
    is_checked: bool
    requested_at: datetime
    confirmed_at: datetime | None = None


@dataclass(slots=True)
class SenderDomain:
    """A domain registered with setSenderDomain."""

    domain: str
    dkim: str
    status: str = "inactive"


@dataclass(slots=True)
class Template:
    """An email template (user or system)."""

    id: int
    title: str
    subject: str
    body: str
    created: datetime
    updated: datetime
    text_body: str = ""
    raw_body: str = ""
    lang: str = "en"
    description: str = ""
    message_format: str = "raw_html"
    type: str = "user"


@dataclass(slots=True)
class Campaign:
    """A send of one message to a list; its future is fixed at creation by the seeded model."""

    id: int
    message_id: int
    list_id: int
    created: datetime
    start: datetime
    track_read: bool
    track_links: bool
    track_ga: bool
    recipients: list[Recipient]
    #: Status changes: (time, status), ascending; the last one not after "now" is current.
    statuses: list[tuple[datetime, str]]
    #: Recipient and status events in time order, replayed into side effects and webhooks.
    timeline: list[TimelineEvent]
    cursor: int = 0
    canceled_at: datetime | None = None

    def status_at(self, now: datetime) -> str:
        """The documented status this campaign has at `now`."""
        current = self.statuses[0][1]
        for when, status in self.statuses:
            if when > now:
                break
            current = status
        return current


@dataclass(slots=True)
class DirectEmail:
    """One sendEmail letter and its status history."""

    id: int
    to: str
    statuses: list[tuple[datetime, str]]


@dataclass(slots=True)
class Sms:
    """One sendSms text."""

    id: str
    phone: str
    sent_at: datetime
    status: str = "ok_delivered"


@dataclass(slots=True)
class Hook:
    """A webhook registration (setHook)."""

    url: str
    events: dict[str, frozenset[str] | None]
    event_format: str = "json_post"
    max_parallel: int = 10
    single_event: bool = False
    status: str = "active"
    failing_since: datetime | None = None


@dataclass(slots=True)
class Task:
    """An async export task; its file is produced at creation, ready after a delay."""

    uuid: str
    type: str
    created: datetime
    ready_at: datetime
    file_name: str
    file_url: str = ""
    notify_url: str = ""
    notified: bool = False


@dataclass(slots=True)
class Note:
    """A contact note (§5.10: shapes are the emulator's proposal)."""

    id: int
    contact_id: int
    content: str
    is_pinned: bool
    created: datetime
    updated: datetime


@dataclass(slots=True)
class Letter:
    """A letter the "service" sent to a person: the outbox shows these."""

    id: int
    login: str
    kind: str
    to: str
    sender: str
    subject: str
    html: str
    sent_at: datetime
    links: list[tuple[str, str]] = field(default_factory=list)
    attachments: list[tuple[str, int]] = field(default_factory=list)


@dataclass(slots=True)
class Account:
    """One Selzy account (one API key) and all it owns."""

    key: str
    login: str
    email: str
    created: datetime
    password: str = ""
    reseller: bool = False
    parent_login: str = ""
    balance: float = 100.0
    currency: str = "USD"
    timezone: str = "UTC"
    firstname: str = ""
    lists: dict[int, MailList] = field(default_factory=dict)
    fields: dict[int, UserField] = field(default_factory=dict)
    tags: dict[int, Tag] = field(default_factory=dict)
    contacts: dict[int, Contact] = field(default_factory=dict)
    by_email: dict[str, Contact] = field(default_factory=dict)
    by_phone: dict[str, Contact] = field(default_factory=dict)
    messages: dict[int, Message] = field(default_factory=dict)
    senders: dict[str, Sender] = field(default_factory=dict)
    domains: dict[str, SenderDomain] = field(default_factory=dict)
    templates: dict[int, Template] = field(default_factory=dict)
    campaigns: dict[int, Campaign] = field(default_factory=dict)
    emails: dict[int, DirectEmail] = field(default_factory=dict)
    sms: dict[str, Sms] = field(default_factory=dict)
    hooks: dict[str, Hook] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)
    notes: dict[int, Note] = field(default_factory=dict)
    platforms: dict[str, int] = field(default_factory=dict)

    def field_by_name(self, name: str) -> UserField | None:
        """The user field called `name` (case-sensitive, like the API)."""
        for f in self.fields.values():
            if f.name == name:
                return f
        return None

    def tag_by_name(self, name: str) -> Tag | None:
        """The tag called `name`."""
        for t in self.tags.values():
            if t.name == name:
                return t
        return None

    def list_by_title(self, title: str) -> MailList | None:
        """The list with this title."""
        for lst in self.lists.values():
            if lst.title == title:
                return lst
        return None


@dataclass(slots=True)
class RequestRecord:
    """One API call as the state dump shows it (the key is never recorded)."""

    time: datetime
    method: str
    login: str | None
    platform: str | None
    ip: str
    outcome: str


class State:
    """Everything the emulator remembers; `reset` is "construct a new one"."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.counters: dict[str, int] = dict(ID_STARTS)
        self.accounts: dict[str, Account] = {}
        self.by_login: dict[str, Account] = {}
        self.outbox: list[Letter] = []
        #: Confirmation links: token -> (kind, login, subject such as an address).
        self.tokens: dict[str, tuple[str, str, str]] = {}
        self.requests: deque[RequestRecord] = deque(maxlen=1000)
        self.register_times: dict[str, datetime] = {}
        self.webhook_log: list[dict[str, Any]] = []
        #: Downloadable files (export results): name -> (content type, bytes).
        self.files: dict[str, tuple[str, bytes]] = {}
        #: Webhook deliveries waiting for their next attempt.
        self.retries: list[Delivery] = []
        self.token_counter = 0

    def next_id(self, kind: str) -> int:
        """The next deterministic id of an entity kind."""
        value = self.counters[kind]
        self.counters[kind] = value + 1
        return value

    def token(self, purpose: str) -> str:
        """A deterministic opaque token (confirmation links, task ids, api keys)."""
        self.token_counter += 1
        return hashlib.sha256(f"{self.seed}:{purpose}:{self.token_counter}".encode()).hexdigest()

    def add_account(self, account: Account) -> Account:
        """Register an account under its key and login."""
        self.accounts[account.key] = account
        self.by_login[account.login] = account
        return account
