from datetime import UTC, date, datetime

from workflow.deadlines import due_after


def test_weekends_do_not_count() -> None:
    friday = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert due_after(friday, working_days=1) == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_holidays_do_not_count() -> None:
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    immacolata = date(2026, 12, 8)
    due = due_after(monday, working_days=1, holidays={immacolata})
    assert due == datetime(2026, 12, 9, 9, 0, tzinfo=UTC)
