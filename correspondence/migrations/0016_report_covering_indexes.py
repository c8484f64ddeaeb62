"""Covering indexes for the reports on PostgreSQL: a year's report reads these narrow
indexes (index-only scans) instead of the case and message tables.

At a million cases the case table is some 260 MB and a year's report scans its closed
and received cases several times; these indexes hold only the columns the report
reads. SQLite (the demo) has the plain indexes of 0015 only: it has no INCLUDE.
"""

from django.db import migrations

INDEXES = {
    "case_report_closed": (
        "correspondence_casepage (closed_at) INCLUDE (pool_id, assignee_id, received_at,"
        " taken_at, first_reply_at, due_at, had_consultation, writes_after_close,"
        " page_ptr_id) WHERE closed_at IS NOT NULL"
    ),
    "case_report_received": "correspondence_casepage (received_at) INCLUDE (pool_id, assignee_id)",
    "case_report_owner": "correspondence_casepage (page_ptr_id) INCLUDE (pool_id, assignee_id)",
    "message_report_kind_date": (
        'correspondence_message (kind, date) INCLUDE (case_id, author_id)'
    ),
}


def create(apps: object, schema_editor: object) -> None:
    if schema_editor.connection.vendor != "postgresql":  # type: ignore[attr-defined]
        return
    for name, target in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")  # type: ignore[attr-defined]


def drop(apps: object, schema_editor: object) -> None:
    if schema_editor.connection.vendor != "postgresql":  # type: ignore[attr-defined]
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")  # type: ignore[attr-defined]


class Migration(migrations.Migration):
    dependencies = [("correspondence", "0015_report_indexes")]
    operations = [migrations.RunPython(create, drop)]
