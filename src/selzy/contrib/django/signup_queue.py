"""The sign-up queue: stored sign-ups sent to Selzy in the order they came, each once.

A sign-up is stored before Selzy hears of it (:mod:`.signups`); then :func:`send_signups`
(the ``selzy.send_signups`` job) sends the waiting ones oldest first (``created_at``, ``pk``):

- **one sender at a time**: the job holds a lease on the connection row
  (``signups_sender``, renewed after each sign-up, ``BATCH_LEASE`` seconds long); a second
  job finding it held leaves the work to the holder, which looks again after letting go;
- **claimed before the call**: the sign-up turns ``sending`` (with ``claimed_at``) before
  subscribe goes out, and gets its outcome right after (:func:`selzy.integration.send_signup`):
  ``sent`` with Selzy's ``person_id``; ``failed`` when Selzy refused its own data; or back to
  ``pending`` when Selzy could not be reached, asked to wait, or refused because of the setup
  (the key, the list, its confirmation letter): then ``attempts`` grows, ``next_attempt_at``
  backs off (:func:`retry_delay`) and the queue stops, since whatever stopped this one would
  stop the next; the later sign-ups wait behind it, so they still arrive in order;
- **a sender that died mid-call** leaves its sign-up ``sending``: once the lease has run out it
  is taken again as ``uncertain``, and so is one whose answer was lost: the next attempt asks
  Selzy first (getContact), so the person gets one confirmation letter.

Selzy down for an hour: the sign-ups pile up in the table, the first one is tried again after
30 s, 1, 2, 4, 8 minutes and then every 15; the periodic scan (:func:`.jobs.scan_changes`, via
:func:`submit_due`) submits the job whenever the head of the queue is due, and once Selzy
answers the job sends them all, in order.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from selzy import Selzy
from selzy.integration import SignUpOutcome, SignUpRequest, send_signup

from .client import NotConnectedError, connected_client
from .conf import selzy_settings
from .crypto import UnreadableSecretError
from .ledger import worker_name
from .models import Connection, SignUp
from .tasks import job, submit

logger = logging.getLogger("selzy.django")

Status = SignUp.Status
WAITING = (Status.PENDING, Status.SENDING)
#: The first retry of a sign-up comes this long after its failure, then twice as long each
#: time, at most :data:`RETRY_MAX` apart.
RETRY_FIRST = dt.timedelta(seconds=30)
RETRY_MAX = dt.timedelta(minutes=15)
#: How many times per lease period a sender renews its lease (so never close to the end).
LEASE_RENEWALS = 4


def retry_delay(attempts: int) -> dt.timedelta:
    """How long a sign-up waits after its ``attempts``-th failed attempt."""
    delay: dt.timedelta = RETRY_FIRST * 2 ** max(attempts - 1, 0)
    return min(delay, RETRY_MAX)


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=selzy_settings().batch_lease)


def head() -> SignUp | None:
    """The oldest sign-up still to be sent (or being sent)."""
    return SignUp.objects.filter(status__in=WAITING).order_by("created_at", "pk").first()


def _due(signup: SignUp | None, now: dt.datetime) -> bool:
    """Whether ``signup``, the queue's head, may be taken now."""
    if signup is None:
        return False
    if signup.status == Status.SENDING:
        # Its sender lost the lease mid-call: wait out a slow call, then take it over.
        return signup.claimed_at is None or signup.claimed_at <= now - _lease()
    return signup.next_attempt_at is None or signup.next_attempt_at <= now


def submit_due() -> bool:
    """Submit :func:`send_signups` if the queue's head is due (the periodic scan calls it);
    whether it was."""
    if not _due(head(), timezone.now()):
        return False
    transaction.on_commit(lambda: submit(send_signups), robust=True)
    return True


def submit_after_commit() -> None:
    """Submit :func:`send_signups` once the current transaction commits, unless a sender is
    at work (it will find the new sign-up) or the queue's head waits for its next attempt
    (Selzy away: the scan submits it when due; a job per sign-up would only find it waiting).
    A runner that cannot take the job fails nothing: the sign-up is stored and the scan
    submits it."""

    def go() -> None:
        now = timezone.now()
        held = Connection.objects.filter(
            pk=Connection.current().pk, signups_lease_until__gt=now
        ).exists()
        if not held and _due(head(), now):
            submit(send_signups)

    transaction.on_commit(go, robust=True)


def _take_lease(holder: str) -> bool:
    now = timezone.now()
    pk = Connection.current().pk
    free = Q(signups_lease_until__isnull=True) | Q(signups_lease_until__lte=now)
    return bool(
        Connection.objects.filter(free | Q(signups_sender=holder), pk=pk).update(
            signups_sender=holder, signups_lease_until=now + _lease()
        )
    )


def _renew_lease(holder: str) -> bool:
    return bool(
        Connection.objects.filter(pk=Connection.current().pk, signups_sender=holder).update(
            signups_lease_until=timezone.now() + _lease()
        )
    )


def _release_lease(holder: str) -> None:
    Connection.objects.filter(pk=Connection.current().pk, signups_sender=holder).update(
        signups_sender="", signups_lease_until=None
    )


@job("selzy.send_signups")
def send_signups() -> int:
    """Send the waiting sign-ups in order, each once (see the module's docstring); how many
    Selzy took in this call. Returns at once when another sender holds the queue."""
    holder = worker_name()
    sent = 0
    while _take_lease(holder):
        try:
            sent += _drain(holder)
        finally:
            _release_lease(holder)
        # A sign-up stored while we let go found the lease held and left it to us.
        if not _due(head(), timezone.now()):
            break
    return sent


def _drain(holder: str) -> int:
    sent = 0
    client: Selzy | None = None
    module_list = Connection.current().list_id
    renewed = time.monotonic()
    try:
        while (signup := _claim_head(module_list)) is not None:
            if client is None:
                try:
                    client = connected_client()
                except (NotConnectedError, UnreadableSecretError) as problem:
                    _record(signup, SignUpOutcome("retry", reason=str(problem), setup=True))
                    return sent
            try:
                outcome = _send(client, signup)
            except Exception as error:  # a bug must not leave it claimed and retried for ever
                logger.exception("Sign-up %s could not be sent", signup.pk)
                reason = f"{type(error).__name__}: {error}"
                outcome = SignUpOutcome("retry", reason=reason, setup=True)
            _record(signup, outcome)
            if outcome.verdict == "retry":
                return sent
            sent += outcome.verdict == "sent"
            # The lease is renewed well before it runs out, not after every sign-up: one
            # write less per sign-up.
            if time.monotonic() - renewed >= _lease().total_seconds() / LEASE_RENEWALS:
                if not _renew_lease(holder):
                    return sent  # too slow: another sender took over
                renewed = time.monotonic()
    finally:
        if client is not None:
            client.close()
    return sent


def _claim_head(module_list: int | None) -> SignUp | None:
    """Take the queue's head, if it is due: ``sending``, its list fixed (``module_list`` when
    the form names none). None otherwise."""
    now = timezone.now()
    signup = head()
    if signup is None or not _due(signup, now):
        return None
    # Taken from a sender that died mid-call: that call may have reached Selzy.
    uncertain = signup.uncertain or signup.status == Status.SENDING
    list_id = signup.list_id or module_list
    claimed = SignUp.objects.filter(
        pk=signup.pk, status=signup.status, claimed_at=signup.claimed_at
    ).update(status=Status.SENDING, claimed_at=now, list_id=list_id, uncertain=uncertain)
    if not claimed:
        return None
    signup.status, signup.claimed_at = Status.SENDING, now
    signup.list_id, signup.uncertain = list_id, uncertain
    return signup


def _send(client: Selzy, signup: SignUp) -> SignUpOutcome:
    if signup.list_id is None:
        return SignUpOutcome(
            "retry",
            reason=(
                "No list to send it to: choose the module's list (Selzy → List), or give the "
                "form a list_id in SIGNUP_FORMS."
            ),
            setup=True,
        )
    request = SignUpRequest(
        email=signup.email,
        list_ids=(signup.list_id,),
        fields=dict(signup.values),
        double_optin=0 if signup.double_optin == 0 else 3,
        tags=tuple(signup.tags),
    )
    return send_signup(client, request, uncertain=signup.uncertain)


def _record(signup: SignUp, outcome: SignUpOutcome) -> None:
    now = timezone.now()
    attempts = signup.attempts + 1
    rows = SignUp.objects.filter(pk=signup.pk)
    if outcome.verdict == "sent":
        rows.update(
            # A confirmation may have come in already (no letter to wait for): it stays.
            status=Case(When(status=Status.SENDING, then=Value(Status.SENT)), default=F("status")),
            sent_at=now,
            person_id=outcome.person_id,
            attempts=attempts,
            error="",
            uncertain=False,
            claimed_at=None,
            next_attempt_at=None,
        )
    elif outcome.verdict == "refused":
        logger.warning("Selzy refused sign-up %s: %s", signup.pk, outcome.reason)
        # Only a claim this sender still holds: a confirmation that came meanwhile stays.
        rows.filter(status=Status.SENDING).update(
            status=Status.FAILED,
            attempts=attempts,
            error=outcome.reason,
            claimed_at=None,
            next_attempt_at=None,
        )
    else:
        wait = retry_delay(attempts)
        level = logging.ERROR if outcome.setup else logging.WARNING
        logger.log(
            level,
            "Sign-up %s waits %.0f s (attempt %s): %s",
            signup.pk,
            wait.total_seconds(),
            attempts,
            outcome.reason,
        )
        rows.filter(status=Status.SENDING).update(
            status=Status.PENDING,
            attempts=attempts,
            error=outcome.reason,
            uncertain=outcome.uncertain,
            claimed_at=None,
            next_attempt_at=now + wait,
        )


@dataclass(frozen=True)
class QueueState:
    """What the queue looks like, for the screens: how many wait, the first of them (with its
    last failure, if any), and how many Selzy refused."""

    waiting: int
    failed: int
    head: SignUp | None

    @property
    def stuck(self) -> bool:
        """The first waiting sign-up failed at least once: the others wait behind it."""
        return self.head is not None and self.head.attempts > 0


def queue_state() -> QueueState:
    """The queue's state now (:class:`QueueState`)."""
    return QueueState(
        waiting=SignUp.objects.filter(status__in=WAITING).count(),
        failed=SignUp.objects.filter(status=Status.FAILED).count(),
        head=head(),
    )


def retry_now() -> int:
    """Make the waiting sign-ups due at once (the setup was fixed) and submit the queue; how
    many wait."""
    count = SignUp.objects.filter(status=Status.PENDING).update(next_attempt_at=None)
    if count:
        submit_after_commit()
    return count
