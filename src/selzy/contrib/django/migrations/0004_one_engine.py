"""The one contact engine: the mapping row model renamed, dry runs' totals in RunTotals' shape."""

from django.db import migrations

# A dry run stored {"counts": {...}, "skipped": {...}, "rows": n, "calls": n}; it now stores
# the same RunTotals as a real run (rows it would send in "sent", calls in "batches").


def dry_run_totals_as_run_totals(apps, schema_editor):
    ImportRun = apps.get_model("selzy", "ImportRun")
    for run in ImportRun.objects.filter(dry_run=True).iterator():
        old = run.totals or {}
        if "counts" not in old:
            continue
        counts = old.get("counts") or {}
        skipped = old.get("skipped") or {}
        run.totals = {
            "total": sum(counts.values()),
            "sent": old.get("rows", 0),
            "batches": old.get("calls", 0),
            "skipped_locally": counts.get("invalid", 0),
            "changes": counts,
            "skipped": skipped,
        }
        run.save(update_fields=["totals"])


def run_totals_as_dry_run_totals(apps, schema_editor):
    ImportRun = apps.get_model("selzy", "ImportRun")
    for run in ImportRun.objects.filter(dry_run=True).iterator():
        new = run.totals or {}
        if "changes" not in new:
            continue
        run.totals = {
            "counts": new.get("changes") or {},
            "skipped": new.get("skipped") or {},
            "rows": new.get("sent", 0),
            "calls": new.get("batches", 0),
        }
        run.save(update_fields=["totals"])


class Migration(migrations.Migration):
    dependencies = [("selzy", "0003_sync_ledger")]

    operations = [
        migrations.RenameModel("FieldMapping", "MappedField"),
        migrations.RunPython(dry_run_totals_as_run_totals, run_totals_as_dry_run_totals),
    ]
