"""An index on the "worked" marks, for the reports.

A report counts the cases marked as worked in its period in the same pass as arrivals
and closings (intranet/reports/grouped.py): with this index a short period reads the
three indexes (arrival, closing, mark) instead of the whole case table. Partial: most
cases are never marked. Raw SQL, as 0016: the model's state does not change.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS case_report_worked ON correspondence_casepage (worked_at)"
    " WHERE worked_at IS NOT NULL"
)
DROP = "DROP INDEX IF EXISTS case_report_worked"


class Migration(migrations.Migration):
    dependencies = [("correspondence", "0020_merge_approval_oversight")]
    operations = [migrations.RunSQL(CREATE, DROP)]
