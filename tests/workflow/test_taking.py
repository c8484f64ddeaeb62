"""Take next: priority of pools, first in first out, never one case to two operators."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse
from wagtail.models import PageLogEntry

from correspondence import permissions
from correspondence.models import CasePage, PoolMembership, PoolPage
from workflow.taking import case_take_next

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_oldest_case_of_the_first_pool_with_work(
    sinistri: PoolPage,
    pagamenti: PoolPage,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
) -> None:
    operator = make_operator("op", pagamenti, sinistri)  # Pagamenti first
    newer = make_case(sinistri, when=T0 + timedelta(hours=1))
    older = make_case(sinistri, when=T0)
    assert case_take_next(user=operator).pk == older.pk
    entry = PageLogEntry.objects.get(page_id=older.pk, action="correspondence.case.take")
    assert (entry.user, entry.data) == (operator, {"by": "take_next"})
    payment = make_case(pagamenti, when=T0 + timedelta(days=3))
    assert case_take_next(user=operator).pk == payment.pk
    assert case_take_next(user=operator).pk == newer.pk
    assert case_take_next(user=operator) is None


def test_urgent_first_when_the_pool_says_so(
    sinistri: PoolPage, make_operator: Callable[..., User], make_case: Callable[..., CasePage]
) -> None:
    operator = make_operator("op", sinistri)
    make_case(sinistri, when=T0)
    urgent = make_case(sinistri, when=T0 + timedelta(hours=2), urgency=3)
    PoolPage.objects.filter(pk=sinistri.pk).update(urgency_first=True)
    assert case_take_next(user=operator).pk == urgent.pk


def test_a_user_outside_every_pool_gets_nothing(
    sinistri: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    make_case(sinistri)
    stranger = User.objects.create_user("stranger")
    assert case_take_next(user=stranger) is None


def test_a_member_without_the_work_permission_is_served_from_the_next_pool(
    sinistri: PoolPage,
    pagamenti: PoolPage,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
) -> None:
    operator = make_operator("op", sinistri)
    PoolMembership.objects.create(user=operator, pool=pagamenti, priority=0)  # no group
    make_case(pagamenti)
    mine = make_case(sinistri)
    assert case_take_next(user=operator).pk == mine.pk
    assert case_take_next(user=operator) is None
    permissions.pool_permission_grant(
        group=User.objects.get(pk=operator.pk).groups.get(), perm=permissions.WORK, pool=pagamenti
    )
    assert case_take_next(user=operator).pool_id == pagamenti.pk


def test_a_permission_granted_to_the_user_alone_counts_and_a_disabled_user_gets_nothing(
    sinistri: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    from guardian.shortcuts import assign_perm

    operator = User.objects.create_user("solo")
    PoolMembership.objects.create(user=operator, pool=sinistri)
    make_case(sinistri)
    assert case_take_next(user=operator) is None
    assign_perm(f"correspondence.{permissions.WORK}", operator, sinistri)
    User.objects.filter(pk=operator.pk).update(is_active=False)
    assert case_take_next(user=User.objects.get(pk=operator.pk)) is None
    User.objects.filter(pk=operator.pk).update(is_active=True)
    assert case_take_next(user=User.objects.get(pk=operator.pk)) is not None


def test_one_take_costs_two_queries_and_hands_back_what_the_view_shows(
    sinistri: PoolPage,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    operator = make_operator("op", sinistri)
    case = make_case(sinistri, subject="Danno auto")
    url = case.url  # the site's root paths, which the view finds cached
    # PostgreSQL: the pools with WORK; the statement that picks, marks, logs and returns the
    # case. SQLite: the pools; a savepoint around pick, claim and log; its release.
    budget = 2 if connection.vendor == "postgresql" else 6
    with django_assert_max_num_queries(budget):  # type: ignore[attr-defined]
        taken = case_take_next(user=operator)
        assert (taken.pk, taken.number, taken.title) == (case.pk, case.number, case.title)
        assert taken.url == url and taken.assignee_id == operator.pk
    stored = CasePage.objects.get(pk=case.pk)
    assert (stored.state, stored.assignee, stored.taken_at) == ("taken", operator, taken.taken_at)
    assert stored.touched_at == stored.taken_at
    entry = PageLogEntry.objects.get(page_id=case.pk, action="correspondence.case.take")
    assert (entry.action, entry.label, entry.timestamp) == (
        "correspondence.case.take",
        case.title,
        taken.taken_at,
    )
    assert entry.page.specific == stored and entry.user_id == operator.pk


def test_the_button_opens_the_case_just_taken(
    client: Client,
    sinistri: PoolPage,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
) -> None:
    operator = make_operator("op", sinistri)
    case = make_case(sinistri)
    client.force_login(operator)
    response = client.post(reverse("workflow:take_next"), follow=True)
    assert response.redirect_chain[0][0] == case.url
    assert case.number in response.content.decode()
    assert CasePage.objects.get(pk=case.pk).assignee == operator


@pytest.mark.postgresql(reason="SKIP LOCKED row locks under load are PostgreSQL's")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sixteen_operators_take_two_thousand_cases_each_exactly_once(
    sinistri: PoolPage, make_operator: Callable[..., User]
) -> None:
    from correspondence.services.batch import cases_create_batch
    from correspondence.services.cases import NewCase

    cases_create_batch(
        pool=sinistri,
        items=[
            NewCase(
                channel="email", subject=f"Richiesta {i}", received_at=T0 + timedelta(seconds=i)
            )
            for i in range(2000)
        ],
    )
    operators = [make_operator(f"op{i}", sinistri) for i in range(16)]

    def drain(operator: User) -> list[int]:
        taken = []
        try:
            while (case := case_take_next(user=operator)) is not None:
                taken.append(case.pk)
        finally:
            connection.close()
        return taken

    with ThreadPoolExecutor(max_workers=16) as executor:
        results = list(executor.map(drain, operators))
    taken = [pk for batch in results for pk in batch]
    assert len(taken) == 2000 and len(set(taken)) == 2000
    assert CasePage.objects.filter(state="taken").count() == 2000
    assert sum(1 for batch in results if batch) > 1  # the work really was shared


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_operators_pressing_at_once_never_share_a_case_on_either_database(
    sinistri: PoolPage, make_operator: Callable[..., User]
) -> None:
    """The demo's SQLite path as well as PostgreSQL's: eight operators drain a pool at once."""
    from correspondence.services.batch import cases_create_batch
    from correspondence.services.cases import NewCase

    cases_create_batch(
        pool=sinistri,
        items=[
            NewCase(channel="email", subject=f"Caso {i}", received_at=T0 + timedelta(seconds=i))
            for i in range(300)
        ],
    )
    operators = [make_operator(f"op{i}", sinistri) for i in range(8)]

    def drain(operator: User) -> list[int]:
        taken = []
        try:
            while (case := case_take_next(user=operator)) is not None:
                taken.append(case.pk)
        finally:
            connection.close()
        return taken

    with ThreadPoolExecutor(max_workers=8) as executor:
        results = list(executor.map(drain, operators))
    taken = [pk for batch in results for pk in batch]
    assert len(taken) == 300 and len(set(taken)) == 300
    assert CasePage.objects.filter(state="taken", assignee__isnull=False).count() == 300
    assert PageLogEntry.objects.filter(action="correspondence.case.take").count() == 300
    assert sum(1 for batch in results if batch) > 1  # the work really was shared
