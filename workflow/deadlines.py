"""Deadlines in working days. Pure: the time is passed in, holidays are passed in."""

from collections.abc import Collection
from datetime import date, datetime, timedelta


def due_after(start: datetime, *, working_days: int, holidays: Collection[date] = ()) -> datetime:
    """The moment `working_days` working days (Monday-Friday, not a holiday) after `start`.

    The time of day is kept; a start on a non-working day counts from the next working day.
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
