"""Search by sender uses `icontains`, i.e. UPPER(customer_email) LIKE …: index that form."""

from django.db import migrations


def _run(statement):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("correspondence", "0006_help_texts")]

    operations = [
        migrations.RunPython(
            _run(
                "CREATE INDEX IF NOT EXISTS case_email_upper_trgm ON correspondence_casepage "
                "USING gin (UPPER(customer_email) gin_trgm_ops)"
            ),
            _run("DROP INDEX IF EXISTS case_email_upper_trgm"),
        ),
    ]
