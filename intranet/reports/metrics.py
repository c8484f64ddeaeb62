"""A report of a period: every figure for the whole scope, per pool, per operator and
over time, assembled from the grouped rows ``gather`` reads (never from loaded cases).

``report_build`` is the one entry point; the page, the workbook and the command use it.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from correspondence.models import Category
from intranet.reports import queries
from intranet.reports.gather import rows_gather
from intranet.reports.periods import Grain, Period, bucket_of, buckets, grain_for
from intranet.reports.scope import Scope, user_label

TREND_KEYS = (
    "received", "messages_received", "closed", "on_time", "late", "worked", "marked_worked",
)  # fmt: skip
COUNTS = (
    "received",
    "messages_received",
    "closed",
    *queries.CLOSED_COUNTS,
    "consult_on_time",
    "consult_late",
    "worked",
    "marked_worked",
)


@dataclass
class Figures:
    """The figures of one group (everything, a pool, an operator)."""

    label: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    customers: int = 0
    wrote_back: int = 0
    times: dict[str, float | None] = field(default_factory=dict)

    @property
    def on_time(self) -> int:
        return self.counts["on_time_plain"] + self.counts["on_time_consult"]

    @property
    def late(self) -> int:
        return self.counts["late_plain"] + self.counts["late_consult"]

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.counts["closed"] if self.counts["closed"] else None

    @property
    def wrote_back_share(self) -> float | None:
        return self.wrote_back / self.customers if self.customers else None

    def add(self, key: str, n: int) -> None:
        self.counts[key] += n


@dataclass
class Report:
    period: Period
    scope: Scope
    grain: Grain
    total: Figures
    pools: dict[int, Figures]
    operators: dict[int, Figures]
    trend: dict[date, dict[str, int]]
    backlog: dict[date, int]
    answers: list[tuple[str, str, str, int]]


def _operator(report: Report, person_id: int | None) -> Figures | None:
    if person_id is None:
        return None
    if person_id not in report.operators:
        report.operators[person_id] = Figures(label=str(person_id))
    return report.operators[person_id]


def _spread(report: Report, rows: list[dict[str, Any]], person: str, keys: dict[str, str]) -> None:
    """Adds each row's counts to the total, its pool, its operator and its trend bucket."""
    for row in rows:
        targets = [report.total, report.pools.get(row["pool_id"]), _operator(report, row[person])]
        bucket = report.trend[bucket_of(row["day"], report.grain)]
        for source, key in keys.items():
            n = row[source]
            for figures in targets:
                if figures is not None:
                    figures.add(key, n)
            if key in bucket:
                bucket[key] += n


def _counts(report: Report, rows: dict[str, Any]) -> dict[date, int]:
    """Adds every count; returns each day's arrivals minus last closings (the backlog's
    daily change)."""
    change: dict[date, int] = defaultdict(int)
    for row in rows["received"]:
        change[row["day"]] += row["n"]
    _spread(report, rows["received"], "assignee_id", {"n": "received"})
    _spread(report, rows["messages_received"], "person_id", {"n": "messages_received"})
    closed = rows["closed"]
    for row in closed:
        row["closed"] = sum(row[key] for key in queries.CLOSED_COUNTS)
        change[row["day"]] -= row["closed"]
    keys = {key: key for key in ("closed", *queries.CLOSED_COUNTS)}
    _spread(report, closed, "assignee_id", keys)
    for row in closed:
        bucket = report.trend[bucket_of(row["day"], report.grain)]
        bucket["on_time"] += row["on_time_plain"] + row["on_time_consult"]
        bucket["late"] += row["late_plain"] + row["late_consult"]
    _spread(report, rows["worked"], "person_id", {"n": "worked"})
    _spread(report, rows["marked"], "person_id", {"n": "marked_worked"})
    for row in rows["consultations"]:
        key = "consult_on_time" if row["on_time"] else "consult_late"
        person = _operator(report, row["assignee_id"])
        for figures in (report.total, report.pools.get(row["pool_id"]), person):
            if figures is not None:
                figures.add(key, row["n"])
    return change


def _target(report: Report, key: str | None, group: Any) -> Figures | None:
    if key is None:
        return report.total
    if key == "pool_id":
        return report.pools.get(group)
    return _operator(report, group)


def _customers_and_times(report: Report, rows: dict[str, Any]) -> None:
    for key, (customers, times) in rows["closed_groups"].items():
        for group, row in customers.items():
            figures = _target(report, key, group)
            if figures is not None:
                figures.customers, figures.wrote_back = row["customers"], row["wrote_back"]
        for group, row in times.items():
            figures = _target(report, key, group)
            if figures is not None:
                figures.times = row


def _backlog(report: Report, change: dict[date, int], level: int) -> None:
    """Open cases at each day's end: those open when the period starts (``level``), plus
    each day's arrivals, minus each day's last closings."""
    for day in report.period.days():
        level += change.get(day, 0)
        report.backlog[day] = level


def _answers(report: Report, rows: list[tuple[int, str, str, int]]) -> None:
    categories = {
        category.pk: (category.name, {q.key: q for q in category.questions.all()})
        for category in Category.objects.filter(pk__in={row[0] for row in rows}).prefetch_related(
            "questions"
        )
    }
    merged: dict[tuple[str, str, str], int] = defaultdict(int)
    for category_id, key, value, n in rows:
        name, questions = categories.get(category_id, ("", {}))
        question = questions.get(key)
        label = question.label if question else key
        if question is not None and question.kind == "text":
            value = "✓"  # free text: counted as answered, the texts are on the cases
        merged[(name, label, value)] += n
    report.answers = sorted((*key, n) for key, n in merged.items())


def _labels(report: Report) -> None:
    users = get_user_model().objects.filter(pk__in=list(report.operators))
    for person in users:
        report.operators[person.pk].label = user_label(person)
    report.operators = dict(sorted(report.operators.items(), key=lambda kv: kv[1].label.lower()))


def report_build(*, scope: Scope, period: Period, grain: Grain | None = None) -> Report:
    """Every figure of the scope over the period (see ``definitions`` for their meaning)."""
    grain = grain or grain_for(period)
    report = Report(
        period=period,
        scope=scope,
        grain=grain,
        total=Figures(label=""),
        pools={pk: Figures(label=title) for pk, title in scope.pools.items()},
        operators={},
        trend={b: dict.fromkeys(TREND_KEYS, 0) for b in buckets(period, grain)},
        backlog={},
        answers=[],
    )
    with transaction.atomic():
        rows = rows_gather(scope=scope, period=period)
    change = _counts(report, rows)
    _customers_and_times(report, rows)
    _backlog(report, change, rows["open_before"])
    _answers(report, rows["answers"])
    _labels(report)
    return report
