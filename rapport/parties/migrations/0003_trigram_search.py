"""On PostgreSQL, a trigram index makes search-as-you-type (LIKE '%text%') use an index."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS client_search_trgm ON parties_client "
        "USING gin (search_name gin_trgm_ops)")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS contact_search_trgm ON parties_contactperson "
        "USING gin (search_name gin_trgm_ops)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS client_search_trgm")
    schema_editor.execute("DROP INDEX IF EXISTS contact_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("parties", "0002_default_reference_lists")]
    operations = [migrations.RunPython(forwards, backwards)]
