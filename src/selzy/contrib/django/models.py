"""What the module keeps: the linked account and wizard choices, field mappings, messages,
campaigns with their statistics history, import runs with every rejected row, and the sign-ups
of the site's forms with their consent records (:mod:`.signup_models`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from selzy.client import key_hint
from selzy.integration import STATS_COUNTERS, RunTotals

from . import crypto


class Connection(models.Model):
    """The linked Selzy account and the setup choices (a single row, pk=1).

    The API key is stored only encrypted (:mod:`.crypto`); ``key_hint`` keeps what screens may
    show of it (:func:`selzy.client.key_hint`: its last four characters, none of a short key),
    so they show it masked without decrypting.
    """

    api_key_encrypted = models.TextField(blank=True, editable=False)
    key_hint = models.CharField(max_length=8, blank=True, editable=False)
    login = models.CharField(max_length=100, blank=True)
    account_email = models.EmailField(blank=True)
    registered_here = models.BooleanField(default=False)
    connected_at = models.DateTimeField(null=True, blank=True)
    list_id = models.BigIntegerField(null=True, blank=True)
    list_title = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=64, blank=True)
    mapping_completed_at = models.DateTimeField(null=True, blank=True)
    # The webhook's health as listHooks last showed it (Selzy stops a hook after 24 h of
    # failures): its status, when it was checked, and when the module last re-armed it.
    hook_url = models.CharField(max_length=1000, blank=True)
    hook_status = models.CharField(max_length=32, blank=True)
    hook_checked_at = models.DateTimeField(null=True, blank=True)
    hook_rearmed_at = models.DateTimeField(null=True, blank=True)
    # The sign-up queue's lease: one sender at a time, so sign-ups reach Selzy in order
    # (:mod:`.signup_queue`).
    signups_sender = models.CharField(max_length=200, blank=True)
    signups_lease_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Selzy connection"
        verbose_name_plural = "Selzy"  # what the admin index shows: the module's entry
        permissions = [
            ("manage_selzy", "Can connect Selzy, choose the list and map fields"),
            ("send_selzy_campaigns", "Can create Selzy messages and send campaigns"),
        ]

    def __str__(self) -> str:
        return f"Selzy account {self.login or '(not connected)'}"

    @classmethod
    def current(cls) -> Connection:
        """The one connection row (created empty on first use)."""
        connection, _ = cls.objects.get_or_create(pk=1)
        return connection

    @property
    def is_connected(self) -> bool:
        return bool(self.api_key_encrypted)

    @property
    @sensitive_variables()
    def api_key(self) -> str:
        """The decrypted key (raises crypto.UnreadableSecretError if the keys changed)."""
        return crypto.decrypt(self.api_key_encrypted) if self.api_key_encrypted else ""

    @sensitive_variables()
    def set_api_key(self, api_key: str) -> None:
        """Store the key encrypted, and the part of it screens may show (the client's rule)."""
        self.api_key_encrypted = crypto.encrypt(api_key)
        self.key_hint = key_hint(api_key)

    @property
    def masked_key(self) -> str:
        """The key as screens show it: ``••••abcd``, ``••••`` for a short key ("" if none)."""
        if not self.api_key_encrypted:
            return ""
        return f"••••{self.key_hint}"

    def __repr__(self) -> str:
        return f"<Connection login={self.login!r} key={self.masked_key!r}>"


class MappedField(models.Model):
    """One row of the mapping: a source field sent to one Selzy field (or ``email``/``phone``)."""

    source = models.CharField(max_length=64)
    source_field = models.CharField(max_length=100)
    selzy_field = models.CharField(max_length=100)
    selzy_type = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_field"], name="selzy_map_source_once"
            ),
            models.UniqueConstraint(fields=["source", "selzy_field"], name="selzy_map_target_once"),
        ]
        ordering = ["source", "id"]

    def __str__(self) -> str:
        return f"{self.source}.{self.source_field} -> {self.selzy_field}"


class Message(models.Model):
    """An email message created in Selzy (createEmailMessage)."""

    message_id = models.BigIntegerField(unique=True)
    list_id = models.BigIntegerField()
    sender_name = models.CharField(max_length=255)
    sender_email = models.EmailField()
    subject = models.CharField(max_length=998)
    body = models.TextField()
    attachments = models.JSONField(default=list, blank=True)  # [{"name": ..., "size": ...}]
    test_sent_to = models.CharField(max_length=1000, blank=True)
    test_sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.subject} (#{self.message_id})"


class ImportRun(models.Model):
    """One sync of the contact source into a list: planned into batches, worked in the background.

    A *full* run classifies every eligible record and removes the contacts no longer eligible;
    an *incremental* run only the contacts marked dirty since. A dry run only counts (its
    report is in ``totals``). Progress is read from the batches (:mod:`.ledger`), never kept on
    this row while workers run, so several workers never contend for it; ``totals``,
    ``position`` and ``finished`` are written once, when the run ends.

    ``heartbeat_at`` is the run's lease: its workers write it while they live, and a queued or
    running run nobody has written for ``RUN_LEASE`` seconds is ``interrupted`` (:mod:`.leases`).
    At most one full sync of a source into a list is under way (queued, running or paused) at a
    time: a second request joins it (:func:`.jobs.start_import`).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        PAUSED = "paused", "Paused"
        CANCELLED = "cancelled", "Cancelled"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"
        # Its workers stopped without a word (their process died): Resume continues it.
        INTERRUPTED = "interrupted", "Interrupted"

    class Kind(models.TextChoices):
        FULL = "full", "Full"
        INCREMENTAL = "incremental", "Incremental"

    source = models.CharField(max_length=64)
    list_id = models.BigIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.FULL)
    dry_run = models.BooleanField(default=False)
    scan_first = models.BooleanField(default=False)  # incremental: scan_changes() before planning
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    planned = models.BooleanField(default=False)
    not_before = models.DateTimeField(null=True, blank=True)  # debounce: start no earlier
    expected = models.IntegerField(null=True, blank=True)  # contacts planned
    batches_total = models.IntegerField(default=0)
    position = models.IntegerField(default=0)  # contacts done, written when the run ends
    totals = models.JSONField(default=dict, blank=True)  # RunTotals.as_dict(), at the end
    finished = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    #: Not a column: set by :func:`.jobs.start_import` on a full sync already under way that a
    #: request joined instead of starting a second one.
    joined = False

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # The debounce: at most one incremental run waiting per source and list.
            models.UniqueConstraint(
                fields=["source", "list_id"],
                condition=models.Q(status="queued", kind="incremental", dry_run=False),
                name="selzy_run_one_queued_incremental",
            ),
            # Two full syncs of one list at once (the Import button clicked twice) would send
            # every contact twice: a second request joins the first.
            models.UniqueConstraint(
                fields=["source", "list_id"],
                condition=models.Q(
                    status__in=["queued", "running", "paused"], kind="full", dry_run=False
                ),
                name="selzy_run_one_active_full",
            ),
        ]
        indexes = [models.Index(fields=["status", "source"], name="selzy_run_status")]

    def __str__(self) -> str:
        what = "Dry run" if self.dry_run else f"{self.get_kind_display()} sync"
        return f"{what} #{self.pk} of {self.source} ({self.status})"

    @property
    def summary(self) -> RunTotals:
        """``totals`` as the engine's typed :class:`~selzy.integration.RunTotals`."""
        return RunTotals.from_dict(self.totals)

    @property
    def over(self) -> bool:
        """Nothing more will happen to the run unless someone resumes it."""
        return self.status in (self.Status.COMPLETED, self.Status.FAILED, self.Status.CANCELLED)

    @property
    def working(self) -> bool:
        """Queued or running: workers are (or are about to be) on it."""
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def resumable(self) -> bool:
        """Stopped part-way (paused, failed, its process died): Resume continues it."""
        return self.status in (self.Status.PAUSED, self.Status.FAILED, self.Status.INTERRUPTED)


class ImportBatch(models.Model):
    """A slice of a run (at most IMPORT_BATCH_SIZE contacts), claimed and sent by one worker.

    ``source_ids`` are records to classify, ``remove_ids`` states whose record was no longer
    eligible when planned (checked again when worked). ``offset`` numbers its contacts within
    the run (rejections' positions).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        CLAIMED = "claimed", "Claimed"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="batches")
    number = models.IntegerField()
    offset = models.IntegerField(default=0)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    source_ids = models.JSONField(default=list, blank=True)
    remove_ids = models.JSONField(default=list, blank=True)
    rows = models.IntegerField(default=0)  # contacts in the batch
    claimed_by = models.CharField(max_length=200, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    attempts = models.IntegerField(default=0)
    totals = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["run", "number"]
        verbose_name_plural = "import batches"
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="selzy_batch_number_once")
        ]
        indexes = [models.Index(fields=["run", "status", "number"], name="selzy_batch_claim")]

    def __str__(self) -> str:
        return f"Batch {self.number} of run {self.run_id} ({self.status})"


class ContactState(models.Model):
    """What was last sent to Selzy for one source record: the sync's ledger.

    ``row_hash`` is empty until the record is first sent. ``dirty`` marks a record changed
    since (signals, the periodic scan); ``version`` is a fresh random number on every marking,
    so a worker that read the record before a change never clears the change's mark.
    ``unsubscribed`` contacts are left alone by every sync.
    """

    source = models.CharField(max_length=64)
    source_id = models.CharField(max_length=255)
    email = models.CharField(max_length=320, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    row_hash = models.CharField(max_length=64, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    dirty = models.BooleanField(default=False, db_index=True)
    dirty_since = models.DateTimeField(null=True, blank=True)
    version = models.BigIntegerField(default=0)
    unsubscribed = models.BooleanField(default=False)
    # What Selzy told about the address (webhooks, the reconciliation): the status cache.
    # ``status_at`` is when the last (un)subscription applied happened in Selzy, so an older
    # report never overrides a newer one; a soft bounce only counts, a hard one or a complaint
    # marks the address (and the rules of :mod:`.feedback` write it back to the record).
    status_at = models.DateTimeField(null=True, blank=True)
    undeliverable_at = models.DateTimeField(null=True, blank=True)
    complained_at = models.DateTimeField(null=True, blank=True)
    soft_bounces = models.IntegerField(default=0)
    last_soft_bounce_at = models.DateTimeField(null=True, blank=True)
    taken_by = models.ForeignKey(
        ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="selzy_state_once")
        ]
        indexes = [
            models.Index(fields=["source", "email"], name="selzy_state_email"),
            # Which record's contact holds a phone (one person, one contact: issue 9).
            models.Index(fields=["source", "phone"], name="selzy_state_phone"),
            # Selzy's feedback names an address however it was written: matched lowercased.
            models.Index(Lower("email"), name="selzy_state_email_lower"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.source_id} -> {self.email or self.phone or '(not sent)'}"


class SourceScan(models.Model):
    """When a source was last scanned for changes that bypassed the signals."""

    source = models.CharField(max_length=64, unique=True)
    scanned_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.source} scanned at {self.scanned_at}"


class ImportRejection(models.Model):
    """A source record that did not get into Selzy, and why; or one that got in with a note
    (stage "local", codes ``value_dropped``/``duplicate``, comma-joined when both)."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rejections")
    source_id = models.CharField(max_length=255)
    position = models.IntegerField()
    stage = models.CharField(max_length=8)  # "local" or "selzy"
    code = models.CharField(max_length=64)
    reason = models.TextField()
    email = models.CharField(max_length=320, blank=True)
    phone = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["run", "position"]
        constraints = [
            # A batch sent again (its worker died after the call) reports its rows again.
            models.UniqueConstraint(
                fields=["run", "source_id", "stage"], name="selzy_rejection_once_per_record"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_id}: {self.reason}"


class Campaign(models.Model):
    """A campaign: contacts imported, then createCampaign, then status and statistics.

    A message has at most one campaign in flight (importing, or created without Selzy's answer
    and not yet confirmed): a constraint, besides the lock :mod:`.launches` takes, so two
    launches of one message can never run side by side.
    """

    class Stage(models.TextChoices):
        IMPORTING = "importing", "Importing contacts"
        UNCONFIRMED = "unconfirmed", "Waiting for Selzy to confirm"
        CREATED = "created", "Created in Selzy"
        ALREADY_SENT = "already_sent", "Refused: already sent"
        FAILED = "failed", "Failed"

    #: Stages in which the launch is not over: no second one may start beside it.
    IN_FLIGHT = (Stage.IMPORTING, Stage.UNCONFIRMED)

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="campaigns")
    campaign_id = models.BigIntegerField(null=True, blank=True, unique=True)
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.IMPORTING)
    status = models.CharField(max_length=32, blank=True)  # Selzy's campaign status
    send_now = models.BooleanField(default=True)
    start_time = models.DateTimeField(null=True, blank=True)  # UTC
    timezone = models.CharField(max_length=64, default="UTC")  # as the user chose it
    segment = models.CharField(max_length=64, blank=True)  # "" = the whole list
    import_run = models.ForeignKey(
        ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="campaigns"
    )
    error = models.TextField(blank=True)
    # When createCampaign was about to be sent: a lost answer is looked up in Selzy from then.
    launched_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    # The per-address report's cursor: getCampaignDeliveryStats is asked for changes since then.
    activity_fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["message"],
                condition=models.Q(stage__in=["importing", "unconfirmed"]),
                name="selzy_campaign_one_in_flight",
            )
        ]

    def __str__(self) -> str:
        return f"Campaign {self.campaign_id or '(not created)'}: {self.message.subject}"

    def latest_stats(self) -> CampaignStats | None:
        return self.stats.order_by("-taken_at").first()


class CampaignStats(models.Model):
    """getCampaignStatus + getCampaignCommonStats at one moment (the history the chart shows)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="stats")
    taken_at = models.DateTimeField()
    status = models.CharField(max_length=32)
    total = models.IntegerField(default=0)
    sent = models.IntegerField(default=0)
    delivered = models.IntegerField(default=0)
    read_unique = models.IntegerField(default=0)
    read_all = models.IntegerField(default=0)
    clicked_unique = models.IntegerField(default=0)
    clicked_all = models.IntegerField(default=0)
    unsubscribed = models.IntegerField(default=0)
    spam = models.IntegerField(default=0)

    class Meta:
        ordering = ["campaign", "taken_at"]
        verbose_name_plural = "campaign statistics"

    def __str__(self) -> str:
        return f"{self.campaign} at {self.taken_at:%Y-%m-%d %H:%M}"

    #: getCampaignCommonStats' counters, each a field of the same name here.
    COUNTERS = STATS_COUNTERS

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.COUNTERS}


class WebhookEvent(models.Model):
    """One event of a verified Selzy webhook, stored as it came before anything acts on it.

    The webhook view only stores (Selzy waits 3 s for its answer); :mod:`.events` processes
    later. ``dedupe_key`` comes from the event's own fields (never ``retry_count``), so Selzy's
    redeliveries store nothing new. ``subject`` is what the event is about (a campaign id, or a
    contact's lowercased email): an event is applied only when no later event of the same
    subject has been (``applied``), so events take effect in the order they happened.
    ``processed_at`` is empty until processing succeeded (or was given up after
    :data:`.events.MAX_ATTEMPTS` failures); ``error`` says why it last failed.
    """

    kind = models.CharField(max_length=64)  # Selzy's event_name
    login = models.CharField(max_length=64, blank=True)
    subject = models.CharField(max_length=320, blank=True)
    event_time = models.DateTimeField()  # when it happened in Selzy (UTC)
    payload = models.JSONField(default=dict)  # the event's data, as Selzy sent it
    dedupe_key = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    applied = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    attempts = models.IntegerField(default=0)  # failed processings; given up at MAX_ATTEMPTS

    class Meta:
        ordering = ["event_time", "pk"]
        indexes = [
            models.Index(fields=["kind", "subject", "event_time"], name="selzy_event_order"),
            models.Index(fields=["processed_at", "received_at"], name="selzy_event_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} at {self.event_time:%Y-%m-%d %H:%M:%S}"


class ContactActivity(models.Model):
    """What happened to one address in one campaign (or, with campaign 0, outside any): sent,
    delivered, opened, clicked, bounced, unsubscribed, complained; each kind once per campaign,
    at the first time it was heard of (webhooks and the delivery report agree on that)."""

    email = models.CharField(max_length=320)  # lowercased
    campaign_id = models.BigIntegerField(default=0)  # 0: not about a campaign
    kind = models.CharField(max_length=16)  # selzy.integration.FeedbackKind
    status = models.CharField(max_length=40, blank=True)  # Selzy's word, e.g. err_mailbox_full
    happened_at = models.DateTimeField()
    origin = models.CharField(max_length=16)  # webhook, delivery_stats, reconciliation
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-happened_at", "-pk"]
        verbose_name_plural = "contact activities"
        constraints = [
            models.UniqueConstraint(
                fields=["email", "campaign_id", "kind"], name="selzy_activity_once"
            )
        ]
        indexes = [
            models.Index(fields=["email", "happened_at"], name="selzy_activity_email"),
            models.Index(fields=["campaign_id", "kind"], name="selzy_activity_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.email} {self.kind} at {self.happened_at:%Y-%m-%d %H:%M}"


class Reconciliation(models.Model):
    """One run of the reconciliation job: the list's statuses read from an export and the
    ledger and records repaired where a webhook was missed."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    list_id = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    task_uuid = models.CharField(max_length=64, blank=True)
    rows = models.IntegerField(default=0)  # contacts read from the export
    repaired = models.JSONField(default=dict, blank=True)  # feedback kind -> contacts repaired
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Reconciliation of list {self.list_id} at {self.started_at:%Y-%m-%d %H:%M}"


# Declared in their own module (the forms' models), part of this app.
from .signup_models import ConsentRecord, SignUp  # noqa: E402

__all__ = [
    "Campaign",
    "CampaignStats",
    "Connection",
    "ConsentRecord",
    "ContactActivity",
    "ContactState",
    "ImportBatch",
    "ImportRejection",
    "ImportRun",
    "MappedField",
    "Message",
    "Reconciliation",
    "SignUp",
    "SourceScan",
    "WebhookEvent",
]
