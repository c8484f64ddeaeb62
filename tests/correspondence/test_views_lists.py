"""The case lists (pool page, search, "Assigned to me"): what each row shows and links to,
with a bounded number of queries however many cases the page holds."""

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from wagtail.log_actions import log

from correspondence.models import CasePage, PoolPage
from workflow.lifecycle import case_take

pytestmark = pytest.mark.django_db
ROW = re.compile(
    r'<tr class="state-(\w+)(?: late-\w+)?">\s*<td><a href="([^"]+)">([^<]+)</a></td>(.*?)</tr>',
    re.S,
)


def _rows(body: str) -> dict[str, tuple[str, str, list[str]]]:
    """Number → (state, link, the other cells) of every row of the page's table."""
    return {
        number: (state, link, re.findall(r"<td>(.*?)</td>", rest, re.S))
        for state, link, number, rest in ROW.findall(body)
    }


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def op(sinistri: PoolPage, pagamenti: PoolPage, make_operator: Callable[..., User]) -> User:
    user = make_operator("op", sinistri, pagamenti)
    user.first_name, user.last_name = "Anna", "Verdi"
    user.save()
    return user


def test_a_pool_row_links_to_its_case_and_shows_its_columns(
    op: User, sinistri: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    case = make_case(
        sinistri,
        subject="Denuncia sinistro " + "x" * 100,
        when=datetime(2026, 3, 10, 9, 30, tzinfo=UTC),
        customer_name="",
        customer_email="giulia@example.it",
    )
    case_take(case_id=case.pk, user=op)
    case.refresh_from_db()
    state, link, cells = _rows(_client(op).get(sinistri.url).content.decode())[case.number]
    assert state == "taken" and link == case.url
    subject, customer, received, due, label, assignee = cells
    assert subject.startswith("Denuncia sinistro xxx") and subject.endswith("…")
    assert len(subject) == 80
    assert customer == "giulia@example.it"
    assert received == "03/10/2026 10:30 a.m."  # Europe/Rome, as the |date filter gave it
    assert due.endswith(timezone.localtime(case.due_at).strftime("%m/%d/%Y"))
    assert '<span class="state">Taken</span>' in label
    assert assignee == "Anna Verdi"


def test_search_rows_link_to_cases_of_several_pools_and_name_the_pool(
    op: User, sinistri: PoolPage, pagamenti: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    one = make_case(sinistri, subject="Rimborso", customer_name="Marco Bianchi")
    two = make_case(pagamenti, subject="Rimborso")
    rows = _rows(_client(op).get("/search/", {"q": "rimborso"}).content.decode())
    assert rows[one.number][1] == one.url and rows[two.number][1] == two.url
    assert rows[one.number][2][:3] == ["Sinistri", "Rimborso", "Marco Bianchi"]
    assert rows[two.number][2][0] == "Pagamenti"
    assert rows[two.number][2][-1] == "—"  # nobody holds it


def test_the_home_page_links_the_cases_assigned_to_me(
    op: User, sinistri: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    case = make_case(sinistri)
    case_take(case_id=case.pk, user=op)
    rows = _rows(_client(op).get("/").content.decode())
    assert rows[case.number][1] == case.url and rows[case.number][2][0] == "Sinistri"


def test_the_leader_sees_the_released_cases_by_number_and_link(
    sinistri: PoolPage, make_operator: Callable[..., User], make_case: Callable[..., CasePage]
) -> None:
    leader = make_operator("leader", sinistri, role="team leaders")
    case = make_case(sinistri)
    log(case, "correspondence.case.release", data={"reason": "untouched", "from": leader.pk})
    body = _client(leader).get(sinistri.url).content.decode()
    assert f'<a href="{case.url}">{case.number}</a>' in body.split("</aside>")[0]


@pytest.mark.parametrize("who", ["operator", "leader"])
def test_a_pool_page_of_fifty_cases_takes_a_bounded_number_of_queries(
    who: str,
    sinistri: PoolPage,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
    django_assert_max_num_queries: Callable,
) -> None:
    role = "team leaders" if who == "leader" else "operators"
    user = make_operator(who, sinistri, role=role)
    start = timezone.now() - timedelta(days=60)
    for n in range(55):
        case = make_case(sinistri, when=start + timedelta(days=n))
        if n % 3 == 0:
            case_take(case_id=case.pk, user=user)
    client = _client(user)
    client.get(sinistri.url)  # the session and site caches, as on a running server
    with django_assert_max_num_queries(16):
        body = client.get(sinistri.url).content.decode()
    assert len(_rows(body)) == 50


def test_a_search_of_fifty_cases_takes_a_bounded_number_of_queries(
    op: User,
    sinistri: PoolPage,
    pagamenti: PoolPage,
    make_case: Callable[..., CasePage],
    django_assert_max_num_queries: Callable,
) -> None:
    for n in range(55):
        make_case(sinistri if n % 2 else pagamenti, subject=f"Rimborso {n}")
    client = _client(op)
    client.get("/search/", {"q": "rimborso"})
    with django_assert_max_num_queries(9):
        body = client.get("/search/", {"q": "rimborso"}).content.decode()
    assert len(_rows(body)) == 50


def test_due_soonest_lists_the_pool_by_due_date(
    op: User, sinistri: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    cases = [make_case(sinistri) for _ in range(3)]
    now = timezone.now()
    for days, case in zip([3, 1, 2], cases, strict=True):
        CasePage.objects.filter(pk=case.pk).update(due_at=now + timedelta(days=days))
    body = _client(op).get(sinistri.url, {"sort": "due"}).content.decode()
    assert list(_rows(body)) == [cases[1].number, cases[2].number, cases[0].number]


def _pager_link(body: str, label: str) -> str:
    found = re.search(rf'<a href="\?([^"]*)">(?:← )?{label}', body)
    assert found, f"no {label} link"
    return "?" + found.group(1).replace("&amp;", "&")


@pytest.mark.parametrize("sort", ["-received", "received", "number", "due"])
def test_next_and_previous_walk_every_case_once_and_come_back(
    sort: str, op: User, sinistri: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    same_time = timezone.now() - timedelta(days=1)  # ties on the sort key, broken by id
    numbers = {make_case(sinistri, when=same_time if n % 2 else None).number for n in range(110)}
    client, url = _client(op), f"{sinistri.url}?sort={sort}"
    pages = [client.get(url).content.decode()]
    while "Next" in pages[-1]:
        pages.append(client.get(sinistri.url + _pager_link(pages[-1], "Next")).content.decode())
    seen = [number for body in pages for number in _rows(body)]
    assert len(pages) == 3 and sorted(seen) == sorted(numbers)
    back = client.get(sinistri.url + _pager_link(pages[2], "Previous")).content.decode()
    assert list(_rows(back)) == list(_rows(pages[1]))


def test_a_next_page_starts_after_the_last_row_without_offset(
    op: User, sinistri: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(60):
        make_case(sinistri)
    client = _client(op)
    link = _pager_link(client.get(sinistri.url).content.decode(), "Next")
    assert "after=" in link
    with CaptureQueriesContext(connection) as queries:
        client.get(sinistri.url + link)
    listing = [q["sql"] for q in queries.captured_queries if '"number" AS "number"' in q["sql"]]
    assert listing and "OFFSET" not in listing[0]


def test_the_home_page_counts_each_pools_work_up_to_a_cap(
    op: User,
    sinistri: PoolPage,
    make_case: Callable[..., CasePage],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from correspondence import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    for n in range(4):
        make_case(sinistri, subject=f"Richiesta {n}")
    case_take(case_id=CasePage.objects.order_by("pk").first().pk, user=op)
    body = _client(op).get("/").content.decode()
    sinistri_card = body.split(sinistri.title, 1)[1].split("</li>", 1)[0]
    # 3 new (the cap, so "at least"), 4 open (past the cap: counted to 3, "at least")
    assert '<span class="at-least"><span class="count">3</span> new</span>' in sinistri_card
    assert '<span class="at-least"><span class="count">3</span> open</span>' in sinistri_card
    monkeypatch.setattr(selectors, "COUNT_CAP", 10)
    body = _client(op).get("/").content.decode()
    sinistri_card = body.split(sinistri.title, 1)[1].split("</li>", 1)[0]
    assert '<span><span class="count">3</span> new</span>' in sinistri_card
    assert '<span><span class="count">4</span> open</span>' in sinistri_card


def test_overdue_and_about_to_be_late_cases_are_marked_in_every_list(
    op: User, sinistri: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    """Another colour (a row class) and an icon with its words, in the pool list, search
    and "Assigned to me"; a case on time carries no mark."""
    now = timezone.now()
    late, soon, fine = (make_case(sinistri, subject=s) for s in ("late", "soon", "fine"))
    for case in (late, soon, fine):
        case_take(case_id=case.pk, user=op)
    CasePage.objects.filter(pk=late.pk).update(
        deadline_at=now - timedelta(days=240), warning_at=now - timedelta(days=250)
    )
    CasePage.objects.filter(pk=soon.pk).update(
        deadline_at=now + timedelta(hours=2), warning_at=now - timedelta(hours=1)
    )
    CasePage.objects.filter(pk=fine.pk).update(
        deadline_at=now + timedelta(days=3), warning_at=now + timedelta(days=2)
    )
    client = _client(op)
    for url, params in ((sinistri.url, {}), ("/search/", {"q": ""}), ("/", {})):
        body = client.get(url, params).content.decode()
        rows = dict(re.findall(r'<tr class="([^"]+)">\s*<td><a href="[^"]+">([^<]+)</a>', body))
        marks = {number: cls for cls, number in rows.items()}
        assert "late-overdue" in marks[late.number], url
        assert "late-soon" in marks[soon.number], url
        assert "late-" not in marks[fine.number], url
        assert body.count('class="late-mark late-mark-overdue"') == 1
        assert body.count('class="late-mark late-mark-soon"') == 1
        assert '<span class="late-text">Overdue</span>' in body
        assert '<span class="late-text">Due soon</span>' in body


def test_an_operators_lists_start_with_the_work_that_waited_longest(
    op: User, sinistri: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
    newest = make_case(sinistri, subject="Ultimo", when=t0 + timedelta(days=2))
    oldest = make_case(sinistri, subject="Primo", when=t0)
    middle = make_case(sinistri, subject="Secondo", when=t0 + timedelta(days=1))
    client = _client(op)
    body = client.get(sinistri.url).content.decode()
    assert list(_rows(body)) == [oldest.number, middle.number, newest.number]
    assert '<option value="received" selected>' in body
    # Search across every state keeps the newest first.
    found = client.get("/search/", {"q": sinistri.code}).content.decode()
    assert list(_rows(found)) == [newest.number, middle.number, oldest.number]
    # "Assigned to me" on the home page: due soonest first.
    for case in (newest, oldest, middle):
        case_take(case_id=case.pk, user=op)
    home = client.get("/").content.decode()
    assert list(_rows(home)) == [oldest.number, middle.number, newest.number]


def test_the_home_page_lists_an_operators_pools_in_their_priority_order(
    sinistri: PoolPage,
    pagamenti: PoolPage,
    make_operator: Callable[..., User],
) -> None:
    def titles(user: User) -> list[str]:
        body = _client(user).get("/").content.decode()
        return re.findall(r'<li class="card">\s*<a href="[^"]+"><strong>([^<]+)</strong>', body)

    # Alphabetical order would put Pagamenti first.
    assert titles(make_operator("first", sinistri, pagamenti)) == ["Sinistri", "Pagamenti"]
    assert titles(make_operator("second", pagamenti, sinistri)) == ["Pagamenti", "Sinistri"]
    manager = User.objects.create_superuser("boss")  # sees every pool, member of none
    assert titles(manager) == ["Pagamenti", "Sinistri"]
