"""A campaign launches once: at most one campaign of a message in flight, the launch's moment
kept (a lost answer is looked up in Selzy from then), and the stages of an unconfirmed launch and
of Selzy's "already sent" refusal."""

from django.db import migrations, models

IN_FLIGHT = ["importing", "unconfirmed"]


def stop_doubled_launches(apps, schema_editor):
    """Before the constraint: a message with several campaigns still importing (the double
    launch this migration ends) keeps its first; the others are marked failed, saying why."""
    Campaign = apps.get_model("selzy", "Campaign")
    first_of = {}
    for campaign in Campaign.objects.filter(stage__in=IN_FLIGHT).order_by("pk").iterator():
        if campaign.message_id not in first_of:
            first_of[campaign.message_id] = campaign.pk
            continue
        campaign.stage = "failed"
        campaign.error = (
            f"Stopped by an upgrade: campaign #{first_of[campaign.message_id]} of the same "
            "message was already being launched."
        )
        campaign.save(update_fields=["stage", "error"])


class Migration(migrations.Migration):

    dependencies = [
        ('selzy', '0004_one_engine'),
    ]

    operations = [
        migrations.AddField(
            model_name='campaign',
            name='launched_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='campaign',
            name='stage',
            field=models.CharField(choices=[('importing', 'Importing contacts'), ('unconfirmed', 'Waiting for Selzy to confirm'), ('created', 'Created in Selzy'), ('already_sent', 'Refused: already sent'), ('failed', 'Failed')], default='importing', max_length=16),
        ),
        migrations.RunPython(stop_doubled_launches, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='campaign',
            constraint=models.UniqueConstraint(condition=models.Q(('stage__in', ['importing', 'unconfirmed'])), fields=('message',), name='selzy_campaign_one_in_flight'),
        ),
    ]
