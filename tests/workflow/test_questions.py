"""Questionnaires per pool and per mailbox: every kind of question, required ones starred
and enforced at closing with a message naming each one missing."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from correspondence.errors import CaseActionInvalid
from correspondence.models import CasePage, Mailbox, PoolPage, Question, ResolutionType
from workflow import handling, lifecycle

pytestmark = pytest.mark.django_db

KINDS = {
    "text": ("note", "Note per il perito"),
    "number": ("importo", "Importo richiesto"),
    "date": ("data_evento", "Data dell'evento"),
    "choice": ("tipo", "Tipo di danno"),
    "yes_no": ("feriti", "Ci sono feriti?"),
}


def test_a_required_question_of_each_kind_blocks_closing_and_is_named(
    sinistri: PoolPage,
    folder_mailbox: Mailbox,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
) -> None:
    for kind, (key, label) in KINDS.items():
        owner = {"mailbox": folder_mailbox} if kind == "yes_no" else {"pool": sinistri}
        Question.objects.create(
            key=key, label=label, kind=kind, required=True, choices="Auto\nCasa", **owner
        )
    ola = make_operator("ola", sinistri)
    case = make_case(sinistri, mailbox_id=folder_mailbox.pk)
    lifecycle.case_take(case_id=case.pk, user=ola)
    client = Client()
    client.force_login(ola)
    page = client.get(case.url).content.decode()
    assert page.count('<span class="required">*</span>') >= len(KINDS)
    assert 'type="date" name="answer_data_evento"' in page
    resolved = ResolutionType.objects.create(name="Risolta")
    response = client.post(
        f"/work/cases/{case.pk}/close/",
        {"resolution_type": resolved.pk, "resolution_text": "Fatto."},
        follow=True,
    )
    refusal = response.content.decode()
    for _key, label in KINDS.values():
        assert label.replace("'", "&#x27;") in refusal
    assert CasePage.objects.get(pk=case.pk).state == "taken"
    with pytest.raises(CaseActionInvalid, match="needs a number"):
        handling.case_answers_save(case_id=case.pk, user=ola, answers={"importo": "tanto"})
    with pytest.raises(CaseActionInvalid, match="needs a date"):
        handling.case_answers_save(case_id=case.pk, user=ola, answers={"data_evento": "ieri"})
    handling.case_answers_save(
        case_id=case.pk,
        user=ola,
        answers={
            "note": "Nessuna",
            "importo": "1200,50",
            "data_evento": "2026-03-03",
            "tipo": "Auto",
            "feriti": "no",
        },
    )
    lifecycle.case_close(
        case_id=case.pk, user=ola, resolution_type=resolved, resolution_text="Fatto."
    )
    assert CasePage.objects.get(pk=case.pk).state == "closed"
