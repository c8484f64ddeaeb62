"""The figures as columns (names, formats) and the workbook's summary sheet with its charts."""

from typing import Any, Protocol

from django.utils.translation import gettext as _
from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.styles import Alignment

from intranet.reports.definitions import DEFINITIONS
from intranet.reports.metrics import Figures, Report

PERCENT = "0.0%"
DURATION = "[h]:mm"  # Excel days, shown as hours and minutes


def figure_columns() -> list[tuple[str, str, str]]:
    """(key, name, number format) of each figure, in the order of the tables."""
    return [
        ("received", _("Cases received"), "0"),
        ("messages_received", _("Messages received"), "0"),
        ("closed", _("Cases closed"), "0"),
        ("on_time_plain", _("On time, without consultation"), "0"),
        ("on_time_consult", _("On time, with consultation"), "0"),
        ("late_consult", _("Late, with consultation"), "0"),
        ("late_plain", _("Late, without consultation"), "0"),
        ("on_time", _("Closed on time"), "0"),
        ("late", _("Closed late"), "0"),
        ("on_time_share", _("On time (%)"), PERCENT),
        ("consult_on_time", _("Consultations answered on time"), "0"),
        ("consult_late", _("Consultations answered late"), "0"),
        ("customers", _("Customers of closed cases"), "0"),
        ("wrote_back", _("Customers who wrote back"), "0"),
        ("wrote_back_share", _("Customers who wrote back (%)"), PERCENT),
        ("worked", _("Messages worked"), "0"),
        ("marked_worked", _("Cases marked as worked"), "0"),
        ("take_p50", _("Time to take, median"), DURATION),
        ("take_p90", _("Time to take, 90th percentile"), DURATION),
        ("answer_p50", _("Time to first answer, median"), DURATION),
        ("answer_p90", _("Time to first answer, 90th percentile"), DURATION),
        ("close_p50", _("Time to close, median"), DURATION),
        ("close_p90", _("Time to close, 90th percentile"), DURATION),
    ]


def figure_values(figures: Figures) -> dict[str, Any]:
    """Every figure of the group; durations in days (Excel's unit), None when unknown."""
    values: dict[str, Any] = dict(figures.counts)
    values.update(
        on_time=figures.on_time,
        late=figures.late,
        on_time_share=figures.on_time_share,
        customers=figures.customers,
        wrote_back=figures.wrote_back,
        wrote_back_share=figures.wrote_back_share,
    )
    for key, seconds in figures.times.items():
        values[key] = None if seconds is None else seconds / 86400
    for key, _name, _fmt in figure_columns():
        values.setdefault(key, None)
    return values


class Sheet(Protocol):
    ws: Any

    def cell(self, value: Any, fmt: str = "", bold: bool = False) -> Any: ...


def _charts(sheet: Sheet, report: Report, trend: Any, operators: Any, top: int) -> None:
    buckets, people = len(report.trend), len(report.operators)
    line = LineChart()
    line.title, line.height, line.width = _("Received and closed"), 7.5, 16
    line.add_data(
        Reference(trend, min_col=2, max_col=3, min_row=1, max_row=buckets + 1),
        titles_from_data=True,
    )
    line.set_categories(Reference(trend, min_col=1, min_row=2, max_row=buckets + 1))
    sheet.ws.add_chart(line, "E2")
    pie = PieChart()
    pie.title, pie.height, pie.width = _("On time and late"), 7.5, 10
    pie.add_data(Reference(sheet.ws, min_col=2, min_row=top, max_row=top + 1))
    pie.set_categories(Reference(sheet.ws, min_col=1, min_row=top, max_row=top + 1))
    sheet.ws.add_chart(pie, "E18")
    bar = BarChart()
    bar.type, bar.grouping, bar.overlap = "bar", "stacked", 100
    bar.title, bar.height, bar.width = _("Closed per operator"), 7.5 + people * 0.4, 16
    keys = [key for key, _n, _f in figure_columns()]
    on_time, late = keys.index("on_time") + 2, keys.index("late") + 2
    bar.add_data(
        Reference(operators, min_col=on_time, max_col=late, min_row=1, max_row=people + 1),
        titles_from_data=True,
    )
    bar.set_categories(Reference(operators, min_col=1, min_row=2, max_row=people + 1))
    sheet.ws.add_chart(bar, "E34")


def definitions_write(sheet: Sheet) -> None:
    """What every figure means, as on the page."""
    ws = sheet.ws
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 36, 110
    ws.append([sheet.cell(_("Figure"), bold=True), sheet.cell(_("Definition"), bold=True)])
    wrap = Alignment(wrap_text=True, vertical="top")
    for _key, name, text in DEFINITIONS:
        cell = sheet.cell(str(text))
        cell.alignment = wrap
        ws.append([str(name), cell])


def summary_write(sheet: Sheet, report: Report, trend: Any, operators: Any) -> None:
    """Title, scope, the figures of the whole scope and three charts."""
    ws, period = sheet.ws, report.period
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 42, 16
    ws.append([sheet.cell(_("Report"), bold=True), sheet.cell(period.first, "yyyy-mm-dd"),
               sheet.cell(period.last, "yyyy-mm-dd")])  # fmt: skip
    pools = ", ".join(report.scope.pools.values())
    ws.append([_("Pools"), pools])
    ws.append([_("Operator"), report.scope.operator_name or _("All")])
    values = figure_values(report.total)
    # On time and late first: the pie chart reads these two rows.
    ordered = sorted(figure_columns(), key=lambda c: c[0] not in ("on_time", "late"))
    ws.append([sheet.cell(_("Figure"), bold=True), sheet.cell(_("Value"), bold=True)])
    top = 5
    for key, name, fmt in ordered:
        ws.append([name, sheet.cell(values[key], fmt)])
    _charts(sheet, report, trend, operators, top)
