"""Creating cases: numbering, the page tree, the audit log."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.db import connection
from wagtail.models import PageLogEntry

from correspondence.models import CasePage, MonthPage, PoolPage, YearPage
from correspondence.services.cases import NewCase, case_create

pytestmark = pytest.mark.django_db


def test_numbers_run_per_pool_and_year(
    sinistri: PoolPage, pagamenti: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    first = make_case(sinistri, when=datetime(2026, 3, 1, tzinfo=UTC))
    second = make_case(sinistri, when=datetime(2026, 3, 2, tzinfo=UTC))
    other_pool = make_case(pagamenti, when=datetime(2026, 3, 2, tzinfo=UTC))
    next_year = make_case(sinistri, when=datetime(2027, 1, 5, 12, tzinfo=UTC))
    assert [first.number, second.number] == ["SIN-2026-000001", "SIN-2026-000002"]
    assert other_pool.number == "PAG-2026-000001"
    assert next_year.number == "SIN-2027-000001"


def test_a_case_lives_under_its_pool_year_and_month(
    sinistri: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    case = make_case(sinistri, subject="Denuncia", when=datetime(2026, 3, 14, 10, tzinfo=UTC))
    month = case.get_parent().specific
    year = month.get_parent().specific
    assert isinstance(month, MonthPage) and (month.year, month.month) == (2026, 3)
    assert isinstance(year, YearPage) and year.get_parent().pk == sinistri.pk
    assert case.url_path.endswith("/sinistri/2026/03/sin-2026-000001/")
    assert case.title == "SIN-2026-000001 Denuncia"


def test_cases_of_one_month_share_one_month_page(
    sinistri: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    for day in (1, 2, 3):
        make_case(sinistri, when=datetime(2026, 5, day, 12, tzinfo=UTC))
    make_case(sinistri, when=datetime(2026, 6, 1, 12, tzinfo=UTC))
    assert YearPage.objects.child_of(sinistri).count() == 1
    assert sorted(MonthPage.objects.values_list("month", flat=True)) == [5, 6]
    assert MonthPage.objects.get(month=5).get_children().count() == 3


def test_the_tree_stays_valid_for_wagtail(
    sinistri: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    for _ in range(5):
        make_case(sinistri)
    problems: list[str] = []
    call_command("fixtree", "--noinput", stdout=_Collect(problems))
    report = "".join(problems)
    assert "No problems found" in report, report


def test_creation_is_in_the_audit_log(
    sinistri: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    case = make_case(sinistri)
    entry = PageLogEntry.objects.get(page_id=case.pk, action="correspondence.case.create")
    assert entry.data["number"] == case.number


def test_cases_are_not_put_in_wagtails_search_or_reference_index(
    sinistri: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    from wagtail.models import ReferenceIndex

    case = make_case(sinistri)
    assert not ReferenceIndex.objects.filter(object_id=str(case.pk)).exists()
    assert CasePage.search_fields == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_creation_never_duplicates_a_number(sinistri: PoolPage) -> None:
    """On PostgreSQL and on the demo's SQLite file alike."""

    def create(index: int) -> str:
        try:
            data = NewCase(
                channel="email",
                subject=f"Richiesta {index}",
                received_at=datetime(2026, 4, 1 + index % 3, 9, tzinfo=UTC),
            )
            return case_create(pool=sinistri, data=data).number
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(create, range(80)))

    assert len(set(numbers)) == 80
    assert sorted(numbers) == [f"SIN-2026-{n:06d}" for n in range(1, 81)]
    assert CasePage.objects.count() == 80
    assert YearPage.objects.count() == 1 and MonthPage.objects.count() == 1


class _Collect:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def write(self, text: str) -> None:
        self.lines.append(text)

    def flush(self) -> None:
        pass


def test_a_batch_gives_the_same_valid_tree_as_one_by_one(sinistri: PoolPage) -> None:
    from django.test import Client

    from correspondence.services.batch import cases_create_batch

    first = case_create(
        pool=sinistri,
        data=NewCase(
            channel="email", subject="uno", received_at=datetime(2026, 3, 1, 9, tzinfo=UTC)
        ),
    )
    batch = cases_create_batch(
        pool=sinistri,
        items=[
            NewCase(
                channel="email",
                subject=f"lotto {i}",
                received_at=datetime(2026, 3 + i % 2, 2, 9, tzinfo=UTC),
            )
            for i in range(6)
        ],
    )
    after = case_create(
        pool=sinistri,
        data=NewCase(
            channel="email", subject="dopo", received_at=datetime(2026, 3, 5, 9, tzinfo=UTC)
        ),
    )
    numbers = [first.number, *[c.number for c in batch], after.number]
    assert len(set(numbers)) == 8
    assert after.number == "SIN-2026-000008"
    report: list[str] = []
    call_command("fixtree", "--noinput", stdout=_Collect(report))
    assert "No problems found" in "".join(report), "".join(report)
    case = CasePage.objects.get(pk=batch[0].pk)
    assert case.get_parent().specific.month == 3 and case.subject == "lotto 0"
    assert PageLogEntry.objects.filter(
        page_id=case.pk, action="correspondence.case.create"
    ).exists()
    admin_client = Client()
    from django.contrib.auth.models import User

    admin_client.force_login(User.objects.create_superuser("root", password="pw"))
    # The admin reads the tree (the pool's listing) but never edits a case (issue 11).
    assert admin_client.get(f"/admin/pages/{sinistri.pk}/").status_code == 200
    assert admin_client.get(f"/admin/pages/{case.pk}/edit/").status_code == 302
    assert admin_client.get(case.url).status_code == 200
