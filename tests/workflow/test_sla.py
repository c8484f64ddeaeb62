"""Service-level policies on cases: due times at creation, recalculation, pauses, presets."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from wagtail.models import PageLogEntry

from correspondence.models import (
    CaseClockPause,
    CasePage,
    Category,
    PoolPage,
    ServiceLevelPolicy,
    State,
    Urgency,
    WorkingCalendar,
)
from correspondence.services.deadlines import (
    case_clock_pause,
    case_clock_resume,
    cases_deadlines_recompute,
    policy_for,
)
from workflow import handling, lifecycle
from workflow.transitions import Action

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")


@pytest.fixture
def office() -> WorkingCalendar:
    return WorkingCalendar.objects.create(name="Ufficio", country="IT", time_zone="Europe/Rome")


@pytest.fixture
def policy(office: WorkingCalendar, sinistri: PoolPage) -> ServiceLevelPolicy:
    return ServiceLevelPolicy.objects.create(
        name="Sinistri: 4h/8h/16h",
        pool=sinistri,
        calendar=office,
        take_within=4,
        reply_within=8,
        close_within=16,
        warning_percent=75,
        pause_on_consultation=True,
        pause_on_customer=True,
    )


def test_legal_presets_ship_inactive_and_cite_their_source() -> None:
    presets = {p.name: p for p in ServiceLevelPolicy.objects.select_related("calendar")}
    italy = next(p for n, p in presets.items() if n.startswith("Italia"))
    assert "241" in italy.description and "art. 2" in italy.description
    assert (italy.unit, italy.close_within, italy.calendar.country) == ("calendar_days", 30, "IT")
    romania = next(p for n, p in presets.items() if n.startswith("România"))
    assert "27/2002" in romania.description and "art. 8" in romania.description
    poland = next(p for n, p in presets.items() if n.startswith("Polska"))
    assert "art. 237 § 1" in poland.description
    assert (poland.unit, poland.close_within, poland.calendar.country) == ("months", 1, "PL")
    assert not any(p.active for p in presets.values())


def test_policy_for_prefers_the_most_specific(
    office: WorkingCalendar, sinistri: PoolPage, policy: ServiceLevelPolicy
) -> None:
    urgent = ServiceLevelPolicy.objects.create(
        name="urgent", pool=sinistri, urgency=Urgency.URGENT, calendar=office, close_within=2
    )
    anywhere = ServiceLevelPolicy.objects.create(name="all", calendar=office, close_within=40)
    policies = [policy, urgent, anywhere]
    kwargs = {"category_id": None, "channel": "email"}
    assert policy_for(policies, pool_id=sinistri.pk, urgency=1, **kwargs) == policy
    assert policy_for(policies, pool_id=sinistri.pk, urgency=3, **kwargs) == urgent
    assert policy_for(policies, pool_id=sinistri.pk + 999, urgency=1, **kwargs) == anywhere


def test_due_times_at_creation_in_business_hours(
    policy: ServiceLevelPolicy, sinistri: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    # Friday 17:00 in Rome: 1 hour on Friday, then Monday.
    case = make_case(sinistri, when=datetime(2026, 11, 20, 17, 0, tzinfo=ROME))
    assert case.sla_policy == policy
    assert case.take_due_at == datetime(2026, 11, 23, 12, 0, tzinfo=ROME)
    assert case.reply_due_at == datetime(2026, 11, 23, 17, 0, tzinfo=ROME)
    assert case.due_at == datetime(2026, 11, 24, 17, 0, tzinfo=ROME)
    assert case.deadline_at == case.take_due_at
    assert case.warning_at is not None and case.warning_at < case.take_due_at


def test_without_a_policy_the_pool_working_days_apply(
    sinistri: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    case = make_case(sinistri, when=datetime(2026, 11, 20, 10, 0, tzinfo=ROME))  # a Friday
    assert case.sla_policy is None
    assert case.due_at == datetime(2026, 11, 27, 10, 0, tzinfo=ROME)  # 5 working days
    assert case.deadline_at == case.due_at


def test_next_deadline_moves_when_taken_and_clears_when_closed(
    policy: ServiceLevelPolicy,
    sinistri: PoolPage,
    make_case: Callable[..., CasePage],
    make_operator: Callable[..., User],
) -> None:
    from correspondence.models import ResolutionType

    op = make_operator("op", sinistri)
    case = make_case(sinistri, when=datetime(2026, 11, 20, 17, 0, tzinfo=ROME))
    case = lifecycle.case_take(case_id=case.pk, user=op)
    assert case.deadline_at == case.reply_due_at
    done = ResolutionType.objects.create(name="ok")
    case = lifecycle.case_close(
        case_id=case.pk, user=op, resolution_type=done, resolution_text="fatto"
    )
    assert (case.deadline_at, case.warning_at) == (None, None)


def test_recalculated_when_category_or_urgency_changes(
    office: WorkingCalendar,
    policy: ServiceLevelPolicy,
    sinistri: PoolPage,
    make_case: Callable[..., CasePage],
    make_operator: Callable[..., User],
) -> None:
    op = make_operator("op", sinistri)
    complaint = Category.objects.create(name="Reclamo", pool=sinistri)
    legal = ServiceLevelPolicy.objects.create(
        name="Reclami 30 giorni",
        category=complaint,
        calendar=office,
        unit="calendar_days",
        close_within=30,
    )
    case = make_case(sinistri, when=datetime(2026, 11, 6, 9, 0, tzinfo=ROME))
    assert case.sla_policy == policy
    case = handling.case_classify(
        case_id=case.pk, user=op, category=complaint, urgency=1, reason="è un reclamo"
    )
    case.refresh_from_db()
    assert case.sla_policy == legal
    assert case.due_at.astimezone(ROME).date().isoformat() == "2026-12-07"  # 6 Dec is Sunday
    assert case.take_due_at is None and case.reply_due_at is None
    entry = PageLogEntry.objects.filter(page_id=case.pk, action="correspondence.case.deadlines")
    assert entry.get().data["policy"] == "Reclami 30 giorni"


def test_recalculated_when_the_policy_changes(
    policy: ServiceLevelPolicy, sinistri: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    case = make_case(sinistri, when=datetime(2026, 11, 23, 9, 0, tzinfo=ROME))
    assert case.due_at == datetime(2026, 11, 24, 18, 0, tzinfo=ROME)
    policy.close_within = 8
    policy.save()
    assert cases_deadlines_recompute(policy=policy) == 1
    case.refresh_from_db()
    assert case.due_at == datetime(2026, 11, 23, 18, 0, tzinfo=ROME)


def test_consultation_pauses_the_clock_and_resumes(
    policy: ServiceLevelPolicy,
    sinistri: PoolPage,
    make_case: Callable[..., CasePage],
    make_operator: Callable[..., User],
) -> None:
    op = make_operator("op", sinistri)
    monday_9 = datetime(2026, 11, 23, 9, 0, tzinfo=ROME)
    case = make_case(sinistri, when=monday_9)
    case = lifecycle.case_take(case_id=case.pk, user=op)
    before = case.due_at
    case = lifecycle.case_locked(case.pk)
    lifecycle.case_transition(
        case=case, action=Action.CONSULT, user=op, log_action="correspondence.case.note"
    )
    case.refresh_from_db()
    assert case.clock_paused_at is not None and case.deadline_at is None
    # Time moved, not slept: the pause began Monday 10:00 and the answer comes Tuesday 10:00.
    paused_at = monday_9 + timedelta(hours=1)
    CaseClockPause.objects.filter(case=case).update(started_at=paused_at)
    assert case_clock_resume(case_id=case.pk, now=paused_at + timedelta(days=1)) is True
    case.refresh_from_db()
    assert case.clock_paused_at is None
    assert case.due_at - before == timedelta(days=1)  # eight open hours stood still
    assert case.state == State.CONSULTATION or case.deadline_at is not None


def test_customer_pause_only_where_the_policy_says(
    policy: ServiceLevelPolicy, sinistri: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    case = make_case(sinistri, when=datetime(2026, 11, 23, 9, 0, tzinfo=ROME))
    now = datetime(2026, 11, 23, 10, 0, tzinfo=ROME)
    assert case_clock_pause(case_id=case.pk, reason="customer", now=now) is True
    assert case_clock_pause(case_id=case.pk, reason="customer", now=now) is False
    lifecycle.cases_customer_wrote(case_ids=[case.pk])  # the customer answers: it restarts
    case.refresh_from_db()
    assert case.clock_paused_at is None and case.deadline_at is not None
    policy.pause_on_customer = False
    policy.save()
    assert case_clock_pause(case_id=case.pk, reason="customer", now=now) is False


def test_administrators_edit_calendars_and_policies_in_the_wagtail_admin(
    policy: ServiceLevelPolicy, office: WorkingCalendar, django_capture_on_commit_callbacks: Any
) -> None:
    from django.test import Client

    admin = User.objects.create_superuser("root", password="pw")
    client = Client()
    client.force_login(admin)
    for model in ("servicelevelpolicy", "workingcalendar", "escalationrule"):
        app = "workflow" if model == "escalationrule" else "correspondence"
        assert client.get(f"/admin/snippets/{app}/{model}/").status_code == 200, model
    edit = f"/admin/snippets/correspondence/workingcalendar/edit/{office.pk}/"
    assert client.get(edit).status_code == 200
    form = {
        "name": "Ufficio",
        "country": "IT",
        "time_zone": "Europe/Rome",
        "monday": "08:00-14:00",
        "tuesday": "nonsense",
        **{d: "" for d in ("wednesday", "thursday", "friday", "saturday", "sunday")},
        "closures-TOTAL_FORMS": "0",
        "closures-INITIAL_FORMS": "0",
        "closures-MIN_NUM_FORMS": "0",
        "closures-MAX_NUM_FORMS": "1000",
    }
    refused = client.post(edit, form)
    assert (
        refused.status_code == 200 and "is not a span like 08:30-13:00" in refused.content.decode()
    )
    form["tuesday"] = "08:00-14:00"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert client.post(edit, form).status_code == 302
    office.refresh_from_db()
    assert office.monday == "08:00-14:00"
    assert len(callbacks) == 1  # the cases under its policy are recomputed after commit
