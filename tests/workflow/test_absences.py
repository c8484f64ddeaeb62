"""Absences: while one lasts the absent get no new work (take-next, rules, round robin),
a rule for them assigns to their substitute, and the substitute sees and works their
open cases."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from correspondence.models import CasePage, PoolPage, ResolutionType
from intranet.models import Absence
from tests.workflow.rules.test_rules import make_rule, present, route
from workflow import lifecycle
from workflow.models import RoutingRule
from workflow.taking import case_take_next

pytestmark = pytest.mark.django_db


def _away(user: User, substitute: User | None = None) -> Absence:
    now = timezone.now()
    return Absence.objects.create(
        user=user,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=2),
        substitute=substitute,
    )


def test_take_next_gives_the_absent_nothing_until_they_are_back(
    sinistri: PoolPage, make_operator: Callable[..., User], make_case: Callable[..., CasePage]
) -> None:
    ola = make_operator("ola", sinistri)
    case = make_case(sinistri)
    absence = _away(ola)
    assert case_take_next(user=ola) is None
    Absence.objects.filter(pk=absence.pk).update(ends_at=timezone.now() - timedelta(minutes=1))
    taken = case_take_next(user=ola)
    assert taken is not None and taken.pk == case.pk


def test_rules_skip_the_absent_and_give_an_operators_cases_to_the_substitute(
    sinistri: PoolPage, make_operator: Callable[..., User], make_case: Callable[..., CasePage]
) -> None:
    leader = make_operator("leader", sinistri, role="team leaders")
    anna, bruno, carla = (make_operator(n, sinistri) for n in ("anna", "bruno", "carla"))
    present(anna, bruno, carla)
    _away(anna, substitute=carla)
    single = make_rule(leader, sinistri, assignment="operator", operators=[anna])
    case, _done = route(make_case, sinistri)
    assert (case.state, case.assignee) == ("taken", carla)
    RoutingRule.objects.filter(pk=single.pk).update(active=False)
    make_rule(leader, sinistri, name="share", assignment="round_robin", operators=[anna, bruno])
    assignees = [route(make_case, sinistri)[0].assignee for _turn in range(3)]
    assert assignees == [bruno, bruno, bruno]


def test_the_substitute_sees_and_works_the_absent_colleagues_cases(
    sinistri: PoolPage, make_operator: Callable[..., User], make_case: Callable[..., CasePage]
) -> None:
    ola, bruno = make_operator("ola", sinistri), make_operator("bruno", sinistri)
    case = make_case(sinistri, "Pratica di Ola")
    lifecycle.case_take(case_id=case.pk, user=ola)
    client = Client()
    client.force_login(bruno)
    assert case.number not in client.get(sinistri.url).content.decode()
    _away(ola, substitute=bruno)
    assert case.number in client.get(sinistri.url).content.decode()
    resolved = ResolutionType.objects.create(name="Risolta")
    lifecycle.case_close(
        case_id=case.pk, user=bruno, resolution_type=resolved, resolution_text="Fatto."
    )
    assert CasePage.objects.get(pk=case.pk).state == "closed"
