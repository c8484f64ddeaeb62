"""Each message stamped with its case's pool and operator (holder), for the reports.

Reports count messages received and answers sent per pool and operator from these
stamps and one index (kind, date, pool, holder, author), read alone, instead of joining
a year's messages with the cases. New messages are stamped when filed, sent or entered.

The backfill knows only the cases as they are now: a message gets the case's present
pool, and its present operator if the case had been taken by the message's date (else
none, as a message that arrived while the case waited in the pool). A past transfer
cannot be told apart from the present pool. Correlated subqueries: the same SQL on
PostgreSQL and SQLite.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BACKFILL = """
UPDATE correspondence_message SET
    pool_id = (SELECT c.pool_id FROM correspondence_casepage c
        WHERE c.page_ptr_id = correspondence_message.case_id),
    holder_id = (SELECT CASE WHEN c.taken_at <= correspondence_message.date
            THEN c.assignee_id END
        FROM correspondence_casepage c WHERE c.page_ptr_id = correspondence_message.case_id)
WHERE case_id IS NOT NULL
"""


class Migration(migrations.Migration):
    dependencies = [
        ("correspondence", "0023_department_calendar_language_notification_kind"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="holder",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="message",
            name="pool",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="correspondence.poolpage",
            ),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.RemoveIndex(model_name="message", name="message_kind_date"),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                fields=["kind", "date", "pool", "holder", "author"],
                name="message_kind_date_stamp",
            ),
        ),
    ]
