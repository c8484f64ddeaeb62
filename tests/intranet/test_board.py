"""The live board: who may see it, what it counts, where every figure leads."""

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from correspondence import permissions
from correspondence.models import CasePage, PoolPage, ResolutionType
from intranet import board
from intranet.presence import presence_set
from workflow import lifecycle

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(
    sinistri: PoolPage, pagamenti: PoolPage, make_operator: Callable[..., User]
) -> dict[str, User]:
    manager = make_operator("manager")
    managers = Group.objects.create(name="Managers")
    for pool in (sinistri, pagamenti):
        for perm in (permissions.VIEW, permissions.EXPORT):
            permissions.pool_permission_grant(group=managers, perm=perm, pool=pool)
    manager.groups.add(managers)
    return {
        "op": make_operator("op", sinistri),
        "op2": make_operator("op2", sinistri),
        "leader": make_operator("leader", sinistri, role="team leaders"),
        "manager": manager,
        "payer": make_operator("payer", pagamenti),
    }


def test_only_team_leaders_and_managers_see_the_board(people: dict[str, User]) -> None:
    assert _client(people["op"]).get("/board/").status_code == 403
    assert _client(people["op"]).get("/board/figures/").status_code == 403
    assert Client().get("/board/").status_code == 302  # to the login page
    leader = _client(people["leader"]).get("/board/")
    assert leader.status_code == 200
    assert 'data-pool="SIN"' in leader.content.decode()
    assert 'data-pool="PAG"' not in leader.content.decode()  # not their pool
    manager = _client(people["manager"]).get("/board/").content.decode()
    assert 'data-pool="SIN"' in manager and 'data-pool="PAG"' in manager
    assert (
        'href="/board/"' in manager
        and 'href="/board/"' not in _client(people["op"]).get("/").content.decode()
    )


def _figure(body: str, pool: str, name: str) -> tuple[str, str]:
    row = re.search(rf'<tr data-pool="{pool}">(.*?)</tr>', body, re.S)
    assert row, body
    link = re.search(
        rf'href="([^"]+)" data-figure="{name}"><span class="count">(\d+)</span>', row.group(1)
    )
    assert link, row.group(1)
    return link.group(2), link.group(1).replace("&amp;", "&")


def test_figures_count_and_click_through_to_their_cases(
    sinistri: PoolPage, people: dict[str, User], make_case: Callable[..., CasePage]
) -> None:
    now = timezone.now()
    old = make_case(sinistri, subject="vecchio", when=now - timedelta(days=3))
    late = make_case(sinistri, subject="in ritardo")
    taken = make_case(sinistri, subject="preso")
    closed = make_case(sinistri, subject="chiuso")
    lifecycle.case_take(case_id=taken.pk, user=people["op"])
    lifecycle.case_take(case_id=closed.pk, user=people["op2"])
    lifecycle.case_close(
        case_id=closed.pk,
        user=people["op2"],
        resolution_type=ResolutionType.objects.create(name="ok"),
        resolution_text="fatto",
    )
    CasePage.objects.filter(pk=late.pk).update(deadline_at=now - timedelta(hours=1))
    presence_set(user=people["op"], presence="available")
    client = _client(people["leader"])
    body = client.get("/board/figures/").content.decode()
    assert _figure(body, "SIN", "new")[0] == "2"
    assert _figure(body, "SIN", "taken")[0] == "1"
    assert _figure(body, "SIN", "overdue")[0] == "1"
    assert _figure(body, "SIN", "received")[0] == "3"  # the old one came three days ago
    assert _figure(body, "SIN", "closed")[0] == "1"
    assert old.number in body  # the oldest waiting case
    # Every figure leads to the very cases it counts.
    for name, expected in (("overdue", {late}), ("new", {old, late}), ("closed", {closed})):
        url = _figure(body, "SIN", name)[1]
        listing = client.get(url).content.decode()
        shown = {c for c in (old, late, taken, closed) if f">{c.number}</a>" in listing}
        assert shown == expected, (name, url)
    overdue = client.get(_figure(body, "SIN", "overdue")[1]).content.decode()
    # The list says it is filtered, and its form keeps the filter.
    assert '<span class="chip">Overdue</span>' in overdue
    assert '<input type="hidden" name="late" value="overdue">' in overdue
    # Operators: presence and open work, linked to their cases.
    op_row = re.search(r"<th scope=\"row\">op</th>(.*?)</tr>", body, re.S)
    assert op_row and "Available" in op_row.group(1)
    assert "<strong>1</strong>" in op_row.group(1)


def test_the_board_costs_a_fixed_number_of_queries(
    sinistri: PoolPage, pagamenti: PoolPage, people: dict[str, User], make_case: Callable
) -> None:
    client = _client(people["manager"])
    client.get("/board/figures/")
    with CaptureQueriesContext(connection) as few:
        client.get("/board/figures/")
    for pool in (sinistri, pagamenti):
        for n in range(5):
            make_case(pool, subject=f"{n}")
    with CaptureQueriesContext(connection) as many:
        client.get("/board/figures/")
    assert len(many) == len(few)


def test_figures_stop_at_their_cap_and_say_so(
    sinistri: PoolPage,
    people: dict[str, User],
    make_case: Callable[..., CasePage],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(board, "BOARD_CAP", 2)
    monkeypatch.setattr(board, "OPERATOR_CAP", 1)
    cases = [make_case(sinistri, subject=f"{n}") for n in range(3)]
    for case in cases[:2]:
        lifecycle.case_take(case_id=case.pk, user=people["op"])
    body = _client(people["leader"]).get("/board/figures/").content.decode()
    assert _figure(body, "SIN", "new")[0] == "1"  # under the cap: exact
    assert _figure(body, "SIN", "received")[0] == "2"  # three arrived: "2+"
    assert 'class="figure at-least" href="/sinistri/?state=all' in body
    assert "shown as 2+" in body
    op_row = re.search(r"<th scope=\"row\">op</th>(.*?)</tr>", body, re.S)
    assert op_row and '<a class="figure at-least"' in op_row.group(1)  # holds 2, cap 1
