"""Routing rules on PostgreSQL: applied to new cases, tried, edited by team leaders only."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry, PageLogEntry

from correspondence.intake.understand import understand
from correspondence.models import CasePage, Category, Message, MonthPage, PoolPage
from intranet.models import UserProfile
from workflow.models import RoutingRule
from workflow.rules.services import (
    RuleInvalid,
    rule_data,
    rule_delete,
    rule_reorder,
    rule_save,
    rule_try,
    rules_apply,
    subject_from_message,
    subject_from_understood,
)

MakeCase = Callable[..., CasePage]
MakeOperator = Callable[..., User]


@pytest.fixture
def leader(sinistri: PoolPage, make_operator: MakeOperator) -> User:
    return make_operator("lea", sinistri, role="team leaders")


def present(*users: User, presence: str = "available") -> None:
    UserProfile.objects.filter(user__in=users).update(presence=presence)


def make_rule(
    leader: User, pool: PoolPage, operators: list[User] = (), **fields: Any
) -> RoutingRule:  # type: ignore[assignment]
    rule = RoutingRule(pool=pool, name=fields.pop("name", "rule"), **fields)
    return rule_save(user=leader, rule=rule, operator_ids=[u.pk for u in operators])


def inbound(
    make_case: MakeCase,
    pool: PoolPage,
    sender: str = "mario@carrozzeria.it",
    subject: str = "Denuncia sinistro",
    text: str = "Buongiorno",
    **case_fields: Any,
) -> tuple[CasePage, Message]:
    case = make_case(pool, subject, customer_email=sender, **case_fields)
    message = Message.objects.create(
        case=case,
        kind=Message.Kind.INBOUND,
        from_address=sender,
        to=[pool.address_list()[0]],
        date=case.received_at,
        subject=subject,
        text=text,
    )
    return case, message


def route(make_case: MakeCase, pool: PoolPage, **kw: Any) -> tuple[CasePage, list[str]]:
    case, message = inbound(make_case, pool, **kw)
    return case, rules_apply(case=case, subject=subject_from_message(message))


def test_a_rule_sets_category_and_urgency_of_a_case_from_intake(
    sinistri: PoolPage, leader: User, make_case: MakeCase
) -> None:
    auto = Category.objects.create(name="Auto")
    make_rule(
        leader,
        sinistri,
        sender_test="domain_equals",
        sender_value="carrozzeria.it",
        set_category=auto,
        set_urgency=3,
    )
    raw = (
        b"From: Mario <Mario@Carrozzeria.it>\r\nTo: sinistri@assicura.example.it\r\n"
        b"Subject: Denuncia\r\nMessage-ID: <a@b>\r\n"
        b"Date: Mon, 2 Mar 2026 10:00:00 +0100\r\n\r\nCiao\r\n"
    )
    case = make_case(sinistri, "Denuncia")
    done = rules_apply(case=case, subject=subject_from_understood(understand(raw), case))
    assert (case.category, case.urgency, case.state) == (auto, 3, "new")
    assert done == ["Category: Auto", "Urgency: Urgent"]
    entry = PageLogEntry.objects.get(page_id=case.pk, action="workflow.rule.apply")
    assert entry.data["rule"] == RoutingRule.objects.get().pk


def test_no_matching_rule_changes_nothing(
    sinistri: PoolPage, leader: User, make_case: MakeCase
) -> None:
    make_rule(leader, sinistri, subject_words="furto", set_urgency=3)
    case, done = route(make_case, sinistri, subject="Denuncia grandine")
    assert (done, case.urgency) == ([], 1)
    assert not PageLogEntry.objects.filter(action="workflow.rule.apply").exists()


def test_first_match_wins_unless_it_says_continue(
    sinistri: PoolPage, leader: User, make_case: MakeCase
) -> None:
    first = make_rule(leader, sinistri, name="first", subject_words="sinistro", set_urgency=2)
    make_rule(leader, sinistri, name="second", set_urgency=0)
    case, _ = route(make_case, sinistri)
    assert case.urgency == 2
    first.continue_after = True
    rule_save(user=leader, rule=first, operator_ids=[])
    case, done = route(make_case, sinistri)
    assert case.urgency == 0
    assert done == ["Urgency: High", "Urgency: Low"]


def test_move_to_pool_moves_the_page_and_the_new_pool_s_rules_take_over(
    sinistri: PoolPage, pagamenti: PoolPage, make_operator: MakeOperator, make_case: MakeCase
) -> None:
    boss = make_operator("boss", sinistri, pagamenti, role="team leaders")
    anna = make_operator("anna", pagamenti)
    present(anna)
    make_rule(boss, sinistri, subject_words="bonifico", move_to_pool=pagamenti)
    make_rule(boss, pagamenti, assignment="operator", operators=[anna])
    case, done = route(make_case, sinistri, subject="Bonifico non ricevuto")
    assert (case.pool, case.assignee, case.state) == (pagamenti, anna, "taken")
    assert (
        MonthPage.objects.get(pk=case.get_parent().pk).get_parent().get_parent().specific
        == pagamenti
    )
    assert case.number.startswith("SIN")
    assert done == ["To pool: Pagamenti", "Assigned to: anna"]


def test_moving_back_and_forth_cannot_loop(
    sinistri: PoolPage, pagamenti: PoolPage, make_operator: MakeOperator, make_case: MakeCase
) -> None:
    boss = make_operator("boss", sinistri, pagamenti, role="team leaders")
    make_rule(boss, sinistri, move_to_pool=pagamenti)
    make_rule(boss, pagamenti, move_to_pool=sinistri)
    case, done = route(make_case, sinistri)
    assert case.pool == sinistri
    assert len(done) == 2


def test_assign_takes_the_case_and_logs_the_rule(
    sinistri: PoolPage, leader: User, make_operator: MakeOperator, make_case: MakeCase
) -> None:
    bruno = make_operator("bruno", sinistri)
    present(bruno)
    rule = make_rule(leader, sinistri, assignment="operator", operators=[bruno])
    case, done = route(make_case, sinistri)
    assert (case.state, case.assignee, case.taken_at is not None) == ("taken", bruno, True)
    take = PageLogEntry.objects.get(page_id=case.pk, action="correspondence.case.take")
    assert take.data["by_rule"] == rule.pk
    present(bruno, presence="away")
    case, done = route(make_case, sinistri)
    assert (case.state, case.assignee) == ("new", None)
    assert done == ["No operator available: left in the pool"]


def test_round_robin_cycles_and_skips_absent_operators(
    sinistri: PoolPage, leader: User, make_operator: MakeOperator, make_case: MakeCase
) -> None:
    team = [make_operator(name, sinistri) for name in ("a1", "a2", "a3")]
    present(*team)
    present(team[1], presence="dnd")
    make_rule(leader, sinistri, assignment="round_robin", operators=team)
    picks = [route(make_case, sinistri)[0].assignee for _ in range(3)]
    assert picks == [team[0], team[2], team[0]]
    present(team[1])
    assert route(make_case, sinistri)[0].assignee == team[1]


def test_least_open_picks_the_operator_with_fewest_open_cases(
    sinistri: PoolPage, leader: User, make_operator: MakeOperator, make_case: MakeCase
) -> None:
    busy, free = make_operator("busy", sinistri), make_operator("free", sinistri)
    present(busy, free)
    for _ in range(2):
        CasePage.objects.filter(pk=make_case(sinistri).pk).update(state="taken", assignee=busy)
    CasePage.objects.filter(pk=make_case(sinistri).pk).update(state="closed", assignee=free)
    make_rule(leader, sinistri, assignment="least_open", operators=[busy, free])
    picks = [route(make_case, sinistri)[0].assignee for _ in range(3)]
    assert picks == [free, free, busy]


def test_an_operator_who_lost_the_pool_is_not_given_cases(
    sinistri: PoolPage, leader: User, make_operator: MakeOperator, make_case: MakeCase
) -> None:
    gone = make_operator("gone", sinistri)
    present(gone)
    make_rule(leader, sinistri, assignment="operator", operators=[gone])
    gone.groups.clear()
    assert route(make_case, sinistri)[0].state == "new"


def test_trying_a_rule_shows_what_it_would_do_and_changes_nothing(
    sinistri: PoolPage, leader: User, make_operator: MakeOperator, make_case: MakeCase
) -> None:
    ops = [make_operator("o1", sinistri), make_operator("o2", sinistri)]
    present(*ops)
    start = timezone.now() - timedelta(days=1)
    for i in range(6):
        sender = "x@carrozzeria.it" if i % 2 else "y@privato.it"
        inbound(
            make_case, sinistri, sender=sender, subject=f"n{i}", when=start + timedelta(minutes=i)
        )
    draft = RoutingRule(
        pool=sinistri,
        name="draft",
        sender_test="domain_equals",
        sender_value="carrozzeria.it",
        set_urgency=3,
        assignment="round_robin",
    )
    logs = PageLogEntry.objects.count(), ModelLogEntry.objects.count()
    rows = rule_try(pool=sinistri, rule_data=rule_data(draft, [u.pk for u in ops]), limit=5)
    assert [r.subject for r in rows] == ["n5", "n4", "n3", "n2", "n1"]
    assert [r.matched for r in rows] == [True, False, True, False, True]
    assert [r.outcome[-1] for r in rows if r.matched] == [
        "Assigned to: o1",
        "Assigned to: o2",
        "Assigned to: o1",
    ]
    assert not RoutingRule.objects.exists()
    assert set(CasePage.objects.values_list("state", "urgency")) == {("new", 1)}
    assert (PageLogEntry.objects.count(), ModelLogEntry.objects.count()) == logs


def test_a_leader_may_only_move_cases_to_pools_they_lead(
    sinistri: PoolPage, pagamenti: PoolPage, leader: User, make_operator: MakeOperator
) -> None:
    with pytest.raises(RuleInvalid) as error:
        make_rule(leader, sinistri, move_to_pool=pagamenti)
    assert error.value.field == "move_to_pool"
    outsider = make_operator("paolo", pagamenti)
    with pytest.raises(RuleInvalid):
        make_rule(leader, sinistri, assignment="operator", operators=[outsider])


def test_rule_changes_are_logged(sinistri: PoolPage, leader: User) -> None:
    one = make_rule(leader, sinistri, name="one", subject_words="a")
    two = make_rule(leader, sinistri, name="two")
    one.name = "uno"
    rule_save(user=leader, rule=one, operator_ids=[])
    rule_reorder(user=leader, rule=two, direction="up")
    assert list(RoutingRule.objects.values_list("name", flat=True)) == ["two", "uno"]
    rule_delete(user=leader, rule=one)
    entries = ModelLogEntry.objects.order_by("pk").values_list("action", "user__username")
    assert list(entries) == [
        ("workflow.rule.create", "lea"),
        ("workflow.rule.create", "lea"),
        ("workflow.rule.change", "lea"),
        ("workflow.rule.reorder", "lea"),
        ("workflow.rule.delete", "lea"),
    ]
    assert ModelLogEntry.objects.get(action="workflow.rule.change").data["name"] == "uno"


# The pages


def pages(pool: PoolPage, rule: RoutingRule) -> list[tuple[str, str]]:
    code, pk = pool.code, rule.pk
    return [
        ("get", reverse("workflow:rules_index")),
        ("get", reverse("workflow:rules_list", args=[code])),
        ("get", reverse("workflow:rule_create", args=[code])),
        ("post", reverse("workflow:rule_create", args=[code])),
        ("get", reverse("workflow:rule_edit", args=[code, pk])),
        ("post", reverse("workflow:rule_edit", args=[code, pk])),
        ("get", reverse("workflow:rule_delete", args=[code, pk])),
        ("post", reverse("workflow:rule_delete", args=[code, pk])),
        ("post", reverse("workflow:rule_move", args=[code, pk, "up"])),
    ]


def test_operators_and_leaders_of_other_pools_get_403_everywhere(
    sinistri: PoolPage, pagamenti: PoolPage, leader: User, make_operator: MakeOperator
) -> None:
    rule = make_rule(leader, sinistri, name="keep")
    operator = make_operator("oscar", sinistri)
    other_leader = make_operator("olga", pagamenti, role="team leaders")
    for user in (operator, other_leader):
        client = Client()
        client.force_login(user)
        for method, url in pages(sinistri, rule):
            if user is other_leader and url == reverse("workflow:rules_index"):
                continue  # she leads Pagamenti, so she has an index
            response = getattr(client, method)(url, {"name": "x"})
            assert response.status_code == 403, (user, method, url)
    anonymous = Client().get(reverse("workflow:rules_list", args=["SIN"]))
    assert anonymous.status_code == 302
    assert RoutingRule.objects.get().name == "keep"


def form_data(**fields: Any) -> dict[str, Any]:
    base = {
        "name": "Carrozzerie",
        "active": "on",
        "sender_test": "domain_equals",
        "sender_value": "carrozzeria.it",
        "is_pec": "unknown",
        "has_attachments": "unknown",
        "set_urgency": "3",
    }
    return {**base, **fields}


def test_a_leader_writes_tries_and_saves_a_rule(
    sinistri: PoolPage, leader: User, make_operator: MakeOperator, make_case: MakeCase
) -> None:
    bruno = make_operator("bruno", sinistri)
    inbound(make_case, sinistri, subject="Dalla carrozzeria")
    client = Client()
    client.force_login(leader)
    url = reverse("workflow:rule_create", args=["SIN"])
    assert client.get(url).status_code == 200
    tried = client.post(url, form_data(assignment="operator", operators=[bruno.pk], **{"try": "1"}))
    assert tried.status_code == 200
    assert "Dalla carrozzeria" in tried.content.decode()
    assert tried.context["matched"] == 1
    assert not RoutingRule.objects.exists()
    saved = client.post(url, form_data(assignment="operator", operators=[bruno.pk], save="1"))
    assert saved.status_code == 302
    rule = RoutingRule.objects.get()
    assert list(rule.operators.all()) == [bruno]
    listing = client.get(reverse("workflow:rules_list", args=["SIN"])).content.decode()
    assert "Carrozzerie" in listing
    assert "carrozzeria.it" in listing


def test_the_form_explains_what_is_wrong(
    sinistri: PoolPage, pagamenti: PoolPage, leader: User
) -> None:
    client = Client()
    client.force_login(leader)
    url = reverse("workflow:rule_create", args=["SIN"])
    response = client.post(url, form_data(sender_value="", assignment="round_robin", save="1"))
    assert response.status_code == 200
    assert "sender_value" in response.context["form"].errors
    response = client.post(url, form_data(assignment="round_robin", save="1"))
    assert "operators" in response.context["form"].errors
    assert not RoutingRule.objects.exists()


def test_move_buttons_reorder_the_list(sinistri: PoolPage, leader: User) -> None:
    first = make_rule(leader, sinistri, name="first")
    second = make_rule(leader, sinistri, name="second")
    client = Client()
    client.force_login(leader)
    client.post(reverse("workflow:rule_move", args=["SIN", second.pk, "up"]))
    assert list(RoutingRule.objects.values_list("name", flat=True)) == ["second", "first"]
    client.post(reverse("workflow:rule_move", args=["SIN", second.pk, "up"]))
    assert list(RoutingRule.objects.values_list("name", flat=True)) == ["second", "first"]
    client.post(reverse("workflow:rule_move", args=["SIN", second.pk, "down"]))
    assert list(RoutingRule.objects.values_list("pk", flat=True)) == [first.pk, second.pk]
