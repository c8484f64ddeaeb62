"""Deadlines on real calendars: weekends, Italian, Polish and Romanian holidays, own
closures, the organisation's time zone, daylight-saving changes, pauses."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from workflow.deadlines import (
    Milestones,
    Pause,
    Unit,
    WorkCalendar,
    business_add,
    due_after,
    hours_parse,
    lateness,
    months_add,
    next_deadline,
    next_open,
    open_time_between,
    term_end,
    warning_at,
    working_days_add,
)

ROME, WARSAW, BUCHAREST = (
    ZoneInfo("Europe/Rome"),
    ZoneInfo("Europe/Warsaw"),
    ZoneInfo("Europe/Bucharest"),
)
OFFICE = hours_parse("09:00-13:00, 14:00-18:00")  # eight hours


def calendar(zone: ZoneInfo, country: str, closures: frozenset[date] = frozenset()) -> WorkCalendar:
    return WorkCalendar(
        zone=zone,
        week=(OFFICE, OFFICE, OFFICE, OFFICE, OFFICE, (), ()),
        holidays=holidays.country_holidays(country),
        closures=closures,
    )


def test_weekends_do_not_count() -> None:
    friday = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert due_after(friday, working_days=1) == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_hours_parse_reads_spans_and_refuses_nonsense() -> None:
    assert ((time(9), time(13)), (time(14), time(18))) == OFFICE
    assert hours_parse("") == ()
    for bad in ("9-13", "13:00-09:00", "09:00-13:00, 12:00-15:00", "25:00-26:00"):
        with pytest.raises(ValueError):
            hours_parse(bad)


def test_business_hours_skip_the_weekend() -> None:
    cal = calendar(ROME, "IT")
    friday_5pm = datetime(2026, 11, 20, 17, 0, tzinfo=ROME)
    # one hour on Friday, the next seven on Monday: 09-13 and 14-17
    assert business_add(friday_5pm, timedelta(hours=8), cal) == datetime(
        2026, 11, 23, 17, 0, tzinfo=ROME
    )


def test_italian_holiday_checked_on_the_local_date_not_utc() -> None:
    cal = calendar(ROME, "IT")
    # 00:30 on 1 May in Rome is 22:30 on 30 April in UTC: still Labour Day in Italy.
    arrival = datetime(2026, 4, 30, 22, 30, tzinfo=UTC)
    assert arrival.astimezone(ROME).date() == date(2026, 5, 1)
    # 1 May is a Friday: the first open hour is Monday 4 May, 09:00-10:00 Rome.
    due = business_add(arrival, timedelta(hours=1), cal)
    assert due == datetime(2026, 5, 4, 10, 0, tzinfo=ROME)


def test_polish_holidays_third_of_may_and_corpus_christi() -> None:
    cal = calendar(WARSAW, "PL")
    # Thursday 4 June 2026 is Corpus Christi in Poland (a working day in Italy).
    wednesday = datetime(2026, 6, 3, 17, 0, tzinfo=WARSAW)
    assert business_add(wednesday, timedelta(hours=2), cal) == datetime(
        2026, 6, 5, 10, 0, tzinfo=WARSAW
    )
    assert calendar(ROME, "IT").is_working_day(date(2026, 6, 4))


def test_romanian_holidays_saint_andrew_and_national_day() -> None:
    cal = calendar(BUCHAREST, "RO")
    friday = datetime(2026, 11, 27, 17, 0, tzinfo=BUCHAREST)
    # 30 Nov (St Andrew) and 1 Dec (National Day) are holidays: Wednesday 2 December.
    assert business_add(friday, timedelta(hours=2), cal) == datetime(
        2026, 12, 2, 10, 0, tzinfo=BUCHAREST
    )


def test_own_closures_do_not_count() -> None:
    cal = calendar(ROME, "IT", closures=frozenset({date(2026, 11, 23)}))
    friday_5pm = datetime(2026, 11, 20, 17, 0, tzinfo=ROME)
    assert business_add(friday_5pm, timedelta(hours=2), cal) == datetime(
        2026, 11, 24, 10, 0, tzinfo=ROME
    )


def test_daylight_saving_change_counts_real_hours() -> None:
    # A round-the-clock calendar across the night clocks go forward in Rome (29 March
    # 2026, 02:00 -> 03:00): 24 real hours from Saturday noon end at Sunday 13:00.
    always = hours_parse("00:00-24:00")
    cal = WorkCalendar(zone=ROME, week=(always,) * 7)
    saturday_noon = datetime(2026, 3, 28, 12, 0, tzinfo=ROME)
    due = business_add(saturday_noon, timedelta(hours=24), cal)
    assert due.astimezone(ROME) == datetime(2026, 3, 29, 13, 0, tzinfo=ROME)
    # And back in October (25 October 2026, 03:00 -> 02:00): Sunday 11:00.
    saturday = datetime(2026, 10, 24, 12, 0, tzinfo=ROME)
    assert business_add(saturday, timedelta(hours=24), cal).astimezone(ROME) == datetime(
        2026, 10, 25, 11, 0, tzinfo=ROME
    )


def test_office_hours_keep_their_local_time_across_dst() -> None:
    cal = calendar(ROME, "IT")
    friday = datetime(2026, 3, 27, 17, 0, tzinfo=ROME)  # UTC+1
    due = business_add(friday, timedelta(hours=2), cal)  # Monday 30 March, UTC+2
    assert due.astimezone(ROME).time() == time(10, 0)
    assert due.astimezone(UTC) == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)


def test_open_time_between() -> None:
    cal = calendar(ROME, "IT")
    start = datetime(2026, 11, 20, 12, 0, tzinfo=ROME)
    end = datetime(2026, 11, 23, 10, 0, tzinfo=ROME)
    assert open_time_between(start, end, cal) == timedelta(hours=6)


def test_legal_thirty_days_roll_over_a_holiday_and_weekend() -> None:
    cal = calendar(ROME, "IT")
    # 30 days from 6 November 2026 is 6 December, a Sunday; the 7th is a Monday.
    start = datetime(2026, 11, 6, 9, 0, tzinfo=ROME)
    due = term_end(start, amount=30, unit=Unit.CALENDAR_DAYS, calendar=cal)
    assert due.astimezone(ROME).date() == date(2026, 12, 7)
    assert due.astimezone(ROME).time() == time.max
    # From 8 November: 8 December is the Immaculate Conception (a Tuesday): the 9th.
    due = term_end(start + timedelta(days=2), amount=30, unit=Unit.CALENDAR_DAYS, calendar=cal)
    assert due.astimezone(ROME).date() == date(2026, 12, 9)


def test_polish_month_ends_on_the_same_day_or_the_month_end() -> None:
    assert months_add(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert months_add(date(2026, 12, 15), 1) == date(2027, 1, 15)
    cal = calendar(WARSAW, "PL")
    # From 11 October 2026: 11 November is Independence Day (Wednesday): the 12th.
    start = datetime(2026, 10, 11, 9, 0, tzinfo=WARSAW)
    due = term_end(start, amount=1, unit=Unit.MONTHS, calendar=cal)
    assert due.astimezone(WARSAW).date() == date(2026, 11, 12)


def test_pause_business_hours_and_resume() -> None:
    cal = calendar(ROME, "IT")
    monday_9 = datetime(2026, 11, 23, 9, 0, tzinfo=ROME)
    plain = term_end(monday_9, amount=8, unit=Unit.BUSINESS_HOURS, calendar=cal)
    assert plain == datetime(2026, 11, 23, 18, 0, tzinfo=ROME)
    # Waiting for a consultation from 10:00 to the next day 10:00: 8 open hours stood still.
    pause = Pause(monday_9 + timedelta(hours=1), monday_9 + timedelta(days=1, hours=1))
    paused = term_end(monday_9, amount=8, unit=Unit.BUSINESS_HOURS, calendar=cal, pauses=[pause])
    assert paused == datetime(2026, 11, 24, 18, 0, tzinfo=ROME)
    # Still paused: the end moves with the clock.
    still = Pause(pause.start, None)
    now = monday_9 + timedelta(hours=3)
    moving = term_end(
        monday_9, amount=8, unit=Unit.BUSINESS_HOURS, calendar=cal, pauses=[still], now=now
    )
    assert moving == datetime(2026, 11, 24, 11, 0, tzinfo=ROME)  # 2h stood still, +1h lunch
    with pytest.raises(ValueError):
        term_end(monday_9, amount=8, unit=Unit.BUSINESS_HOURS, calendar=cal, pauses=[still])


def test_pause_calendar_days() -> None:
    cal = calendar(ROME, "IT")
    start = datetime(2026, 11, 2, 9, 0, tzinfo=ROME)
    pause = Pause(
        datetime(2026, 11, 5, 9, 0, tzinfo=ROME), datetime(2026, 11, 8, 9, 0, tzinfo=ROME)
    )
    due = term_end(start, amount=30, unit=Unit.CALENDAR_DAYS, calendar=cal, pauses=[pause])
    # 2 Dec + 3 days = 5 Dec (Saturday) -> Monday 7 December.
    assert due.astimezone(ROME).date() == date(2026, 12, 7)


def test_calendar_without_open_time_is_refused() -> None:
    cal = WorkCalendar(zone=ROME, week=((),) * 7)
    with pytest.raises(ValueError):
        business_add(datetime(2026, 1, 1, tzinfo=UTC), timedelta(hours=1), cal)


def test_warning_and_lateness() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    due = start + timedelta(days=10)
    warn = warning_at(start, due, percent=80)
    assert warn == start + timedelta(days=8)
    assert lateness(now=start, due=due, warning=warn) == ""
    assert lateness(now=warn, due=due, warning=warn) == "soon"
    assert lateness(now=due + timedelta(seconds=1), due=due, warning=warn) == "overdue"
    assert lateness(now=due, due=None, warning=None) == ""


def test_next_deadline_is_the_soonest_pending() -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    take, reply, close = (t, t), (t + timedelta(1), t), (t + timedelta(9), t)
    fresh = Milestones(closed=False, taken=False, answered=False, paused=False)
    assert next_deadline(milestones=fresh, take=take, reply=reply, close=close) == take
    taken = Milestones(closed=False, taken=True, answered=False, paused=False)
    assert next_deadline(milestones=taken, take=take, reply=reply, close=close) == reply
    answered = Milestones(closed=False, taken=True, answered=True, paused=False)
    assert next_deadline(milestones=answered, take=take, reply=reply, close=close) == close
    for done in (Milestones(True, True, True, False), Milestones(False, True, False, True)):
        assert next_deadline(milestones=done, take=take, reply=reply, close=close) is None


def test_working_days_keep_the_local_hour_across_holidays_and_a_clock_change() -> None:
    rome = calendar(ROME, "IT")
    # Friday 30 October 2026, 16:00 summer time; clocks went back on Sunday 25 October.
    friday = datetime(2026, 10, 30, 16, 0, tzinfo=ROME)
    # Monday 2 November: 1 November (All Saints) is a Sunday, so Monday counts.
    assert working_days_add(friday, 1, rome) == datetime(2026, 11, 2, 16, 0, tzinfo=ROME)
    summer = datetime(2026, 10, 23, 16, 0, tzinfo=ROME)
    after = working_days_add(summer, 1, rome)
    assert after == datetime(2026, 10, 26, 16, 0, tzinfo=ROME)  # 16:00 in winter time too
    assert after.astimezone(UTC).hour == 15 and summer.astimezone(UTC).hour == 14
    warsaw = calendar(WARSAW, "PL")
    # 11 November is Polish Independence Day: Tuesday 10 + 1 working day is Thursday 12.
    tuesday = datetime(2026, 11, 10, 10, 0, tzinfo=WARSAW)
    assert working_days_add(tuesday, 1, warsaw) == datetime(2026, 11, 12, 10, 0, tzinfo=WARSAW)
    with pytest.raises(ValueError):
        working_days_add(tuesday, -1, warsaw)


def test_next_open_is_the_moment_itself_when_open_else_the_next_opening() -> None:
    rome = calendar(ROME, "IT")
    open_now = datetime(2026, 12, 4, 10, 0, tzinfo=ROME)
    assert next_open(open_now, rome) == open_now
    lunch = datetime(2026, 12, 4, 13, 30, tzinfo=ROME)
    assert next_open(lunch, rome) == datetime(2026, 12, 4, 14, 0, tzinfo=ROME)
    saturday = datetime(2026, 12, 5, 11, 0, tzinfo=ROME)
    # Monday 7 opens at 9; Tuesday 8 is a holiday, which Monday does not need.
    assert next_open(saturday, rome) == datetime(2026, 12, 7, 9, 0, tzinfo=ROME)
    eve = datetime(2026, 12, 7, 18, 0, tzinfo=ROME)
    assert next_open(eve, rome) == datetime(2026, 12, 9, 9, 0, tzinfo=ROME)
