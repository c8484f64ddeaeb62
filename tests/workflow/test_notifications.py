"""The top bar's notices, read from the audit log: work handed to me, a consultation
answered on my case, a reminder in a pool I lead, a colleague's question; never what I
did myself; gone once I have looked."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from correspondence.models import CasePage, Department, Mailbox, PoolPage
from workflow import colleagues, consultation, lifecycle

pytestmark = pytest.mark.django_db


def _notices(user: User) -> dict[str, Any]:
    client = Client()
    client.force_login(user)
    return client.get("/work/notifications/").json()


def test_a_hand_over_is_notified_to_the_colleague_only_until_seen(
    sinistri: PoolPage, make_operator: Callable[..., User], make_case: Callable[..., CasePage]
) -> None:
    ola, bruno = make_operator("ola", sinistri), make_operator("bruno", sinistri)
    case = make_case(sinistri)
    lifecycle.case_take(case_id=case.pk, user=ola)
    lifecycle.case_hand_over(case_id=case.pk, user=ola, colleague=bruno, reason="Ferie")
    told = _notices(bruno)
    assert told["count"] == 1 and told["items"][0]["case"] == case.number
    assert told["items"][0]["url"] == case.url
    assert _notices(ola)["count"] == 0
    client = Client()
    client.force_login(bruno)
    client.post("/work/notifications/read/")
    assert _notices(bruno)["count"] == 0


def test_answers_reminders_and_colleagues_questions_are_notified(
    sinistri: PoolPage,
    pagamenti: PoolPage,
    folder_mailbox: Mailbox,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
) -> None:
    from correspondence.intake.ingest import message_ingest

    ola = make_operator("ola", sinistri)
    leader = make_operator("leader", sinistri, role="team leaders")
    paolo = make_operator("paolo", pagamenti)
    legale = Department.objects.create(name="Legale", emails="legale@example.it", reminder_max=1)
    case = make_case(sinistri, mailbox_id=folder_mailbox.pk)
    lifecycle.case_take(case_id=case.pk, user=ola)
    asked = consultation.consultation_send(
        case_id=case.pk, user=ola, department=legale, question="Parere?"
    )
    assert consultation.consultations_remind(now=asked.due_at + timedelta(minutes=1)) == 1
    assert _notices(leader)["count"] == 1
    answer = (
        b"From: legale@example.it\r\nTo: sinistri@assicura.example.it\r\n"
        b"Subject: Re: parere\r\nIn-Reply-To: <" + asked.message_id.encode() + b">\r\n"
        b"Message-ID: <parere-n@example.it>\r\n\r\nSi.\r\n"
    )
    message_ingest(mailbox=folder_mailbox, raw=answer)
    told = _notices(ola)
    assert told["count"] == 1 and "Consultation answered" in told["items"][0]["text"]
    colleagues.colleagues_consult(
        case_id=case.pk, user=ola, colleague_ids=[paolo.pk], question="Pagato?"
    )
    assert _notices(paolo)["count"] == 1
