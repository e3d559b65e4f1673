"""``manage.py selzy_stats``: campaigns' status and statistics refreshed over the emulator."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from selzy.contrib.django.management.terminal import ProgressBar, table
from selzy.contrib.django.models import Campaign, CampaignStats, Connection, Message
from selzy.emulator import Emulator, SeededAccount
from selzy.testing import client_for

from .conftest import ACCOUNT_KEY


class Terminal(io.StringIO):
    """Standard error as a terminal sees it."""

    def isatty(self) -> bool:
        return True


def make_campaigns(emulator: Emulator, account: SeededAccount, count: int) -> list[Campaign]:
    """``count`` campaigns created in Selzy and recorded here (as the sending screen does)."""
    list_id = account.list_ids["Customers"]
    campaigns = []
    with client_for(emulator, ACCOUNT_KEY) as client:
        client.import_contacts(
            field_names=["email", "email_list_ids"],
            data=[[f"reader{i}@example.com", str(list_id)] for i in range(40)],
        )
        for n in range(count):
            created = client.create_email_message(
                sender_name="CRM",
                sender_email=account.senders[0],
                subject=f"Issue {n}: news of the month, offers and an invitation to the fair",
                body="<p>Hi</p>",
                list_id=list_id,
            )
            message = Message.objects.create(
                message_id=created.message_id,
                list_id=list_id,
                sender_name="CRM",
                sender_email=account.senders[0],
                subject=f"Issue {n}: news of the month, offers and an invitation to the fair",
                body="<p>Hi</p>",
            )
            remote = client.create_campaign(message_id=created.message_id)
            campaigns.append(
                Campaign.objects.create(
                    message=message,
                    campaign_id=remote.campaign_id,
                    status=remote.status,
                    stage=Campaign.Stage.CREATED,
                )
            )
    return campaigns


def run(*args: str, stderr: io.StringIO | None = None) -> tuple[str, str]:
    out, err = io.StringIO(), stderr if stderr is not None else io.StringIO()
    call_command("selzy_stats", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def campaigns(connected: Connection, account: SeededAccount, emulator: Emulator) -> list[Campaign]:
    made = make_campaigns(emulator, account, 3)
    emulator.advance(days=2)  # Selzy has sent them all by now
    return made


@pytest.mark.django_db
def test_refreshes_the_campaigns_not_final_yet_and_prints_a_table(
    campaigns: list[Campaign],
) -> None:
    first, second, done = campaigns
    done.status = "completed"  # refreshed before: final, left alone by default
    done.save()
    out, err = run()
    assert err == ""  # not a terminal: no bar
    assert CampaignStats.objects.filter(campaign=done).count() == 0
    for campaign in (first, second):
        campaign.refresh_from_db()
        assert campaign.status == "completed"
        (snapshot,) = campaign.stats.all()
        assert snapshot.total == 40
        assert snapshot.delivered > 0
    lines = out.splitlines()
    assert lines[0].split() == [
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
    ]
    assert set(lines[1]) == {"-", " "}
    rows = {int(line.split()[0]): line for line in lines[2:4]}
    assert set(rows) == {first.campaign_id, second.campaign_id}
    snapshot = first.stats.get()
    figures = (
        snapshot.total,
        snapshot.sent,
        snapshot.delivered,
        snapshot.read_unique,
        snapshot.clicked_unique,
        snapshot.unsubscribed,
        snapshot.spam,
    )
    assert rows[first.campaign_id].split()[-8:] == ["completed", *(str(v) for v in figures)]
    assert "Issue 0: news of the month, off… " in rows[first.campaign_id]  # 32 characters
    assert lines[4] == "Refreshed 2 of 2 campaigns."
    # The completed campaign's activity is fetched all the same (the two refreshed ones were
    # submitted by their refresh: this test never commits, so none ran).
    assert lines[5:] == ["Fetching the per-contact activity of 1 campaign."]


@pytest.mark.django_db
def test_all_includes_final_campaigns_and_campaign_picks_some(campaigns: list[Campaign]) -> None:
    for campaign in campaigns:
        campaign.status = "completed"
        campaign.save()
    out, _ = run()
    assert out.startswith("No campaign to refresh")
    out, _ = run("--all")
    assert out.splitlines()[-1] == "Refreshed 3 of 3 campaigns."
    assert CampaignStats.objects.count() == 3
    out, _ = run("--campaign", str(campaigns[1].campaign_id))
    assert out.splitlines()[-1] == "Refreshed 1 of 1 campaign."
    assert campaigns[1].stats.count() == 2
    with pytest.raises(CommandError, match="No campaign with Selzy id 4242"):
        run("--campaign", str(campaigns[0].campaign_id), "--campaign", "4242")
    with pytest.raises(CommandError, match="not allowed with argument"):
        call_command("selzy_stats", "--all", "--campaign", "1")


@pytest.mark.django_db
def test_a_campaign_selzy_cannot_answer_for_is_reported_and_fails_the_command(
    campaigns: list[Campaign],
) -> None:
    lost = Campaign.objects.create(message=campaigns[0].message, campaign_id=999_999_999)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 of 4 campaigns could not be refreshed"):
        call_command("selzy_stats", stdout=out, stderr=err)
    assert "Refreshed 3 of 4 campaigns." in out.getvalue()
    assert f"Campaign {lost.campaign_id}: " in err.getvalue()
    assert lost.stats.count() == 0
    assert all(c.stats.count() == 1 for c in campaigns)


@pytest.mark.django_db
def test_a_terminal_gets_a_progress_bar(campaigns: list[Campaign]) -> None:
    terminal = Terminal()
    out, err = run(stderr=terminal)
    frames = err.split("\r")[1:]
    assert frames[0].startswith("Refreshing [........................] 0/3 campaigns")
    assert frames[-1].startswith("Refreshing [########################] 3/3 campaigns 100%")
    assert f"campaign {campaigns[-1].campaign_id}" in frames[-1]
    assert err.endswith("\n")
    assert out.splitlines()[-1] == "Refreshed 3 of 3 campaigns."


@pytest.mark.django_db
def test_without_a_connection_it_says_what_to_do(
    account: SeededAccount, emulator: Emulator, connected: Connection
) -> None:
    make_campaigns(emulator, account, 1)
    Connection.objects.all().delete()
    with pytest.raises(CommandError, match="Connect a Selzy account first"):
        run()


# --------------------------------------------------------------------------- terminal helpers


def test_progress_bar_shows_counts_share_and_eta() -> None:
    now = [100.0]
    stream = Terminal()
    bar = ProgressBar(stream, 400, label="Syncing", unit="contacts", width=10, clock=lambda: now[0])
    with bar:
        now[0] = 110.0
        bar.update(100, "batch 1")
        assert bar.line("batch 1") == "Syncing [##........] 100/400 contacts  25% ETA 0:30 batch 1"
        now[0] = 4000.0
        bar.update(200)
        assert bar.line() == "Syncing [#####.....] 200/400 contacts  50% ETA 1:05:00"
    frames = stream.getvalue().split("\r")
    # A shorter frame blanks what the longer one before it left on the line.
    assert len(frames[-1].rstrip("\n")) >= len(frames[-2])
    assert stream.getvalue().endswith("\n")


def test_progress_bar_draws_nothing_off_a_terminal() -> None:
    stream = io.StringIO()
    with ProgressBar(stream, 3, label="Refreshing") as bar:
        bar.update(3)
    assert stream.getvalue() == ""


def test_table_aligns_text_left_and_numbers_right() -> None:
    text = table(("Name", "Sent"), [("a", 1200), ("longer", 7)])
    assert text.splitlines() == [
        "Name     Sent",
        "------  -----",
        "a       1,200",
        "longer      7",
    ]


def test_table_of_no_rows_is_its_header() -> None:
    assert table(("A", "B"), []).splitlines() == ["A  B", "-  -"]
