"""``manage.py selzy_stats``: refresh the status and statistics of Selzy campaigns.

::

    manage.py selzy_stats                   # every campaign not final yet (sending, scheduled...)
    manage.py selzy_stats --campaign 12345  # one campaign by its Selzy id (repeatable)
    manage.py selzy_stats --all             # every campaign created in Selzy, finished ones too

Each campaign gets getCampaignStatus and getCampaignCommonStats, kept as one more point of its
history (the statistics screen's chart), exactly as the screen's Refresh button does. A bar shows
the progress on a terminal; a table of the figures follows. Campaigns Selzy could not answer for
are listed with the reason, and the command then exits with status 1. Run it from cron (or Celery
beat) to keep the figures current without opening the screens.

It also submits the fetch of the per-contact activity (the ``selzy.fetch_activity`` job) of every
campaign sent in the last 30 days and not fetched in the last hour, refreshed now or not (with
``--campaign``, of those campaigns only; :mod:`selzy.contrib.django.activity`).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from selzy import SelzyError
from selzy.protocol import FINAL_CAMPAIGN_STATUSES

from ... import activity, jobs
from ...client import NotConnectedError
from ...models import Campaign, CampaignStats, Connection
from ..terminal import ProgressBar, table

HEADERS = (
    "Campaign",
    "Subject",
    "Status",
    "Total",
    "Sent",
    "Delivered",
    "Read",
    "Clicked",
    "Unsub.",
    "Spam",
)
SUBJECT_WIDTH = 32


def _subject(campaign: Campaign) -> str:
    subject = campaign.message.subject
    return subject if len(subject) <= SUBJECT_WIDTH else subject[: SUBJECT_WIDTH - 1] + "…"


def _row(campaign: Campaign, stats: CampaignStats) -> tuple[object, ...]:
    return (
        str(campaign.campaign_id),  # an id: no thousands separators
        _subject(campaign),
        stats.status,
        stats.total,
        stats.sent,
        stats.delivered,
        stats.read_unique,
        stats.clicked_unique,
        stats.unsubscribed,
        stats.spam,
    )


class Command(BaseCommand):
    help = (
        "Refresh the status and statistics of Selzy campaigns: every campaign that is not "
        "final yet, one or more with --campaign, or all of them with --all."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument(
            "--campaign",
            dest="campaigns",
            type=int,
            action="append",
            metavar="ID",
            help="the campaign's Selzy id, as its page shows it (repeatable)",
        )
        which.add_argument(
            "--all",
            dest="everything",
            action="store_true",
            help="every campaign created in Selzy, including completed, stopped and declined ones",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        chosen = self._campaigns(options["campaigns"], everything=options["everything"])
        if not chosen:
            self.stdout.write(
                "No campaign to refresh: every campaign is final (use --all to refresh them too)."
            )
            if Connection.current().is_connected:
                self._fetch_activity(refreshed=[])
            return
        if not Connection.current().is_connected:
            raise CommandError("Connect a Selzy account first (Selzy → Connect in the admin)")
        rows: list[tuple[object, ...]] = []
        failures: list[tuple[Campaign, str]] = []
        with ProgressBar(self.stderr, len(chosen), label="Refreshing", unit="campaigns") as bar:
            for done, campaign in enumerate(chosen, start=1):
                try:
                    rows.append(_row(campaign, jobs.refresh_stats(campaign)))
                except (SelzyError, NotConnectedError) as error:
                    failures.append((campaign, str(error)))
                bar.update(done, f"campaign {campaign.campaign_id}")
        if rows:
            self.stdout.write(table(HEADERS, rows))
        refreshed = len(rows)
        self.stdout.write(
            f"Refreshed {refreshed} of {len(chosen)} campaign{'s' if len(chosen) != 1 else ''}."
        )
        if not options["campaigns"]:  # the campaigns asked for were submitted by their refresh
            self._fetch_activity(refreshed=[campaign.pk for campaign in chosen])
        for campaign, reason in failures:
            self.stderr.write(f"Campaign {campaign.campaign_id}: {reason}")
        if failures:
            raise CommandError(
                f"{len(failures)} of {len(chosen)} campaigns could not be refreshed (see above)"
            )

    def _fetch_activity(self, *, refreshed: list[int]) -> None:
        """Submit the activity fetch of every campaign due one; a refresh submitted those it
        refreshed already, when due."""
        count = activity.submit_due(exclude=refreshed)
        if count:
            plural = "s" if count != 1 else ""
            self.stdout.write(f"Fetching the per-contact activity of {count} campaign{plural}.")

    def _campaigns(self, ids: list[int] | None, *, everything: bool) -> list[Campaign]:
        created = (
            Campaign.objects.filter(campaign_id__isnull=False)
            .select_related("message")
            .order_by("campaign_id")
        )
        if ids:
            found = list(created.filter(campaign_id__in=ids))
            missing = sorted(set(ids) - {c.campaign_id for c in found})
            if missing:
                listed = ", ".join(str(i) for i in missing)
                raise CommandError(f"No campaign with Selzy id {listed} was created from this site")
            return found
        if everything:
            return list(created)
        return list(created.exclude(status__in=FINAL_CAMPAIGN_STATUSES))
