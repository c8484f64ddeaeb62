"""Periods of a report: the days chosen, their bounds in the local time zone, the buckets.

Pure: dates and a time zone in, aware datetimes out. A day is midnight to midnight in the
given zone, so a day of a daylight-saving change lasts 23 or 25 hours and is still one day.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum


class PeriodInvalid(ValueError):
    """The period cannot be reported: its end is before its start, or it is too long."""


class Quick(StrEnum):
    TODAY = "today"
    THIS_WEEK = "this_week"
    LAST_MONTH = "last_month"
    THIS_YEAR = "this_year"


class Grain(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


MAX_DAYS = 3 * 366  # the daily series (backlog) stays a few hundred points


@dataclass(frozen=True)
class Period:
    """The days ``first`` to ``last``, both included, in time zone ``zone``."""

    first: date
    last: date
    zone: tzinfo

    @property
    def start(self) -> datetime:
        """Midnight at the start of the first day, aware."""
        return local_midnight(self.first, self.zone)

    @property
    def end(self) -> datetime:
        """Midnight after the last day (excluded), aware."""
        return local_midnight(self.last + timedelta(days=1), self.zone)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def local_midnight(day: date, zone: tzinfo) -> datetime:
    """The first instant of the day in the zone (zoneinfo resolves DST gaps forward)."""
    return datetime.combine(day, time(0), tzinfo=zone)


def period_make(*, first: date, last: date, zone: tzinfo) -> Period:
    """The period; PeriodInvalid when it ends before it starts or spans over MAX_DAYS."""
    if last < first:
        raise PeriodInvalid("the period ends before it starts")
    if (last - first).days + 1 > MAX_DAYS:
        raise PeriodInvalid(f"a period spans at most {MAX_DAYS} days")
    return Period(first=first, last=last, zone=zone)


def period_quick(*, choice: Quick, today: date, zone: tzinfo) -> Period:
    """Today; this week (Monday to today); last month (whole); this year (1 January to today)."""
    if choice == Quick.TODAY:
        return Period(first=today, last=today, zone=zone)
    if choice == Quick.THIS_WEEK:
        return Period(first=today - timedelta(days=today.weekday()), last=today, zone=zone)
    if choice == Quick.LAST_MONTH:
        last = today.replace(day=1) - timedelta(days=1)
        return Period(first=last.replace(day=1), last=last, zone=zone)
    return Period(first=today.replace(month=1, day=1), last=today, zone=zone)


def bucket_of(day: date, grain: Grain) -> date:
    """The first day of the day's week (Monday) or month, or the day itself."""
    if grain == Grain.WEEK:
        return day - timedelta(days=day.weekday())
    if grain == Grain.MONTH:
        return day.replace(day=1)
    return day


def buckets(period: Period, grain: Grain) -> list[date]:
    """Every bucket of the period in order, empty ones included."""
    seen: dict[date, None] = {}
    for day in period.days():
        seen.setdefault(bucket_of(day, grain), None)
    return list(seen)


def grain_for(period: Period) -> Grain:
    """Days up to two months, weeks up to a year, months beyond: a readable trend."""
    length = (period.last - period.first).days + 1
    if length <= 62:
        return Grain.DAY
    if length <= 366:
        return Grain.WEEK
    return Grain.MONTH


def percentile_cont(ordered_count: int, fraction: float) -> tuple[int, float]:
    """The rank (0-based) and the weight of the next value for PostgreSQL's
    percentile_cont over ``ordered_count`` values: value[k] + w * (value[k+1] - value[k])."""
    position = fraction * (ordered_count - 1)
    rank = int(position)
    return rank, position - rank
