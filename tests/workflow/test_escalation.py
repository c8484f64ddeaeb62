"""Escalation at the warning or the breach of a deadline: leaders told, urgency raised,
case reassigned; exactly once, even when two runs race on PostgreSQL."""

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone
from wagtail.models import PageLogEntry

from correspondence.models import CasePage, PoolPage, Urgency
from workflow.escalation import escalations_due, escalations_run
from workflow.history import case_history
from workflow.lifecycle import case_take
from workflow.models import Escalation, EscalationRule, Notice


@pytest.fixture
def people(sinistri: PoolPage, make_operator: Callable[..., User]) -> dict[str, User]:
    return {
        "op": make_operator("op", sinistri),
        "backup": make_operator("backup", sinistri),
        "leader": make_operator("leader", sinistri, role="team leaders"),
        "leader2": make_operator("leader2", sinistri, role="team leaders"),
    }


def _late(case: CasePage, *, hours: int) -> None:
    """Moves the case's deadline (time moved, not slept)."""
    now = timezone.now()
    CasePage.objects.filter(pk=case.pk).update(
        deadline_at=now + timedelta(hours=hours), warning_at=now + timedelta(hours=hours - 4)
    )


@pytest.mark.django_db
def test_breach_notifies_leaders_raises_urgency_and_reassigns(
    sinistri: PoolPage, people: dict[str, User], make_case: Callable[..., CasePage]
) -> None:
    case = make_case(sinistri)
    case_take(case_id=case.pk, user=people["op"])
    EscalationRule.objects.create(
        pool=sinistri,
        name="Oltre il termine",
        when="breach",
        raise_urgency_to=Urgency.URGENT,
        reassign_to=people["backup"],
    )
    _late(case, hours=2)
    assert escalations_run() == 0  # not yet late
    _late(case, hours=-1)
    assert escalations_run() == 1
    case.refresh_from_db()
    assert case.urgency == Urgency.URGENT and case.assignee == people["backup"]
    notices = Notice.objects.filter(case=case)
    assert sorted(n.user.username for n in notices) == ["leader", "leader2"]
    assert case.number in notices[0].text and "late" in notices[0].text
    assert escalations_run() == 0  # once
    entry = PageLogEntry.objects.get(page_id=case.pk, action="correspondence.case.escalate")
    assert entry.data["rule"] == "Oltre il termine"
    assign = PageLogEntry.objects.get(page_id=case.pk, action="correspondence.case.assign")
    assert assign.data["by_escalation"] == "Oltre il termine"
    (shown,) = [e for e in case_history(case=case) if e.action.endswith(".escalate")]
    assert shown.actor == "Oltre il termine"
    assert shown.details == [
        "Escalation rule “Oltre il termine”",
        "The case was late",
        "Urgency raised",
        "Reassigned",
        "Team leaders notified",
    ]


@pytest.mark.django_db
def test_warning_escalates_before_the_breach_and_a_new_deadline_again(
    sinistri: PoolPage, people: dict[str, User], make_case: Callable[..., CasePage]
) -> None:
    case = make_case(sinistri)
    EscalationRule.objects.create(pool=sinistri, name="Avviso", when="warning")
    _late(case, hours=2)  # warning two hours ago, deadline in two hours
    assert escalations_run() == 1
    assert escalations_run() == 0
    _late(case, hours=3)  # a new deadline (recomputed): its warning escalates once more
    assert escalations_run() == 1
    assert Notice.objects.filter(case=case).count() == 4


@pytest.mark.postgresql(
    reason="two writers at once: SQLite serialises them; the demo has one worker"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_runs_escalate_each_case_exactly_once(
    sinistri: PoolPage, people: dict[str, User], make_case: Callable[..., CasePage]
) -> None:
    assert connection.vendor == "postgresql"
    cases = [make_case(sinistri, subject=f"c{i}") for i in range(12)]
    EscalationRule.objects.create(
        pool=sinistri, name="Scaduto", when="breach", raise_urgency_to=Urgency.HIGH
    )
    for case in cases:
        _late(case, hours=-1)
    now = timezone.now()
    # Both runs read the same list of due escalations before either acts.
    due = escalations_due(now=now)
    assert len(due) == 12
    barrier = threading.Barrier(2)
    done: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        from workflow.escalation import escalation_do

        try:
            barrier.wait()
            done.append(sum(escalation_do(due=d, now=now) for d in due))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert sum(done) == 12
    assert Escalation.objects.count() == 12
    assert Notice.objects.count() == 12 * 2  # two leaders, each told once per case
    escalated = PageLogEntry.objects.filter(action="correspondence.case.escalate")
    assert escalated.count() == 12
