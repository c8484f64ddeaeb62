"""On SQLite (the demo), fills the search words of cases filed before SQLite had them.

A demo database from an earlier version has every case's search column empty, so a
search by words found nothing there; PostgreSQL's vectors were always filled: no-op.
The words are the ones correspondence.services.search writes: distinct, lower-cased.
"""

import re

from django.db import migrations

WORD = re.compile(r"\w+")
MAX_TEXT = 20_000


def _fill(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    CasePage = apps.get_model("correspondence", "CasePage")
    Message = apps.get_model("correspondence", "Message")
    empty = CasePage.objects.filter(search_vector__isnull=True)
    for case in empty.only("number", "subject", "customer_name", "customer_email").iterator():
        texts = [case.number, case.subject, case.customer_name, case.customer_email]
        for name, text in Message.objects.filter(case_id=case.pk).values_list(
            "from_name", "text"
        ):
            texts += [name, text[:MAX_TEXT]]
        words = dict.fromkeys(WORD.findall(" ".join(t for t in texts if t).lower()))
        CasePage.objects.filter(pk=case.pk).update(search_vector=f" {' '.join(words)} ")


class Migration(migrations.Migration):
    dependencies = [("correspondence", "0012_case_pool_open_received")]

    operations = [migrations.RunPython(_fill, migrations.RunPython.noop)]
