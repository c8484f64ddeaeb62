"""Median and 90th percentile of the times to take, to first answer and to close.

On PostgreSQL one query per grouping, percentile_cont in SQL. SQLite has no such
aggregate: there, each percentile is read as PostgreSQL computes it (the values at two
neighbouring ranks, interpolated) with a count and an ORDER BY … LIMIT 2 OFFSET k per
group, so neither path loads the cases into Python.
"""

from datetime import timedelta
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import (
    Aggregate,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
)

from intranet.reports.periods import percentile_cont

# name → (start column, end column); the end null means "not reached": left out.
SPANS = {
    "take": ("received_at", "taken_at"),
    "answer": ("received_at", "first_reply_at"),
    "close": ("received_at", "closed_at"),
}
FRACTIONS = {"p50": 0.5, "p90": 0.9}


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont(ARRAY[fractions]) WITHIN GROUP (ORDER BY expression):
    every fraction from one sort."""

    function = "percentile_cont"
    template = "%(function)s(ARRAY[%(fractions)s]) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = ArrayField(FloatField())


class EpochSeconds(Func):
    """Seconds from the first timestamp to the second (PostgreSQL)."""

    template = "EXTRACT(EPOCH FROM (%(expressions)s))"
    arg_joiner = " - "
    output_field = FloatField()


def _spread(row: dict[str, Any]) -> dict[str, float | None]:
    """{"take": [p50, p90]} → {"take_p50": …, "take_p90": …}."""
    result: dict[str, float | None] = {}
    for span in SPANS:
        values = row.get(span) or [None] * len(FRACTIONS)
        for name, value in zip(FRACTIONS, values, strict=True):
            result[f"{span}_{name}"] = value
    return result


def _postgresql(cases: QuerySet, key: str | None) -> dict[Any, dict[str, float | None]]:
    fractions = ", ".join(str(f) for f in FRACTIONS.values())
    aggregates = {
        span: PercentileCont(
            EpochSeconds(F(end), F(start)),
            fractions=fractions,
            filter=Q(**{f"{end}__isnull": False}),
        )
        for span, (start, end) in SPANS.items()
    }
    if key is None:
        return {None: _spread(cases.aggregate(**aggregates))}
    return {row.pop(key): _spread(row) for row in cases.values(key).annotate(**aggregates)}


def _sqlite_one(cases: QuerySet, start: str, end: str) -> dict[str, float | None]:
    spans = cases.filter(**{f"{end}__isnull": False}).annotate(
        span=ExpressionWrapper(F(end) - F(start), output_field=DurationField())
    )
    count = spans.count()
    result: dict[str, float | None] = {}
    for name, fraction in FRACTIONS.items():
        if not count:
            result[name] = None
            continue
        rank, weight = percentile_cont(count, fraction)
        values: list[timedelta] = list(
            spans.order_by("span").values_list("span", flat=True)[rank : rank + 2]
        )
        low = values[0].total_seconds()
        high = values[-1].total_seconds()
        result[name] = low + weight * (high - low)
    return result


def _sqlite(cases: QuerySet, key: str | None) -> dict[Any, dict[str, float | None]]:
    groups = [None] if key is None else list(cases.values_list(key, flat=True).distinct())
    result: dict[Any, dict[str, float | None]] = {}
    for group in groups:
        subset = cases if key is None else cases.filter(**{key: group})
        row: dict[str, float | None] = {}
        for span, (start, end) in SPANS.items():
            for name, value in _sqlite_one(subset, start, end).items():
                row[f"{span}_{name}"] = value
        result[group] = row
    return result


def durations(cases: QuerySet, key: str | None) -> dict[Any, dict[str, float | None]]:
    """Seconds at p50 and p90 of each span (``take_p50`` …) per value of ``key`` (a column
    of the cases, or None for all of them together)."""
    cases = cases.order_by()
    if connection.vendor == "postgresql":
        return _postgresql(cases, key)
    return _sqlite(cases, key)
