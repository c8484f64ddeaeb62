"""Deadlines on a working calendar. Pure: the clock, the time zone and the holidays are
passed in; nothing here reads the database or the system clock.

Every day is the organisation's local day: a case received at 00:30 on 1 May in Rome
arrived on a public holiday, although UTC still says 30 April. Opening hours are local
wall-clock times; a span of open time is measured in real elapsed time, so a day when
clocks change has one hour more or less of it, as the staff on duty live it.

Two kinds of term:
- business hours: so many hours of the calendar's open time (service levels);
- calendar days or months: legal terms. They end at the end of the last local day and,
  when that day is not a working day, at the end of the next working day (Italy: art.
  2963 c.c. and art. 155 c.p.c.; Poland: KPA art. 57 §4; Romania: art. 181(2) c.p.c.).
  A month ends on the same day number of the month of the end, or on its last day when
  that month is shorter (KPA art. 57 §3).
"""

import calendar as monthdays
import re
from collections.abc import Collection, Container, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

Hours = tuple[tuple[time, time], ...]
# Ten years of days without an open hour is a calendar with none: stop instead of looping.
MAX_DAYS = 3660
SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class Unit(StrEnum):
    BUSINESS_HOURS = "business_hours"
    CALENDAR_DAYS = "calendar_days"
    MONTHS = "months"


@dataclass(frozen=True)
class WorkCalendar:
    """Opening hours per weekday (Monday first), public holidays and own closures."""

    zone: tzinfo
    week: tuple[Hours, Hours, Hours, Hours, Hours, Hours, Hours]
    holidays: Container[date] = frozenset()
    closures: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        return (
            bool(self.week[day.weekday()])
            and day not in self.holidays
            and (day not in self.closures)
        )

    def spans(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's open spans in UTC (empty on a closed day). UTC, because arithmetic on
        datetimes sharing a zone is wall-clock arithmetic, wrong on the days clocks change."""
        if not self.is_working_day(day):
            return []
        return [
            (_utc(day, start, self.zone), _utc(day, end, self.zone))
            for start, end in self.week[day.weekday()]
        ]


def _utc(day: date, moment: time, zone: tzinfo) -> datetime:
    if moment == time.max:
        return datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    return datetime.combine(day, moment, zone).astimezone(UTC)


@dataclass(frozen=True)
class Pause:
    """A stretch during which the clock stood still; `end` None while it still does."""

    start: datetime
    end: datetime | None


def hours_parse(text: str) -> Hours:
    """Opening hours written "08:30-13:00, 14:00-17:30" ("" for a closed day).

    Raises ValueError on a malformed span, an end not after its start, or overlaps.
    """
    spans: list[tuple[time, time]] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = SPAN.match(part)
        if not match:
            raise ValueError(f"{part!r} is not a span like 08:30-13:00")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        try:
            # "24:00" is the day's end: time.max stands for the next midnight.
            start, end = time(h1, m1), time.max if (h2, m2) == (24, 0) else time(h2, m2)
        except ValueError:
            raise ValueError(f"{part!r} is not a valid time span") from None
        if end <= start:
            raise ValueError(f"{part!r} ends before it starts")
        if spans and start < spans[-1][1]:
            raise ValueError(f"{part!r} overlaps or precedes the span before it")
        spans.append((start, end))
    return tuple(spans)


def business_add(start: datetime, amount: timedelta, calendar: WorkCalendar) -> datetime:
    """The moment when `amount` of open time has passed since `start`.

    A zero amount gives `start` itself when the calendar is open then, else the next
    opening. Raises ValueError when the calendar has no open time for ten years.
    """
    if amount < timedelta(0):
        raise ValueError("amount must not be negative")
    remaining, start_utc = amount, start.astimezone(UTC)
    day = start.astimezone(calendar.zone).date()
    for _ in range(MAX_DAYS):
        for opens, closes in calendar.spans(day):
            begin = max(opens, start_utc)
            if begin >= closes:
                continue
            if remaining <= closes - begin:
                return (begin + remaining).astimezone(start.tzinfo)
            remaining -= closes - begin
        day += timedelta(days=1)
    raise ValueError("the calendar has no open time")


def open_time_between(start: datetime, end: datetime, calendar: WorkCalendar) -> timedelta:
    """How much open time lies between `start` and `end` (zero when end <= start)."""
    total, start, end = timedelta(0), start.astimezone(UTC), end.astimezone(UTC)
    day = start.astimezone(calendar.zone).date()
    last = end.astimezone(calendar.zone).date()
    while day <= last:
        for opens, closes in calendar.spans(day):
            total += max(timedelta(0), min(closes, end) - max(opens, start))
        day += timedelta(days=1)
    return total


def months_add(day: date, months: int) -> date:
    """The same day number `months` later, or that month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, monthdays.monthrange(year, month + 1)[1]))


def day_end(day: date, zone: tzinfo) -> datetime:
    """The last instant of a local day, in UTC."""
    return datetime.combine(day, time.max, zone).astimezone(UTC)


def working_day_from(day: date, calendar: WorkCalendar) -> date:
    """The day itself when it is a working day, else the next one."""
    for _ in range(MAX_DAYS):
        if calendar.is_working_day(day):
            return day
        day += timedelta(days=1)
    raise ValueError("the calendar has no working day")


def paused_total(pauses: Iterable[Pause], *, now: datetime) -> timedelta:
    """The real time the clock stood still; an open pause counts until `now`."""
    return sum(
        ((p.end or now).astimezone(UTC) - p.start.astimezone(UTC) for p in pauses), timedelta(0)
    )


def term_end(
    start: datetime,
    *,
    amount: int,
    unit: Unit,
    calendar: WorkCalendar,
    pauses: Sequence[Pause] = (),
    now: datetime | None = None,
) -> datetime:
    """When a term of `amount` units begun at `start` ends, the pauses left out.

    Business hours: open time inside a pause does not count. Calendar terms: the end
    moves by the pauses' real length, then to the end of that day, or of the next working
    day. An open pause counts until `now` (required then).
    """
    if amount < 0:
        raise ValueError("amount must not be negative")
    if any(p.end is None for p in pauses) and now is None:
        raise ValueError("an open pause needs the current time")
    moment = now or start
    if unit == Unit.BUSINESS_HOURS:
        stopped = sum(
            (open_time_between(p.start, p.end or moment, calendar) for p in pauses), timedelta(0)
        )
        return business_add(start, timedelta(hours=amount) + stopped, calendar)
    local = start.astimezone(calendar.zone).date()
    last = (
        local + timedelta(days=amount) if unit == Unit.CALENDAR_DAYS else months_add(local, amount)
    )
    shifted = day_end(last, calendar.zone) + paused_total(pauses, now=moment)
    end_day = working_day_from(shifted.astimezone(calendar.zone).date(), calendar)
    return day_end(end_day, calendar.zone).astimezone(start.tzinfo)


def warning_at(start: datetime, due: datetime, *, percent: int) -> datetime:
    """The moment `percent` of the real time from `start` to `due` has passed."""
    if not 0 <= percent <= 100:
        raise ValueError("percent must be between 0 and 100")
    start, due = start.astimezone(UTC), due.astimezone(UTC)
    return start + (due - start) * percent / 100


@dataclass(frozen=True)
class Milestones:
    """What of a case's deadlines is still pending."""

    closed: bool
    taken: bool
    answered: bool
    paused: bool


def next_deadline(
    *,
    milestones: Milestones,
    take: tuple[datetime, datetime] | None,
    reply: tuple[datetime, datetime] | None,
    close: tuple[datetime, datetime] | None,
) -> tuple[datetime, datetime] | None:
    """The (due, warning) of the soonest deadline still pending: none for a closed case
    or one whose clock stands still."""
    if milestones.closed or milestones.paused:
        return None
    pending = [
        pair
        for pair, done in ((take, milestones.taken), (reply, milestones.answered), (close, False))
        if pair is not None and not done
    ]
    return min(pending, default=None)


def lateness(*, now: datetime, due: datetime | None, warning: datetime | None) -> str:
    """ "overdue", "soon" (past the warning) or "" for a case's next deadline."""
    if due is None:
        return ""
    if now > due:
        return "overdue"
    if warning is not None and now >= warning:
        return "soon"
    return ""


def due_after(start: datetime, *, working_days: int, holidays: Collection[date] = ()) -> datetime:
    """The moment `working_days` working days (Monday-Friday, not a holiday) after `start`,
    counted on `start`'s own local dates (give it in the organisation's time zone).

    The time of day is kept. The fallback of a pool without a service-level policy.
    """
    if working_days < 0:
        raise ValueError("working_days must not be negative")
    moment = start
    remaining = working_days
    while remaining > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5 and moment.date() not in holidays:
            remaining -= 1
    return moment


def working_days_add(start: datetime, days: int, calendar: WorkCalendar) -> datetime:
    """The same local time of day `days` working days of `calendar` after `start`'s local
    day (weekends without hours, holidays and closures skipped), in `start`'s zone.

    Raises ValueError for a negative count or a calendar without working days.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    local = start.astimezone(calendar.zone)
    day = local.date()
    for _ in range(days):
        day = working_day_from(day + timedelta(days=1), calendar)
    moment = datetime.combine(day, local.timetz().replace(tzinfo=None), calendar.zone)
    return moment.astimezone(start.tzinfo)


def next_open(moment: datetime, calendar: WorkCalendar) -> datetime:
    """`moment` itself when the calendar is open then, else its next opening."""
    return business_add(moment, timedelta(0), calendar)
