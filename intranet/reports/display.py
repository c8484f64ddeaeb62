"""What the report page shows: the figures as table cells and the charts' data."""

from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from intranet.reports.metrics import Figures, Report
from intranet.reports.sheets import PERCENT, figure_columns, figure_values


def duration_text(seconds: float | None) -> str:
    """2 d 4 h, 3 h 20 min, 12 min: two units at most; an em dash when unknown."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    return _("%(m)s min") % {"m": minutes}


def _cells(figures: Figures) -> list[str]:
    values = figure_values(figures)
    cells = []
    for key, _name, fmt in figure_columns():
        value = values[key]
        if fmt == PERCENT:
            cells.append("—" if value is None else f"{number_format(value * 100, 1)} %")
        elif key.endswith(("_p50", "_p90")):
            cells.append(duration_text(None if value is None else value * 86400))
        else:
            cells.append(str(value))
    return cells


OPERATOR_COLUMNS = 8


def _transposed(columns: list[list[str]]) -> list[tuple[str, str, list[str]]]:
    """A row per figure: (key, name, the figure's cell in each column)."""
    return [
        (key, name, [cells[index] for cells in columns])
        for index, (key, name, _fmt) in enumerate(figure_columns())
    ]


def figure_rows(report: Report) -> dict[str, Any]:
    """The pools' table (a row per figure, a column for all and for each pool), the
    operators' table (a row per operator) and the headline figures."""
    groups = [report.total, *report.pools.values()]
    columns = [_cells(figures) for figures in groups]
    total = dict(zip([key for key, _n, _f in figure_columns()], columns[0], strict=True))
    people = [_cells(f) for f in report.operators.values()]
    return {
        "pool_headers": [_("All"), *[f.label for f in report.pools.values()]],
        "pool_rows": _transposed(columns),
        "operators": [
            (f.label, cells) for f, cells in zip(report.operators.values(), people, strict=True)
        ],
        # Up to OPERATOR_COLUMNS operators read best as columns, like the pools.
        "operator_headers": [f.label for f in report.operators.values()],
        "operator_rows": _transposed(people) if len(people) <= OPERATOR_COLUMNS else [],
        "kpis": [
            ("received", total["received"], _("Cases received")),
            ("closed", total["closed"], _("Cases closed")),
            ("on_time_share", total["on_time_share"], _("Closed on time")),
            ("marked_worked", total["marked_worked"], _("Cases marked as worked")),
            (
                "wrote_back",
                f"{total['wrote_back']} ({total['wrote_back_share']})",
                _("Customers who wrote back"),
            ),
            (
                "consultations",
                f"{total['consult_on_time']} / {total['consult_late']}",
                _("Consultations answered on time / late"),
            ),
        ],
    }


def chart_data(report: Report) -> dict[str, Any]:
    """Everything the page's charts draw, with their labels, for a json_script element."""
    trend = report.trend
    return {
        "trend": {
            "labels": [bucket.isoformat() for bucket in trend],
            "series": {
                key: [counts[key] for counts in trend.values()]
                for key in ("received", "closed", "on_time", "late", "worked")
            },
        },
        "backlog": {
            "labels": [day.isoformat() for day in report.backlog],
            "values": list(report.backlog.values()),
        },
        "operators": {
            "labels": [f.label for f in report.operators.values()],
            "on_time": [f.on_time for f in report.operators.values()],
            "late": [f.late for f in report.operators.values()],
        },
        "share": {"on_time": report.total.on_time, "late": report.total.late},
        "names": {
            "received": _("Cases received"),
            "closed": _("Cases closed"),
            "on_time": _("On time"),
            "late": _("Late"),
            "worked": _("Messages worked"),
            "backlog": _("Open at the end of the day"),
            "empty": _("Nothing in this period."),
        },
    }
