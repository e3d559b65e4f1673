"""``manage.py selzy_reconcile``: repair what Selzy's webhooks did not bring, in the foreground.

::

    manage.py selzy_reconcile             # now
    manage.py selzy_reconcile --if-due    # only when RECONCILE_EVERY has passed (for cron)

The same reconciliation the periodic scan starts (:mod:`...reconcile`): the webhook checked and
re-armed when Selzy stopped it, the list's statuses exported and compared with the ledger, and
every unsubscription, return, hard bounce or complaint that was missed applied to the ledger and
the site's records. Prints what it found; exit status 1 when it failed. With the thread runner
nothing runs it periodically: put ``selzy_reconcile --if-due`` in the crontab beside
``selzy_sync --incremental``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ... import reconcile
from ...client import NotConnectedError
from ...hooks import hook_warning
from ...models import Connection, Reconciliation


class Command(BaseCommand):
    help = (
        "Compare the Selzy list's statuses with the module's records and repair what a "
        "webhook missed (unsubscriptions, hard bounces, complaints); check the webhook."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-due",
            action="store_true",
            help='only when SELZY["RECONCILE_EVERY"] seconds have passed since the last one',
        )

    def handle(self, *args: Any, **options: Any) -> None:
        connection = Connection.current()
        if not connection.is_connected or not connection.list_id:
            raise CommandError("Connect a Selzy account and choose its list first (the admin)")
        if options["if_due"] and not reconcile.is_due():
            self.stdout.write("No reconciliation is due.")
            return
        try:
            reconciliation, created = reconcile.start(submit_job=False)
        except NotConnectedError as error:
            raise CommandError(str(error)) from None
        if not created:
            self.stdout.write(
                f"Reconciliation #{reconciliation.pk} is under way since "
                f"{reconciliation.started_at:%Y-%m-%d %H:%M} (UTC): "
                f"{reconcile.summary(reconciliation)}"
            )
            return
        reconciliation = reconcile.reconcile(reconciliation.pk)
        self._report(reconciliation)

    def _report(self, reconciliation: Reconciliation) -> None:
        self.stdout.write(
            f"Reconciliation #{reconciliation.pk} of list {reconciliation.list_id}: "
            f"{reconcile.summary(reconciliation)}"
        )
        connection = Connection.current()
        warning = hook_warning(connection)
        if warning:
            self.stderr.write(warning)
        elif connection.hook_status:
            self.stdout.write(f"Webhook {connection.hook_url}: {connection.hook_status}.")
        if reconciliation.status == Reconciliation.Status.FAILED:
            raise CommandError(f"Reconciliation #{reconciliation.pk} failed")
