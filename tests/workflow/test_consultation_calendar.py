"""A department's response time and its reminders count on a working calendar (its own,
else the case's service-level policy's): weekends, public holidays and closed hours do not
count, no reminder leaves while the calendar is closed, and still one per interval up to
the maximum. The clock is moved, never slept: 4-16 December 2026 in Rome, where Tuesday
8 December (the Immacolata) is a public holiday."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User

from correspondence.models import (
    CasePage,
    Department,
    Mailbox,
    PoolPage,
    ServiceLevelPolicy,
    WorkingCalendar,
)
from tests.support.smtp import SmtpServer
from workflow import consultation, lifecycle

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")
FRIDAY_16 = datetime(2026, 12, 4, 16, 0, tzinfo=ROME)


def rome(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=ROME)


@pytest.fixture
def italian() -> WorkingCalendar:
    """Monday to Friday 09:00-13:00 and 14:00-18:00, Italian public holidays."""
    return WorkingCalendar.objects.create(name="Roma", country="IT", time_zone="Europe/Rome")


@pytest.fixture
def smtp_mailbox(folder_mailbox: Mailbox, smtp: SmtpServer) -> Mailbox:
    smtp.start()
    folder_mailbox.smtp_host, folder_mailbox.smtp_port = "127.0.0.1", smtp.port
    folder_mailbox.smtp_security = Mailbox.Security.NONE
    folder_mailbox.save()
    return folder_mailbox


def _department(calendar: WorkingCalendar | None, **fields: Any) -> Department:
    return Department.objects.create(
        name=fields.pop("name", "Legale"), emails="legale@example.it", calendar=calendar, **fields
    )


def test_working_hours_skip_the_weekend_and_the_holiday(italian: WorkingCalendar) -> None:
    legale = _department(italian, response_time=16, response_unit=Department.Unit.HOURS)
    due = consultation.consultation_due(
        department=legale, sent_at=FRIDAY_16, calendar=italian.work_calendar()
    )
    # Friday 16-18 (2 h), Monday 7 (8 h), not Tuesday 8, Wednesday 9-13 and 14-16 (6 h).
    assert due == rome(9, 16)
    plain = consultation.consultation_due(department=legale, sent_at=FRIDAY_16)
    assert plain == FRIDAY_16 + timedelta(hours=16)  # without a calendar: the clock's hours


def test_working_days_skip_the_weekend_and_the_holiday(italian: WorkingCalendar) -> None:
    legale = _department(italian, response_time=2, response_unit=Department.Unit.DAYS)
    calendar = italian.work_calendar()
    assert consultation.consultation_due(
        department=legale, sent_at=FRIDAY_16, calendar=calendar
    ) == rome(9, 16)
    # Sent after closing time: due at the next opening after the same hour.
    late = consultation.consultation_due(department=legale, sent_at=rome(4, 20), calendar=calendar)
    assert late == rome(10, 9)


def test_the_case_policys_calendar_counts_when_the_department_has_none(
    italian: WorkingCalendar,
    sinistri: PoolPage,
    make_case: Callable[..., CasePage],
) -> None:
    ServiceLevelPolicy.objects.create(
        name="Sinistri", pool=sinistri, calendar=italian, close_within=30, unit="calendar_days"
    )
    case = make_case(sinistri)
    assert CasePage.objects.get(pk=case.pk).sla_policy is not None
    legale = _department(None)
    chosen = consultation.consultation_calendar(department=legale, case=case)
    assert chosen is not None and not chosen.is_working_day(rome(8, 12).date())
    weekend_only = WorkingCalendar.objects.create(name="Sabato", saturday="09:00-12:00")
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday"):
        setattr(weekend_only, day, "")
    weekend_only.save()
    own = consultation.consultation_calendar(
        department=_department(weekend_only, name="X"), case=case
    )
    assert own is not None and own.is_working_day(rome(5, 10).date())


def test_reminders_go_once_per_interval_and_only_while_the_calendar_is_open(
    italian: WorkingCalendar,
    sinistri: PoolPage,
    smtp_mailbox: Mailbox,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
    smtp: SmtpServer,
    eager: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    legale = _department(
        italian,
        response_time=16,
        response_unit=Department.Unit.HOURS,
        reminder_interval_hours=48,
        reminder_max=3,
    )
    operator = make_operator("ola", sinistri)
    case = make_case(sinistri, mailbox_id=smtp_mailbox.pk)
    lifecycle.case_take(case_id=case.pk, user=operator)
    with django_capture_on_commit_callbacks(execute=True):
        asked = consultation.consultation_send(
            case_id=case.pk, user=operator, department=legale, question="Parere?"
        )
    assert asked.due_at == consultation.consultation_due(
        department=legale, sent_at=asked.sent_at, calendar=italian.work_calendar()
    )
    # The clock moved back to a Friday afternoon before the holiday.
    type(asked).objects.filter(pk=asked.pk).update(sent_at=FRIDAY_16, due_at=rome(9, 16))

    def remind(at: datetime) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return consultation.consultations_remind(now=at)

    assert remind(rome(7, 17)) == 0  # Monday: not due yet
    assert remind(rome(8, 17)) == 0  # the holiday
    assert remind(rome(9, 15, 59)) == 0
    assert remind(rome(9, 16, 1)) == 1  # the first
    assert remind(rome(9, 17)) == 0  # the same interval
    assert remind(rome(11, 16, 1)) == 1  # 48 h later, a Friday
    assert remind(rome(13, 16, 1)) == 0  # 48 h later is a Sunday: closed
    assert remind(rome(14, 8, 59)) == 0  # Monday before opening
    assert remind(rome(14, 9, 0)) == 1  # the opening: the third
    assert remind(rome(16, 17)) == 0  # the maximum, 3, is reached
    assert len(smtp.envelopes) == 1 + 3
