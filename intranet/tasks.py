"""Celery tasks of the intranet: thin adapters that take ids (queue ``reports``)."""

from celery import shared_task

from intranet.reports.exports import report_export_run


# A million-case workbook takes minutes: longer limits than the default quarter hour.
@shared_task(acks_late=False, time_limit=2 * 3600, soft_time_limit=2 * 3600 - 60)
def report_export_task(export_id: int) -> None:
    """Writes a requested workbook. Not retried: a failure is shown on the export."""
    report_export_run(export_id=export_id)
