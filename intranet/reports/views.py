"""The report page, the workbook download and the background exports' progress.

Managers and team leaders only (the pool permission EXPORT): anyone else gets 403, and
each sees only the pools they hold it in (``scope.report_scope``).
"""

import io
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST

from correspondence.models import PoolPage
from intranet.errors import ReportDenied, ReportInvalid
from intranet.reports.definitions import DEFINITIONS
from intranet.reports.display import chart_data, figure_rows
from intranet.reports.exports import (
    INLINE_MAX,
    cases_listed,
    export_filename,
    report_export_get,
    report_export_request,
)
from intranet.reports.forms import ReportForm, period_query
from intranet.reports.metrics import report_build
from intranet.reports.scope import report_pools, report_scope
from intranet.reports.sheets import figure_columns
from intranet.reports.workbook import workbook_write
from intranet.tasks import report_export_task

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _form(request: HttpRequest, data: Any, initial: dict[str, Any] | None = None) -> ReportForm:
    pools = report_pools(request.user)
    if not pools:
        raise ReportDenied("no pool to report on")
    choices = list(
        PoolPage.objects.filter(pk__in=list(pools)).order_by("title").values_list("slug", "title")
    )
    return ReportForm(data, initial=initial, pools=choices)


@login_required
@require_GET
def report_page(request: HttpRequest) -> HttpResponse:
    """The figures of the chosen period as tables and charts, with their definitions."""
    form = _form(request, request.GET)
    context: dict[str, Any] = {"form": form, "definitions": DEFINITIONS}
    if form.is_valid():
        pool, operator = form.cleaned_data["pool"], form.cleaned_data["operator"].strip()
        try:
            scope = report_scope(user=request.user, pool_slug=pool, operator=operator)
        except ReportInvalid as exc:
            form.add_error(None, str(exc))
        else:
            report = report_build(scope=scope, period=form.period(), grain=form.trend_grain())
            shown = {**form.cleaned_data, "first": report.period.first, "last": report.period.last}
            context.update(
                form=_form(request, None, initial=shown),
                report=report,
                columns=figure_columns(),
                rows=figure_rows(report),
                charts=chart_data(report),
                query=period_query(report.period, pool, operator),
                inline_max=INLINE_MAX,
            )
    return render(request, "intranet/report.html", context)


@login_required
@require_POST
def report_export(request: HttpRequest) -> HttpResponse:
    """The workbook of the report: at once when small, else written by a worker."""
    form = _form(request, request.POST)
    if not form.is_valid():
        return render(request, "intranet/report.html", {"form": form, "definitions": DEFINITIONS})
    pool, operator = form.cleaned_data["pool"], form.cleaned_data["operator"].strip()
    period = form.period()
    scope = report_scope(user=request.user, pool_slug=pool, operator=operator)
    if cases_listed(scope, period) <= INLINE_MAX:
        out = io.BytesIO()
        report = report_build(scope=scope, period=period, grain=form.trend_grain())
        workbook_write(report=report, out=out)
        out.seek(0)
        name = export_filename(period.first, period.last)
        return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)
    export = report_export_request(
        user=request.user,
        first=period.first,
        last=period.last,
        pool_slug=pool,
        operator=operator,
        language=get_language() or "",
    )
    transaction.on_commit(lambda: report_export_task.delay(export.pk))
    return redirect("report_export_status", export_id=export.pk)


@login_required
@require_GET
def report_export_status(request: HttpRequest, export_id: int) -> HttpResponse:
    """The export's progress: a page that polls, or JSON for that polling."""
    export = report_export_get(user=request.user, export_id=export_id)
    if request.GET.get("format") == "json":
        ready = export.status == export.Status.DONE
        return JsonResponse(
            {
                "status": export.status,
                "label": str(export.get_status_display()),
                "done": export.done,
                "total": export.total,
                "download": reverse("report_export_download", args=[export.pk]) if ready else "",
            }
        )
    return render(request, "intranet/report_export.html", {"export": export})


@login_required
@require_GET
def report_export_download(request: HttpRequest, export_id: int) -> HttpResponse:
    export = report_export_get(user=request.user, export_id=export_id)
    if export.status != export.Status.DONE or not export.file:
        raise ReportDenied("not ready")
    name = export_filename(export.first_day, export.last_day)
    return FileResponse(
        export.file.open("rb"), as_attachment=True, filename=name, content_type=XLSX
    )
