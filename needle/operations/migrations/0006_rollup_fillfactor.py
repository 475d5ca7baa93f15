"""PostgreSQL: rollup pages keep a fifth free, so that adding to a row (the refresh every
minute, a rebuild's block sums) writes the new row version on the same page without touching
the indexes (a HOT update: no counter is indexed). Only pages written from now on are filled
this way; `VACUUM FULL` applies it to existing ones."""

from django.db import migrations

TABLES = ("operations_caserollup", "operations_noderollup")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = 80)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("operations", "0005_rollup_write_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
