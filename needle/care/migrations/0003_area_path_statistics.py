"""PostgreSQL: a finer sample of the recipients' and open pairings' `area_path` for the planner
(1,000 histogram buckets instead of 100). A district's dashboard reads both by a range of
paths; with 100 buckets over a city's 200,000 recipients, a district holding 1,757 of them was
estimated at one row on each side, and the planner joined its pairings to its recipients by
rescanning the range for each pairing (1.5 million row comparisons, 390 ms) instead of
hashing them (3 ms). Nothing on other databases; the next ANALYZE (autovacuum's, or after a
bulk load) uses it."""

from django.db import migrations

TABLES = ("care_recipient", "care_pairing")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN area_path SET STATISTICS 1000")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN area_path SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [("care", "0002_reminders")]

    operations = [migrations.RunPython(forwards, backwards)]
