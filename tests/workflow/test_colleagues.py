"""Consulting colleagues inside the intranet: up to five, of any pool, presence shown; the
question is on the case, they answer there, and no e-mail leaves."""

import importlib
import re
from collections.abc import Callable

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import User
from django.test import Client

from correspondence.errors import CaseActionInvalid
from correspondence.models import CasePage, OutgoingMail, PoolPage
from workflow import colleagues, lifecycle
from workflow.models import ColleagueQuestion

pytestmark = pytest.mark.django_db


def test_a_colleague_of_another_pool_reads_the_question_on_the_case_and_answers_there(
    sinistri: PoolPage,
    pagamenti: PoolPage,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
) -> None:
    ola = make_operator("ola", sinistri)
    paolo = make_operator("paolo", pagamenti)
    paolo.profile.presence = "available"
    paolo.profile.save()
    case = make_case(sinistri, "Rimborso doppio")
    lifecycle.case_take(case_id=case.pk, user=ola)
    client = Client()
    client.force_login(ola)
    page = client.get(case.url).content.decode()
    assert "Ask colleagues" in page and "dot-available" in page
    client.post(
        f"/work/cases/{case.pk}/colleagues/",
        {"question": "Il pagamento è partito due volte?", "colleagues": [paolo.pk]},
    )
    guest = Client()
    guest.force_login(paolo)
    assert guest.get(sinistri.url).status_code == 403  # the pool stays closed to him
    waiting = guest.get("/work/approvals/").content.decode()
    assert case.number in waiting
    seen = guest.get(case.url)
    assert seen.status_code == 200 and "partito due volte" in seen.content.decode()
    answer = colleagues.colleague_questions_open(user=paolo).get()
    guest.post(f"/work/colleague-answers/{answer.pk}/", {"text": "Sì, stornato ieri."})
    assert "Sì, stornato ieri." in client.get(case.url).content.decode()
    assert guest.get(case.url).status_code == 403  # the invitation ended with the answer
    assert CasePage.objects.get(pk=case.pk).state == "taken"
    assert not OutgoingMail.objects.exists()


def test_at_most_five_colleagues_and_a_question_is_required(
    sinistri: PoolPage, make_operator: Callable[..., User], make_case: Callable[..., CasePage]
) -> None:
    ola = make_operator("ola", sinistri)
    others = [make_operator(f"c{i}", sinistri) for i in range(6)]
    case = make_case(sinistri)
    lifecycle.case_take(case_id=case.pk, user=ola)
    with pytest.raises(CaseActionInvalid, match="five"):
        colleagues.colleagues_consult(
            case_id=case.pk, user=ola, colleague_ids=[u.pk for u in others], question="?"
        )
    with pytest.raises(CaseActionInvalid, match="question"):
        colleagues.colleagues_consult(
            case_id=case.pk, user=ola, colleague_ids=[others[0].pk], question=" "
        )
    asked = colleagues.colleagues_consult(
        case_id=case.pk, user=ola, colleague_ids=[u.pk for u in others[:5]], question="?"
    )
    assert asked.answers.count() == 5


def _listed(client: Client, url: str, *cases: CasePage) -> set[str]:
    body = client.get(url).content.decode()
    return {c.number for c in cases if f">{c.number}</a>" in body}


def test_a_case_waiting_for_colleagues_is_marked_filtered_counted_and_on_their_desks(
    sinistri: PoolPage,
    pagamenti: PoolPage,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
) -> None:
    ola = make_operator("ola", sinistri)
    lea = make_operator("lea", sinistri, role="team leaders")
    paolo, marta = make_operator("paolo", pagamenti), make_operator("marta", sinistri)
    asking = make_case(sinistri, "Rimborso doppio")
    quiet = make_case(sinistri, "Altro")
    for case in (asking, quiet):
        lifecycle.case_take(case_id=case.pk, user=ola)
    colleagues.colleagues_consult(
        case_id=asking.pk,
        user=ola,
        colleague_ids=[paolo.pk, marta.pk],
        question="Il pagamento è partito due volte?",
    )
    assert CasePage.objects.get(pk=asking.pk).state == "taken"  # a mark, not a state
    operator, leader = Client(), Client()
    operator.force_login(ola)
    leader.force_login(lea)
    page = operator.get(sinistri.url).content.decode()
    assert page.count("waiting for colleagues</span>") == 1
    assert _listed(operator, f"{sinistri.url}?colleagues=yes", asking, quiet) == {asking.number}
    assert _listed(operator, f"{sinistri.url}?colleagues=no", asking, quiet) == {quiet.number}
    board = leader.get("/board/figures/").content.decode()
    figure = re.search(r'href="([^"]+)" data-figure="colleagues"><span class="count">(\d+)', board)
    assert figure and figure.group(2) == "1"
    assert _listed(leader, figure.group(1).replace("&amp;", "&"), asking, quiet) == {asking.number}
    # Each asked colleague finds the question on "My work" and on "Waiting for me".
    guest = Client()
    guest.force_login(paolo)
    assert "partito due volte" in guest.get("/").content.decode()
    assert "partito due volte" in guest.get("/work/approvals/").content.decode()
    answer = colleagues.colleague_questions_open(user=paolo).get()
    guest.post(f"/work/colleague-answers/{answer.pk}/", {"text": "Sì, stornato ieri."})
    # One answer is enough for the case to stop waiting; Marta may still add hers.
    assert CasePage.objects.get(pk=asking.pk).colleagues_asked_at is None
    assert "partito due volte" not in guest.get("/").content.decode()
    assert colleagues.colleague_questions_open(user=marta).count() == 1
    assert _listed(operator, f"{sinistri.url}?colleagues=yes", asking, quiet) == set()
    board = leader.get("/board/figures/").content.decode()
    assert 'data-figure="colleagues"><span class="count">0<' in board


def test_the_migration_marks_cases_whose_questions_nobody_answered_yet(
    sinistri: PoolPage, make_operator: Callable[..., User], make_case: Callable[..., CasePage]
) -> None:
    ola, paolo = make_operator("ola", sinistri), make_operator("paolo", sinistri)
    waiting, answered = make_case(sinistri), make_case(sinistri)
    for case in (waiting, answered):
        lifecycle.case_take(case_id=case.pk, user=ola)
        colleagues.colleagues_consult(
            case_id=case.pk, user=ola, colleague_ids=[paolo.pk], question="Chi se ne occupa?"
        )
    mine = colleagues.colleague_questions_open(user=paolo).get(question__case=answered)
    colleagues.colleague_answer_give(answer_id=mine.pk, user=paolo, text="Io.")
    CasePage.objects.update(colleagues_asked_at=None)  # as before the column existed
    migration = importlib.import_module("correspondence.migrations.0024_case_colleagues_asked")
    migration.mark_waiting_cases(django_apps, None)
    asked_at = ColleagueQuestion.objects.get(case=waiting).asked_at
    assert CasePage.objects.get(pk=waiting.pk).colleagues_asked_at == asked_at
    assert CasePage.objects.get(pk=answered.pk).colleagues_asked_at is None
