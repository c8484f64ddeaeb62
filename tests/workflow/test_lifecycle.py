"""An operator's and a team leader's actions on a case, as services and through the page."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.test import Client
from wagtail.models import PageLogEntry

from correspondence.errors import CaseActionDenied, CaseActionInvalid
from correspondence.models import CasePage, Category, Message, PoolPage, Question, ResolutionType
from workflow import handling, lifecycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(sinistri: PoolPage, pagamenti: PoolPage, make_operator: Callable[..., User]) -> dict:
    return {
        "op": make_operator("op", sinistri),
        "other": make_operator("other", sinistri),
        "leader": make_operator("leader", sinistri, role="team leaders"),
        "outsider": make_operator("outsider", pagamenti),
    }


@pytest.fixture
def resolved() -> ResolutionType:
    return ResolutionType.objects.create(name="Risposta inviata")


def _actions(case: CasePage) -> list[str]:
    return list(
        PageLogEntry.objects.filter(page_id=case.pk, action__startswith="correspondence.")
        .order_by("timestamp", "pk")
        .values_list("action", flat=True)
    )


def test_take_work_close_reopen_is_recorded_with_who_and_when(
    team: dict, sinistri: PoolPage, make_case: Callable[..., CasePage], resolved: ResolutionType
) -> None:
    op = team["op"]
    case = make_case(sinistri)
    case = lifecycle.case_take(case_id=case.pk, user=op)
    assert (case.state, case.assignee, case.taken_at is not None) == ("taken", op, True)
    case = lifecycle.case_mark_worked(case_id=case.pk, user=op)
    assert case.worked_by == op and case.worked_at is not None
    case = lifecycle.case_close(
        case_id=case.pk, user=op, resolution_type=resolved, resolution_text="Risposto al cliente."
    )
    assert case.state == "closed" and case.closed_at is not None
    case = lifecycle.case_reopen(case_id=case.pk, user=op)
    assert case.state == "taken" and case.closed_at is None
    assert _actions(case) == [
        "correspondence.case.create",
        "correspondence.case.take",
        "correspondence.case.worked",
        "correspondence.case.close",
        "correspondence.case.reopen",
    ]
    entry = PageLogEntry.objects.get(page_id=case.pk, action="correspondence.case.worked")
    assert entry.user == op


def test_closing_without_resolution_or_required_answer_is_refused(
    team: dict, sinistri: PoolPage, make_case: Callable[..., CasePage], resolved: ResolutionType
) -> None:
    category = Category.objects.create(name="RC Auto", pool=sinistri)
    Question.objects.create(category=category, key="targa", label="Targa", required=True)
    case = make_case(sinistri, category_id=category.pk)
    lifecycle.case_take(case_id=case.pk, user=team["op"])
    with pytest.raises(CaseActionInvalid, match="resolution"):
        lifecycle.case_close(
            case_id=case.pk, user=team["op"], resolution_type=None, resolution_text=""
        )
    with pytest.raises(CaseActionInvalid, match="Targa"):
        lifecycle.case_close(
            case_id=case.pk, user=team["op"], resolution_type=resolved, resolution_text="ok"
        )
    CasePage.objects.filter(pk=case.pk).update(answers={"targa": "AB123CD"})
    assert (
        lifecycle.case_close(
            case_id=case.pk, user=team["op"], resolution_type=resolved, resolution_text="ok"
        ).state
        == "closed"
    )


def test_nobody_takes_a_case_already_taken_or_works_someone_elses(
    team: dict, sinistri: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    case = make_case(sinistri)
    lifecycle.case_take(case_id=case.pk, user=team["op"])
    with pytest.raises(CaseActionDenied, match="already been taken"):
        lifecycle.case_take(case_id=case.pk, user=team["other"])
    with pytest.raises(CaseActionDenied, match="being worked by"):
        lifecycle.case_mark_worked(case_id=case.pk, user=team["other"])
    lifecycle.case_release(case_id=case.pk, user=team["leader"], reason="ferie")
    assert CasePage.objects.get(pk=case.pk).state == "new"


def test_an_operator_of_another_pool_can_do_nothing(
    team: dict, sinistri: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    case = make_case(sinistri)
    outsider = team["outsider"]
    for action in (
        lambda: lifecycle.case_take(case_id=case.pk, user=outsider),
        lambda: handling.case_note_add(case_id=case.pk, user=outsider, text="x"),
        lambda: lifecycle.case_reopen(case_id=case.pk, user=outsider),
    ):
        with pytest.raises(CaseActionDenied):
            action()
    client = Client()
    client.force_login(outsider)
    assert client.post(f"/work/cases/{case.pk}/take/").status_code == 404
    assert CasePage.objects.get(pk=case.pk).state == "new"


def test_leader_assigns_and_transfers_with_a_reason(
    team: dict, sinistri: PoolPage, pagamenti: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    case = make_case(sinistri)
    leader = team["leader"]
    with pytest.raises(CaseActionDenied, match="does not work in the pool"):
        lifecycle.case_assign(case_id=case.pk, user=leader, assignee=team["outsider"], reason="x")
    case = lifecycle.case_assign(
        case_id=case.pk, user=leader, assignee=team["op"], reason="esperto RC"
    )
    assert case.assignee == team["op"]
    with pytest.raises(CaseActionDenied):
        lifecycle.case_assign(case_id=case.pk, user=team["op"], assignee=team["other"], reason="x")
    with pytest.raises(CaseActionInvalid, match="reason"):
        handling.case_transfer(case_id=case.pk, user=team["op"], pool=sinistri, reason=" ")


def test_transfer_moves_the_page_under_the_other_pool(
    team: dict, sinistri: PoolPage, pagamenti: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    from django.contrib.auth.models import Group

    leader = team["leader"]
    leader.groups.add(Group.objects.get(name="Pagamenti operators"))
    case = make_case(sinistri)
    case = handling.case_transfer(
        case_id=case.pk, user=leader, pool=pagamenti, reason="riguarda un rimborso"
    )
    assert case.pool == pagamenti and case.state == "new"
    assert case.url_path.startswith(pagamenti.url_path)
    assert case.number.startswith("SIN-")


def test_notes_and_classification_are_on_the_timeline(
    team: dict, sinistri: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    case = make_case(sinistri)
    handling.case_note_add(case_id=case.pk, user=team["op"], text="Chiamato il cliente")
    assert Message.objects.get(case=case, kind="note").author == team["op"]
    handling.case_classify(
        case_id=case.pk, user=team["op"], category=None, urgency=3, reason="scadenza legale"
    )
    entry = PageLogEntry.objects.get(page_id=case.pk, action="correspondence.case.classify")
    assert entry.data["reason"] == "scadenza legale" and entry.data["after"]["urgency"] == 3


def test_the_case_page_offers_actions_and_reports_refusals(
    team: dict, sinistri: PoolPage, make_case: Callable[..., CasePage], resolved: ResolutionType
) -> None:
    case = make_case(sinistri, subject="Denuncia")
    client = Client()
    client.force_login(team["op"])
    assert "Take this case" in client.get(case.url).content.decode()
    response = client.post(f"/work/cases/{case.pk}/take/", follow=True)
    assert "You took the case." in response.content.decode()
    response = client.post(f"/work/cases/{case.pk}/close/", {"resolution_text": ""}, follow=True)
    assert "cannot be closed until" in response.content.decode()
    assert CasePage.objects.get(pk=case.pk).state == "taken"


def test_a_second_viewer_sees_the_first(
    team: dict, sinistri: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    case = make_case(sinistri)
    first, second = Client(), Client()
    first.force_login(team["op"])
    second.force_login(team["leader"])
    first.get(case.url)
    assert "Also on this case now" in second.get(case.url).content.decode()
    others = first.get(f"/work/cases/{case.pk}/viewers/").json()["others"]
    assert others == ["leader"]


def test_a_case_nobody_touches_returns_to_the_pool(
    team: dict, sinistri: PoolPage, make_case: Callable[..., CasePage], settings: object
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from workflow.tasks import cases_release_untouched_task

    hoarded, busy = make_case(sinistri), make_case(sinistri)
    for case in (hoarded, busy):
        lifecycle.case_take(case_id=case.pk, user=team["op"])
    CasePage.objects.filter(pk=hoarded.pk).update(touched_at=timezone.now() - timedelta(hours=5))
    assert cases_release_untouched_task() == 1
    hoarded.refresh_from_db()
    assert (hoarded.state, hoarded.assignee) == ("new", None)
    assert CasePage.objects.get(pk=busy.pk).state == "taken"
    entry = PageLogEntry.objects.get(page_id=hoarded.pk, action="correspondence.case.release")
    assert entry.data["reason"] == "untouched" and entry.data["from"] == team["op"].pk


def test_answers_to_the_category_questions_unblock_closing(
    team: dict, sinistri: PoolPage, make_case: Callable[..., CasePage], resolved: ResolutionType
) -> None:
    category = Category.objects.create(name="RC Auto", pool=sinistri)
    Question.objects.create(category=category, key="targa", label="Targa", required=True)
    Question.objects.create(
        category=category, key="canale", label="Canale", kind="choice", choices="Agenzia\nBroker"
    )
    case = make_case(sinistri, category_id=category.pk)
    client = Client()
    client.force_login(team["op"])
    client.post(f"/work/cases/{case.pk}/take/")
    assert "Targa" in client.get(case.url).content.decode()
    refused = client.post(
        f"/work/cases/{case.pk}/answers/",
        {"answer_targa": "AB123CD", "answer_canale": "Posta"},
        follow=True,
    )
    assert "is not one of the choices" in refused.content.decode()
    client.post(
        f"/work/cases/{case.pk}/answers/",
        {"answer_targa": "AB123CD", "answer_canale": "Broker", "answer_x": "?"},
    )
    assert CasePage.objects.get(pk=case.pk).answers == {"targa": "AB123CD", "canale": "Broker"}
    closed = lifecycle.case_close(
        case_id=case.pk, user=team["op"], resolution_type=resolved, resolution_text="ok"
    )
    assert closed.state == "closed"


def test_an_operator_hands_a_case_to_a_colleague_with_the_reason_on_the_timeline(
    sinistri: PoolPage, make_operator: Callable[..., User], make_case: Callable[..., CasePage]
) -> None:
    from workflow.lifecycle import case_hand_over

    ola, bruno = make_operator("ola", sinistri), make_operator("bruno", sinistri)
    bruno.first_name, bruno.last_name = "Bruno", "Bianchi"
    bruno.save()
    case = make_case(sinistri)
    lifecycle.case_take(case_id=case.pk, user=ola)
    with pytest.raises(CaseActionInvalid, match="reason"):
        case_hand_over(case_id=case.pk, user=ola, colleague=bruno, reason=" ")
    client = Client()
    client.force_login(ola)
    client.post(f"/work/cases/{case.pk}/hand_over/", {"user": bruno.pk, "reason": "In ferie"})
    case.refresh_from_db()
    assert (case.state, case.assignee) == ("taken", bruno)
    client.force_login(bruno)
    page = client.get(case.url).content.decode()
    assert "Handed over to Bruno Bianchi" in page and "In ferie" in page
    with pytest.raises(CaseActionDenied):  # no longer hers
        case_hand_over(case_id=case.pk, user=ola, colleague=ola, reason="back")


def test_worked_cases_are_marked_and_filtered_in_the_pool_list(
    sinistri: PoolPage, make_operator: Callable[..., User], make_case: Callable[..., CasePage]
) -> None:
    ola = make_operator("ola", sinistri)
    worked, other = make_case(sinistri, "Lavorata"), make_case(sinistri, "Da lavorare")
    for case in (worked, other):
        lifecycle.case_take(case_id=case.pk, user=ola)
    lifecycle.case_mark_worked(case_id=worked.pk, user=ola)
    client = Client()
    client.force_login(ola)
    listing = client.get(sinistri.url).content.decode()
    assert listing.count("✔") == 1
    only_worked = client.get(sinistri.url, {"worked": "yes"}).content.decode()
    assert worked.number in only_worked and other.number not in only_worked
    not_worked = client.get(sinistri.url, {"worked": "no"}).content.decode()
    assert other.number in not_worked and worked.number not in not_worked


def test_a_blank_field_is_invalid_input_not_a_permission_refusal(
    team: dict, sinistri: PoolPage, make_case: Callable[..., CasePage]
) -> None:
    case = make_case(sinistri)
    lifecycle.case_take(case_id=case.pk, user=team["op"])
    with pytest.raises(CaseActionInvalid, match="needs some text") as blank:
        handling.case_note_add(case_id=case.pk, user=team["op"], text="  ")
    assert not isinstance(blank.value, PermissionDenied)  # Django would answer 403
    with pytest.raises(CaseActionDenied) as refused:
        handling.case_note_add(case_id=case.pk, user=team["outsider"], text="x")
    assert isinstance(refused.value, PermissionDenied)
    client = Client()
    client.force_login(team["op"])
    response = client.post(f"/work/cases/{case.pk}/note/", {"text": " "}, follow=True)
    assert response.status_code == 200
    assert "A note needs some text." in response.content.decode()


def test_in_a_pool_where_worked_closes_marking_worked_closes_with_its_resolution(
    sinistri: PoolPage, make_operator: Callable[..., User], make_case: Callable[..., CasePage]
) -> None:
    lavorata = ResolutionType.objects.create(name="Lavorata")
    PoolPage.objects.filter(pk=sinistri.pk).update(worked_closes=True, worked_resolution=lavorata)
    ola = make_operator("ola", sinistri)
    case = make_case(sinistri)
    lifecycle.case_take(case_id=case.pk, user=ola)
    lifecycle.case_mark_worked(case_id=case.pk, user=ola)
    case.refresh_from_db()
    assert (case.state, case.resolution_type, case.worked_by) == ("closed", lavorata, ola)
