"""Workbooks of any size: written at once when small, by a worker otherwise, with progress.

``report_export_request`` records the request (the caller enqueues the task on commit);
``report_export_run`` writes it, advancing ``done`` every 10,000 case rows so the page
can show how far it is; ``report_export_file`` hands the file only to its owner.
"""

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from django.core.files import File
from django.db.models import Q
from django.utils import timezone, translation

from intranet.errors import ReportDenied
from intranet.models import ReportExport
from intranet.reports import queries
from intranet.reports.metrics import report_build
from intranet.reports.periods import Period, period_make
from intranet.reports.scope import Scope, report_scope
from intranet.reports.workbook import workbook_write

# Up to this many cases the workbook is written during the request (a few seconds).
INLINE_MAX = 20_000


def cases_listed(scope: Scope, period: Period) -> int:
    """How many cases the workbook lists: received or closed in the period."""
    return (
        queries.cases_of(scope)
        .filter(
            Q(received_at__gte=period.start, received_at__lt=period.end)
            | Q(closed_at__gte=period.start, closed_at__lt=period.end)
        )
        .count()
    )


def report_export_request(
    *, user: Any, first: date, last: date, pool_slug: str, operator: str, language: str
) -> ReportExport:
    """Records a background export after checking the user may see that report."""
    scope = report_scope(user=user, pool_slug=pool_slug, operator=operator)
    period = period_make(first=first, last=last, zone=timezone.get_current_timezone())
    return ReportExport.objects.create(
        user=user,
        first_day=first,
        last_day=last,
        pool_slug=pool_slug,
        operator=operator,
        language=language,
        total=cases_listed(scope, period),
    )


def report_export_run(*, export_id: int) -> None:
    """Writes the export's workbook; a failure is recorded on the export and re-raised."""
    export = ReportExport.objects.select_related("user").get(pk=export_id)
    rows = ReportExport.objects.filter(pk=export_id)
    rows.update(status=ReportExport.Status.RUNNING)
    try:
        with translation.override(export.language or None):
            scope = report_scope(
                user=export.user, pool_slug=export.pool_slug, operator=export.operator
            )
            period = period_make(
                first=export.first_day,
                last=export.last_day,
                zone=timezone.get_current_timezone(),
            )
            report = report_build(scope=scope, period=period)
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / export_filename(export.first_day, export.last_day)
                with path.open("wb") as out:
                    written = workbook_write(
                        report=report, out=out, progress=lambda n: rows.update(done=n)
                    )
                with path.open("rb") as saved:
                    export.file.save(path.name, File(saved), save=False)
    except Exception as exc:
        rows.update(status=ReportExport.Status.FAILED, error=str(exc)[:2000])
        raise
    rows.update(
        status=ReportExport.Status.DONE,
        file=export.file.name,
        done=written,
        total=written,
        finished_at=timezone.now(),
    )


def export_filename(first: date, last: date) -> str:
    return f"report-{first.isoformat()}-{last.isoformat()}.xlsx"


def report_export_get(*, user: Any, export_id: int) -> ReportExport:
    """The user's own export, while they may still report on its pools; else ReportDenied."""
    export = ReportExport.objects.filter(pk=export_id, user=user).first()
    if export is None:
        raise ReportDenied("not your export")
    report_scope(user=user, pool_slug=export.pool_slug, operator=export.operator)
    return export
