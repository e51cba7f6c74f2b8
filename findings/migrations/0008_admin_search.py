from django.db import migrations

# The admin's search (``FindingAdmin.search_fields``: ``text_<language>__icontains``)
# compares UPPER(text) with LIKE '%word%'. Trigram indexes on those expressions find
# the rows without reading every finding, and give PostgreSQL statistics on the
# expressions, so it knows when a word is common enough to read the list's own order.
# PostgreSQL only: SQLite reads the table, which is quick at its sizes.


def languages():
    return ["en", "ru"]  # the text columns of 0005_text_languages


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for code in languages():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS finding_text_{code}_trgm ON findings_finding "
            f"USING gin (UPPER(text_{code}) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for code in languages():
        schema_editor.execute(f"DROP INDEX IF EXISTS finding_text_{code}_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("findings", "0007_admin_order"),
    ]

    operations = [migrations.RunPython(create, drop)]
