"""The report as an Excel workbook, written in openpyxl's write-only mode.

Sheets: Summary (the figures, three native charts, the definitions), Trend, Pools,
Operators, Answers, and Cases (every case received or closed in the period, continued on
"Cases 2", "Cases 3" … past Excel's 1,048,576 rows). Rows are streamed from the database
and written as they come, so memory stays flat whatever the number of cases.
"""

from collections.abc import Callable, Iterator
from datetime import datetime, tzinfo
from typing import IO, Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from intranet.reports import queries
from intranet.reports.metrics import Figures, Report
from intranet.reports.rows import Kind, list_sheet_create
from intranet.reports.sheets import (
    definitions_write,
    figure_columns,
    figure_values,
    summary_write,
)

EXCEL_ROWS = 1_048_576
Progress = Callable[[int], None]
CASE_COLUMNS = (
    "number", "pool__title", "subject", "customer_name", "customer_email", "channel",
    "state", "assignee__username", "received_at", "taken_at", "first_reply_at",
    "closed_at", "due_at", "had_consultation", "writes_after_close",
)  # fmt: skip
TREND_COLUMNS = ("received", "closed", "on_time", "late", "worked", "marked_worked")
CASE_KINDS = (
    *[Kind.TEXT] * 8, *[Kind.DATETIME] * 5, Kind.BOOL, Kind.BOOL, Kind.NUMBER, Kind.DURATION,
)  # fmt: skip


class Writer:
    """Cells with a style, reused row after row (write-only cells are written at once)."""

    def __init__(self, ws: WriteOnlyWorksheet) -> None:
        self.ws = ws
        self.bold = Font(bold=True)

    def cell(self, value: Any, fmt: str = "", bold: bool = False) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws, value=value)
        if fmt:
            cell.number_format = fmt
        if bold:
            cell.font = self.bold
        return cell

    def header(self, names: list[str], widths: list[int] | None = None) -> None:
        for index, width in enumerate(widths or [16] * len(names), start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        self.ws.freeze_panes = "A2"
        self.ws.append([self.cell(name, bold=True) for name in names])

    def filter(self, columns: int, rows: int) -> None:
        self.ws.auto_filter.ref = f"A1:{get_column_letter(columns)}{max(rows, 1)}"


def _figures_sheet(wb: Workbook, title: str, rows: list[Figures], first: str) -> Any:
    ws = Writer(wb.create_sheet(title))
    columns = figure_columns()
    ws.header([first, *[name for _key, name, _fmt in columns]], [28] + [14] * len(columns))
    for figures in rows:
        values = figure_values(figures)
        ws.ws.append([figures.label, *[ws.cell(values[key], fmt) for key, _n, fmt in columns]])
    ws.filter(len(columns) + 1, len(rows) + 1)
    return ws.ws


def _trend_sheet(wb: Workbook, report: Report) -> Any:
    ws = Writer(wb.create_sheet(_("Trend")))
    names = [_("From"), _("Received"), _("Closed"), _("On time"), _("Late"), _("Worked"),
             _("Marked as worked")]  # fmt: skip
    ws.header(names, [14] * len(names))
    for bucket, counts in report.trend.items():
        ws.ws.append([ws.cell(bucket, "yyyy-mm-dd")] + [counts[k] for k in TREND_COLUMNS])
    ws.filter(len(names), len(report.trend) + 1)
    backlog = Writer(wb.create_sheet(_("Backlog")))
    backlog.header([_("Day"), _("Open at the end of the day")], [14, 26])
    for day, level in report.backlog.items():
        backlog.ws.append([backlog.cell(day, "yyyy-mm-dd"), level])
    backlog.filter(2, len(report.backlog) + 1)
    return ws.ws


def _answers_sheet(wb: Workbook, report: Report) -> None:
    ws = Writer(wb.create_sheet(_("Answers")))
    ws.header([_("Category"), _("Question"), _("Answer"), _("Cases")], [24, 40, 30, 10])
    for row in report.answers:
        ws.ws.append(list(row))
    ws.filter(4, len(report.answers) + 1)


def _case_rows(report: Report) -> Iterator[tuple[Any, ...]]:
    period = report.period
    cases = queries.cases_of(report.scope).filter(
        Q(received_at__gte=period.start, received_at__lt=period.end)
        | Q(closed_at__gte=period.start, closed_at__lt=period.end)
    )
    yield from cases.order_by("received_at", "pk").values_list(*CASE_COLUMNS).iterator(5000)


def _case_headers() -> list[str]:
    return [
        _("Number"), _("Pool"), _("Subject"), _("Customer"), _("E-mail"), _("Channel"),
        _("State"), _("Operator"), _("Received"), _("Taken"), _("First answer"),
        _("Closed"), _("Due"), _("On time"), _("Consultation"), _("Wrote back"),
        _("Time to close"),
    ]  # fmt: skip


def _case_values(zone: tzinfo) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    def naive(moment: datetime | None) -> datetime | None:
        return moment.astimezone(zone).replace(tzinfo=None) if moment else None

    def values(row: tuple[Any, ...]) -> tuple[Any, ...]:
        received, taken, answered, closed, due, consulted, wrote = row[8:]
        on_time = None if closed is None else (due is None or closed <= due)
        return (
            *row[:8], naive(received), naive(taken), naive(answered), naive(closed), naive(due),
            on_time, consulted, wrote, (closed - received) if closed else None,
        )  # fmt: skip

    return values


def _cases_sheet(wb: Workbook, number: int) -> Writer:
    title = _("Cases") if number == 1 else f"{_('Cases')} {number}"
    sheet = Writer(list_sheet_create(workbook=wb, title=title, kinds=CASE_KINDS))
    sheet.header(_case_headers(), [14, 14, 40, 24, 28] + [12] * 12)
    return sheet


def cases_write(wb: Workbook, report: Report, progress: Progress | None) -> int:
    """The cases of the period, on as many sheets as Excel's row limit needs."""
    values = _case_values(timezone.get_current_timezone())
    columns, written, sheets = len(CASE_KINDS), 0, 1
    ws = _cases_sheet(wb, sheets)
    rows_here = 1
    for row in _case_rows(report):
        if rows_here == EXCEL_ROWS:
            ws.filter(columns, rows_here)
            sheets += 1
            ws = _cases_sheet(wb, sheets)
            rows_here = 1
        ws.ws.append_values(values(row))
        rows_here += 1
        written += 1
        if progress and written % 10_000 == 0:
            progress(written)
    ws.filter(columns, rows_here)
    return written


def workbook_write(*, report: Report, out: IO[bytes], progress: Progress | None = None) -> int:
    """Writes the whole workbook to ``out``; returns the number of cases listed.
    ``progress`` is called with the number of case rows written so far."""
    wb = Workbook(write_only=True)
    summary = Writer(wb.create_sheet(_("Summary")))
    definitions_write(Writer(wb.create_sheet(_("Definitions"))))
    trend = _trend_sheet(wb, report)
    _figures_sheet(wb, _("Pools"), list(report.pools.values()), _("Pool"))
    operators = _figures_sheet(wb, _("Operators"), list(report.operators.values()), _("Operator"))
    _answers_sheet(wb, report)
    summary_write(summary, report, trend, operators)
    written = cases_write(wb, report, progress)
    wb.save(out)
    return written
