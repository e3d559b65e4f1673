"""Run leases: the ``interrupted`` status, and at most one full sync of a list under way."""

from django.db import migrations, models

ACTIVE = ("queued", "running", "paused")


def interrupt_extra_full_runs(apps, schema_editor):
    # The constraint below cannot be added while two full syncs of one list are under way: the
    # newest is kept, the others become interrupted (Resume is refused while the kept one is
    # under way; a new full sync covers their contacts anyway).
    ImportRun = apps.get_model("selzy", "ImportRun")
    kept = set()
    active = ImportRun.objects.filter(kind="full", dry_run=False, status__in=ACTIVE)
    for run in active.order_by("-created_at", "-pk").iterator():
        key = (run.source, run.list_id)
        if key in kept:
            run.status = "interrupted"
            run.error = "Another full sync of this list was under way (migration 0006)."
            run.save(update_fields=["status", "error"])
        kept.add(key)


class Migration(migrations.Migration):
    dependencies = [("selzy", "0005_campaign_once")]

    operations = [
        migrations.AlterField(
            model_name="importrun",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("running", "Running"),
                    ("paused", "Paused"),
                    ("cancelled", "Cancelled"),
                    ("completed", "Completed"),
                    ("failed", "Failed"),
                    ("interrupted", "Interrupted"),
                ],
                default="queued",
                max_length=16,
            ),
        ),
        migrations.AddIndex(
            model_name="importrun",
            index=models.Index(fields=["status", "source"], name="selzy_run_status"),
        ),
        migrations.RunPython(interrupt_extra_full_runs, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="importrun",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("dry_run", False), ("kind", "full"), ("status__in", list(ACTIVE))
                ),
                fields=("source", "list_id"),
                name="selzy_run_one_active_full",
            ),
        ),
    ]
