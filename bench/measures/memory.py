"""Memory: peak resident set of an ingesting worker, of a web process serving lists and
of the process writing the year's workbook (reports).

Read from the processes that ran ingestion, lists and reports (each reports its own
ru_maxrss), so it needs those measures in the same run.
"""

from typing import Any

from bench.context import Context


def _peak(section: Any, side: str) -> float | None:
    if not isinstance(section, dict):
        return None
    found = [
        v.get("peak_rss_mb")
        for k, v in section.items()
        if k.startswith(side) and isinstance(v, dict)
    ]
    found = [f for f in found if f is not None]
    return max(found) if found else None


def _export_peak(reports: Any) -> float | None:
    export = reports.get("export") if isinstance(reports, dict) else None
    return export.get("peak_rss_mb") if isinstance(export, dict) else None


def run(ctx: Context) -> dict[str, Any]:
    ingestion, lists = ctx.results.get("ingestion"), ctx.results.get("lists")
    return {
        "worker_mb": {"ours": _peak(ingestion, "ours"), "peer": _peak(ingestion, "peer")},
        "web_mb": {"ours": _peak(lists, "ours"), "peer": _peak(lists, "peer")},
        "report_export_mb": {"ours": _export_peak(ctx.results.get("reports")), "peer": None},
    }
