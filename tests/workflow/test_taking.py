"""Take next: priority of pools, first in first out, never one case to two operators."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from wagtail.models import PageLogEntry

from correspondence.models import CasePage, PoolPage
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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sixteen_operators_take_two_thousand_cases_each_exactly_once(
    sinistri: PoolPage, make_operator: Callable[..., User]
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proven on PostgreSQL")
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
