"""Consulting colleagues inside the intranet: up to five, of any pool, presence shown; the
question is on the case, they answer there, and no e-mail leaves."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from correspondence.errors import CaseActionInvalid
from correspondence.models import CasePage, OutgoingMail, PoolPage
from workflow import colleagues, lifecycle

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
