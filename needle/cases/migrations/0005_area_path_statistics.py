"""PostgreSQL: a finer sample of `cases_case.area_path` for the planner (1,000 histogram
buckets instead of 100). Area filters are ranges of paths; with a city's 12,000 areas in 100
buckets, a district holding 1.4% of the cases was estimated at one row, and its text search
read every case of the district (65 ms) instead of stopping at the first page. Nothing on
other databases; the next ANALYZE (autovacuum's, or `manage.py` after a bulk load) uses it."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE cases_case ALTER COLUMN area_path SET STATISTICS 1000")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE cases_case ALTER COLUMN area_path SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_case_followers_alter_case_channel_and_more")]

    operations = [migrations.RunPython(forwards, backwards)]
