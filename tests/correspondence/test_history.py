"""The case's history shows every change with who (a person or a rule, by name), when and
why; the whole record downloads as one file, for those who may export the pool."""

import hashlib
import io
import json
import zipfile
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.test import Client

from correspondence import permissions
from correspondence.models import (
    CasePage,
    Category,
    Message,
    PoolPage,
    ResolutionType,
    ServiceLevelPolicy,
    WorkingCalendar,
)
from correspondence.services.deadlines import case_deadline_refresh
from workflow import handling, lifecycle
from workflow.history import case_history
from workflow.models import RoutingRule

pytestmark = pytest.mark.django_db
RAW = b"From: giulia@example.it\r\nSubject: Rimborso\r\n\r\nBuongiorno.\r\n"


@pytest.fixture
def people(
    sinistri: PoolPage, pagamenti: PoolPage, make_operator: Callable[..., User]
) -> dict[str, User]:
    leader = make_operator("leader", sinistri, pagamenti, role="team leaders")
    leader.first_name, leader.last_name = "Lea", "Capo"
    leader.save()
    op = make_operator("op", sinistri)
    op.first_name, op.last_name = "Olga", "Operatrice"
    op.save()
    return {"leader": leader, "op": op, "op2": make_operator("op2", sinistri)}


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def worked_case(
    sinistri: PoolPage, pagamenti: PoolPage, people: dict[str, User], make_case: Callable
) -> CasePage:
    case = make_case(sinistri, subject="Rimborso")
    Message.objects.create(
        case=case,
        kind=Message.Kind.INBOUND,
        date=case.received_at,
        from_address="giulia@example.it",
        subject="Rimborso",
        text="Buongiorno.",
        raw=ContentFile(RAW, name="m.eml"),
        raw_sha256=hashlib.sha256(RAW).hexdigest(),
    )
    rule = RoutingRule.objects.create(pool=sinistri, name="Rimborsi a Olga")
    ServiceLevelPolicy.objects.create(
        name="Pagamenti: 16 ore",
        pool=pagamenti,
        calendar=WorkingCalendar.objects.create(name="Ufficio", country="IT"),
        close_within=16,
    )
    # What a routing rule's assignment does (workflow.rules.services._rule_apply).
    case_deadline_refresh(
        case=lifecycle.case_assign_by_rule(case=case, user_id=people["op"].pk, rule_id=rule.pk)
    )
    lifecycle.case_assign(
        case_id=case.pk, user=people["leader"], assignee=people["op2"], reason="Olga è in ferie"
    )
    complaint = Category.objects.create(name="Reclamo")
    handling.case_classify(
        case_id=case.pk,
        user=people["op2"],
        category=complaint,
        urgency=2,
        reason="Il cliente minaccia un esposto",
    )
    handling.case_transfer(
        case_id=case.pk, user=people["leader"], pool=pagamenti, reason="Riguarda un pagamento"
    )
    lifecycle.case_take(case_id=case.pk, user=people["leader"])
    lifecycle.case_close(
        case_id=case.pk,
        user=people["leader"],
        resolution_type=ResolutionType.objects.create(name="Rimborso accordato"),
        resolution_text="Rimborsati 120 euro il 3 dicembre.",
    )
    return case


def test_the_timeline_says_who_did_what_and_why(
    worked_case: CasePage, people: dict[str, User]
) -> None:
    worked_case.refresh_from_db()
    body = _client(people["leader"]).get(worked_case.url).content.decode()
    for expected in (
        "Rimborsi a Olga",  # the rule that assigned it, by name
        "Assigned to Olga Operatrice",
        "Olga è in ferie",  # the reason of the reassignment
        "Category: — → Reclamo",
        "Urgency: Normal → High",
        "Il cliente minaccia un esposto",
        "From Sinistri to Pagamenti",
        "Riguarda un pagamento",
        "Resolution: Rimborso accordato",
        "Rimborsati 120 euro il 3 dicembre.",
        "Lea Capo",  # who did it
        "<strong>Moved to another pool</strong>",  # what happened, by the action's name
        "<strong>Closed</strong>",
    ):
        assert expected in body, expected
    assert 'data-action="correspondence.case.deadlines"' in body  # due times recalculated
    assert "Policy: Pagamenti: 16 ore" in body


def test_the_first_deadlines_are_set_and_the_next_recalculated(
    sinistri: PoolPage, pagamenti: PoolPage, people: dict[str, User], make_case: Callable
) -> None:
    calendar = WorkingCalendar.objects.create(name="Ufficio", country="IT")
    for pool, hours in ((sinistri, 8), (pagamenti, 16)):
        ServiceLevelPolicy.objects.create(
            name=f"{pool.title}: {hours} ore", pool=pool, calendar=calendar, close_within=hours
        )
    case = make_case(sinistri, subject="Rimborso")
    handling.case_transfer(case_id=case.pk, user=people["leader"], pool=pagamenti, reason="x")
    created, *changes = [
        e for e in case_history(case=case) if e.action.endswith((".create", ".deadlines"))
    ]
    assert "Policy: Sinistri: 8 ore" in created.details
    assert any(line.startswith("Due: ") for line in created.details)
    assert [e.label for e in changes] == ["Deadlines recalculated"]
    assert "Policy: Pagamenti: 16 ore" in changes[0].details


def test_history_has_no_edit_or_delete_on_the_case_page(
    worked_case: CasePage, people: dict[str, User]
) -> None:
    worked_case.refresh_from_db()
    body = _client(people["leader"]).get(worked_case.url).content.decode()
    timeline = body[body.index('<ol class="timeline">') :]
    assert "<form" not in timeline and "<button" not in timeline


def test_the_whole_record_exports_as_one_zip(
    worked_case: CasePage, people: dict[str, User], sinistri: PoolPage
) -> None:
    worked_case.refresh_from_db()
    response = _client(people["leader"]).get(f"/cases/{worked_case.pk}/dossier/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    record = json.loads(archive.read("case.json"))
    assert record["case"]["number"] == worked_case.number
    assert record["case"]["resolution_text"] == "Rimborsati 120 euro il 3 dicembre."
    (message,) = record["messages"]
    assert message["raw_sha256"] == hashlib.sha256(RAW).hexdigest()
    assert message["raw_sha256_verified"] is True
    assert archive.read(message["raw_file"]) == RAW
    actions = [h["action"] for h in record["history"]]
    assert "correspondence.case.transfer" in actions and "correspondence.case.close" in actions
    transfer = next(h for h in record["history"] if h["action"] == "correspondence.case.transfer")
    assert "Reason: Riguarda un pagamento" in transfer["details"]


def test_the_record_is_refused_to_who_may_not_export(
    worked_case: CasePage, people: dict[str, User], make_operator: Callable, sinistri: PoolPage
) -> None:
    # An operator of the case's pool (Pagamenti now) sees it but may not export it.
    worked_case.refresh_from_db()
    payer = make_operator("payer", worked_case.pool)
    assert _client(payer).get(f"/cases/{worked_case.pk}/dossier/").status_code == 403
    # Someone of another pool does not even learn that it exists.
    stranger = make_operator("stranger", sinistri)
    assert _client(stranger).get(f"/cases/{worked_case.pk}/dossier/").status_code == 404
    managers = Group.objects.create(name="Managers")
    permissions.pool_permission_grant(group=managers, perm=permissions.VIEW, pool=worked_case.pool)
    permissions.pool_permission_grant(
        group=managers, perm=permissions.EXPORT, pool=worked_case.pool
    )
    manager = make_operator("manager")
    manager.groups.add(managers)
    assert _client(manager).get(f"/cases/{worked_case.pk}/dossier/").status_code == 200
