"""What the sign-up forms keep: each sign-up, stored before Selzy is called, and the evidence
of the consent it was given with. (Declared in :mod:`.models`'s app, imported there.)"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class ConsentRecord(models.Model):
    """Evidence of one consent: the exact text the person agreed to and its version, the form,
    when, from where (the IP as ``SIGNUP_IP`` says: stored, an HMAC of it, or nothing; the
    browser's user agent unless "none"), and when Selzy reported the confirmation (the person
    clicked the link in Selzy's letter: the ``subscribe`` webhook event)."""

    class IPMode(models.TextChoices):
        STORED = "store", "Stored"
        HASHED = "hash", "HMAC-SHA256 with SECRET_KEY"
        NONE = "none", "Not kept"

    form_key = models.CharField(max_length=64)
    origin = models.CharField(max_length=100)  # "form", or the adapter's name for it
    email = models.CharField(max_length=320)
    consent_text = models.TextField()
    consent_version = models.CharField(max_length=64)
    language = models.CharField(max_length=16, blank=True)  # the text's language, as shown
    double_optin = models.SmallIntegerField()  # subscribe's: 0 Selzy's letter, 3 none
    page = models.CharField(max_length=2000, blank=True)  # where the form was
    ip = models.CharField(max_length=64, blank=True)
    ip_mode = models.CharField(max_length=8, choices=IPMode.choices)
    user_agent = models.CharField(max_length=500, blank=True)
    given_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "selzy"
        ordering = ["-given_at", "-pk"]
        indexes = [models.Index(Lower("email"), name="selzy_consent_email_lower")]

    def __str__(self) -> str:
        return f"{self.email}: {self.form_key} v{self.consent_version} at {self.given_at:%Y-%m-%d}"


class SignUp(models.Model):
    """One sign-up from a form, queued for Selzy (:mod:`.signup_queue`).

    ``values`` are subscribe's field texts (Selzy field name -> text), converted when the
    sign-up was accepted; ``list_id``, ``double_optin`` and ``tags`` come from the form's
    configuration at that moment (``list_id`` None: the module's list when it is sent, then
    written here). The queue sends them oldest first (``created_at``, ``pk``), each once:

    - ``pending``: waiting; ``next_attempt_at`` set after a failed attempt (the backoff),
      ``uncertain`` when that attempt may have reached Selzy (the next one asks first);
    - ``sending``: claimed by the queue, the call under way (``claimed_at``);
    - ``sent``: Selzy took it (``person_id``); ``failed``: Selzy refused this sign-up's own
      data (``error`` says why); ``confirmed``: the person confirmed (Selzy's webhook).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CONFIRMED = "confirmed", "Confirmed"

    form_key = models.CharField(max_length=64)
    origin = models.CharField(max_length=100)
    email = models.CharField(max_length=320)
    values = models.JSONField(default=dict, blank=True)
    list_id = models.BigIntegerField(null=True, blank=True)
    double_optin = models.SmallIntegerField()
    tags = models.JSONField(default=list, blank=True)
    consent = models.OneToOneField(ConsentRecord, on_delete=models.CASCADE, related_name="signup")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.IntegerField(default=0)
    error = models.TextField(blank=True)
    uncertain = models.BooleanField(default=False)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    person_id = models.BigIntegerField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "selzy"
        verbose_name = "sign-up"
        ordering = ["created_at", "pk"]
        indexes = [
            # The queue's head: the oldest waiting sign-up.
            models.Index(fields=["status", "created_at", "id"], name="selzy_signup_queue"),
            models.Index(Lower("email"), name="selzy_signup_email_lower"),
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.form_key} ({self.status})"
