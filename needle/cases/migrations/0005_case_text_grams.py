"""PostgreSQL: a GIN index over the two-character pieces of each case's title and description,
for word searches (selectors.HasGrams). Built CONCURRENTLY, so intake goes on while it builds
(minutes for a million cases). Nothing on other databases."""

from django.db import migrations

# The pieces at odd and at even positions, each found by one linear regexp scan (substr() at
# every position walks the UTF-8 text from its start: 6 ms for a message, against 0.4 ms).
FUNCTION = """
CREATE OR REPLACE FUNCTION needle_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ARRAY(SELECT DISTINCT m[1] FROM (
        SELECT regexp_matches(lower(t), '(..)', 'g')
        UNION ALL SELECT regexp_matches(substr(lower(t), 2), '(..)', 'g')
    ) AS pieces(m))
$$
"""
INDEX = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS case_text_grams ON cases_case "
    "USING gin (needle_grams((title || ' ' || description)))"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)
        schema_editor.execute("SET maintenance_work_mem = '256MB'")  # a GIN build sorts in memory
        schema_editor.execute(INDEX)
        schema_editor.execute("RESET maintenance_work_mem")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS case_text_grams")
        schema_editor.execute("DROP FUNCTION IF EXISTS needle_grams(text)")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [("cases", "0004_case_followers_alter_case_channel_and_more")]

    operations = [migrations.RunPython(forwards, backwards)]
