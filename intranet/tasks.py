"""Celery tasks of the intranet: thin adapters (periodic presence work; workbooks on
queue ``reports``)."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from intranet.presence import presences_idle_away
from intranet.reports.exports import report_export_run


@shared_task(name="intranet.tasks.presences_idle_away_task")
def presences_idle_away_task() -> int:
    """Sets away whoever has been idle longer than CORRISPONDENZA_IDLE_AWAY_MINUTES."""
    minutes = getattr(settings, "CORRISPONDENZA_IDLE_AWAY_MINUTES", 15)
    return presences_idle_away(now=timezone.now(), minutes=minutes)


# A million-case workbook takes minutes: longer limits than the default quarter hour.
@shared_task(acks_late=False, time_limit=2 * 3600, soft_time_limit=2 * 3600 - 60)
def report_export_task(export_id: int) -> None:
    """Writes a requested workbook. Not retried: a failure is shown on the export."""
    report_export_run(export_id=export_id)
