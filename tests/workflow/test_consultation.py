"""Consulting a department, end to end on real servers: the question leaves through the
outbox to the SMTP server on loopback, the department's e-mail answer is appended to the
test Dovecot and threads back onto the case, which returns to its operator; reminders go
once per interval up to the maximum, with the clock moved rather than slept."""

import email
import email.policy
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from wagtail.models import PageLogEntry

from correspondence.intake.fetch import mailbox_fetch
from correspondence.models import CasePage, Department, Mailbox, Message, PoolPage
from tests.support.imap import (
    IMAP_USERS,
    append,
    imap_account,
    imap_mailbox_create,
    mail,
    needs_imap,
)
from tests.support.smtp import SmtpServer
from workflow import consultation, lifecycle
from workflow.models import Consultation

pytestmark = pytest.mark.django_db
USER = IMAP_USERS[0] if IMAP_USERS else ""


@pytest.fixture
def legale() -> Department:
    return Department.objects.create(
        name="Ufficio legale",
        emails="legale@assicura.example.it\navvocati@assicura.example.it",
        response_time=2,
        response_unit=Department.Unit.HOURS,
        reminder_text="Sollecito per la pratica {number}.",
        reminder_interval_hours=24,
        reminder_max=2,
    )


@pytest.fixture
def smtp_mailbox(folder_mailbox: Mailbox, smtp: SmtpServer) -> Mailbox:
    smtp.start()
    folder_mailbox.smtp_host, folder_mailbox.smtp_port = "127.0.0.1", smtp.port
    folder_mailbox.smtp_security = Mailbox.Security.NONE
    folder_mailbox.save()
    return folder_mailbox


def _parsed(envelope: Any) -> email.message.EmailMessage:
    return email.message_from_bytes(envelope.content, policy=email.policy.default)


def _answer(sent: email.message.EmailMessage, text: str, sender: str) -> bytes:
    answer = EmailMessage()
    answer["From"] = f"Ufficio legale <{sender}>"
    answer["To"] = "sinistri@assicura.example.it"
    answer["Subject"] = f"Re: {sent['Subject']}"
    answer["Date"] = format_datetime(timezone.now())
    answer["Message-ID"] = f"<parere-{timezone.now().timestamp()}@assicura.example.it>"
    answer["In-Reply-To"] = sent["Message-ID"]
    answer["References"] = sent["Message-ID"]
    answer.set_content(text)
    return answer.as_bytes()


@pytest.mark.imap
@needs_imap
def test_a_consultation_leaves_by_smtp_and_the_answer_threads_back_from_imap(
    sinistri: PoolPage,
    make_operator: Callable[..., User],
    legale: Department,
    smtp: SmtpServer,
    eager: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    mailbox = imap_mailbox_create(
        pool=sinistri, user=imap_account(USER), slug="sinistri-imap", smtp=smtp
    )
    append(USER, mail(1, subject="Incidente del 3 marzo"))
    with django_capture_on_commit_callbacks(execute=True):
        assert mailbox_fetch(mailbox_id=mailbox.pk).outcomes == {"created": 1}
    case = CasePage.objects.get()
    acknowledged = len(smtp.envelopes)  # the customer's auto-reply
    operator = make_operator("ola", sinistri)
    client = Client()
    client.force_login(operator)
    client.post(f"/work/cases/{case.pk}/take/")
    customer_message = Message.objects.get(case=case, kind="inbound")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/work/cases/{case.pk}/consult/",
            {
                "department": legale.pk,
                "question": "Il sinistro è coperto dalla polizza?",
                "messages": [customer_message.pk],
            },
        )
    case.refresh_from_db()
    assert (case.state, case.had_consultation) == ("consultation", True)
    envelope = smtp.envelopes[acknowledged]
    assert sorted(envelope.rcpt_tos) == [
        "avvocati@assicura.example.it",
        "legale@assicura.example.it",
    ]
    sent = _parsed(envelope)
    assert case.number in sent["Subject"] and case.number in sent["Message-ID"]
    body = sent.get_body(("plain",)).get_content()
    assert "coperto dalla polizza" in body and "> Buongiorno, questa è la richiesta" in body

    append(USER, _answer(sent, "Sì, è coperto.", "legale@assicura.example.it"))
    with django_capture_on_commit_callbacks(execute=True):
        assert mailbox_fetch(mailbox_id=mailbox.pk).outcomes == {"threaded": 1}
    assert CasePage.objects.count() == 1
    assert len(smtp.envelopes) == acknowledged + 1  # no auto-reply to the department
    case.refresh_from_db()
    assert (case.state, case.assignee) == ("taken", operator)
    asked = Consultation.objects.get(case=case)
    assert asked.answered_at is not None and asked.on_time is True
    assert asked.answer.kind == "consultation_in" and "coperto" in asked.answer.text
    page = client.get(case.url).content.decode()
    assert "Consultation answered" in page and "on time" in page and "Sì, è coperto." in page


def test_several_consultations_return_the_case_when_the_last_is_answered(
    sinistri: PoolPage,
    smtp_mailbox: Mailbox,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
    legale: Department,
    smtp: SmtpServer,
    eager: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    from correspondence.intake.ingest import message_ingest

    contabilita = Department.objects.create(name="Contabilità", emails="conti@assicura.example.it")
    operator = make_operator("ola", sinistri)
    case = make_case(sinistri, mailbox_id=smtp_mailbox.pk)
    lifecycle.case_take(case_id=case.pk, user=operator)
    with django_capture_on_commit_callbacks(execute=True):
        for department in (legale, contabilita):
            consultation.consultation_send(
                case_id=case.pk, user=operator, department=department, question="Parere?"
            )
    first, second = (_parsed(e) for e in smtp.envelopes)
    message_ingest(
        mailbox=smtp_mailbox, raw=_answer(first, "Parere legale.", "legale@assicura.example.it")
    )
    assert CasePage.objects.get(pk=case.pk).state == "consultation"
    message_ingest(
        mailbox=smtp_mailbox, raw=_answer(second, "Conti a posto.", "conti@assicura.example.it")
    )
    case.refresh_from_db()
    assert (case.state, case.assignee) == ("taken", operator)
    assert Consultation.objects.filter(case=case, answered_at__isnull=False).count() == 2


def test_an_overdue_consultation_is_reminded_once_per_interval_up_to_the_maximum(
    sinistri: PoolPage,
    smtp_mailbox: Mailbox,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
    legale: Department,
    smtp: SmtpServer,
    eager: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    operator = make_operator("ola", sinistri)
    case = make_case(sinistri, mailbox_id=smtp_mailbox.pk)
    lifecycle.case_take(case_id=case.pk, user=operator)
    with django_capture_on_commit_callbacks(execute=True):
        asked = consultation.consultation_send(
            case_id=case.pk, user=operator, department=legale, question="Parere?"
        )
    assert asked.due_at == asked.sent_at + timedelta(hours=2)

    def remind(at: Any) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return consultation.consultations_remind(now=at)

    due = asked.due_at
    assert remind(due - timedelta(minutes=1)) == 0
    assert remind(due + timedelta(minutes=1)) == 1
    assert remind(due + timedelta(minutes=2)) == 0  # the same interval
    assert remind(due + timedelta(hours=23)) == 0
    assert remind(due + timedelta(hours=24, minutes=1)) == 1
    assert remind(due + timedelta(hours=72)) == 0  # the maximum, 2, is reached
    reminders = [_parsed(e) for e in smtp.envelopes[1:]]
    assert len(reminders) == 2
    assert all(
        f"Sollecito per la pratica {case.number}" in r.get_body(("plain",)).get_content()
        for r in reminders
    )
    assert all(r["Auto-Submitted"] == "auto-generated" for r in reminders)  # RFC 3834
    assert all(r["In-Reply-To"] == f"<{asked.message_id}>" for r in reminders)
    logged = PageLogEntry.objects.filter(
        page_id=case.pk, action="correspondence.case.consultation_reminder"
    )
    assert logged.count() == 2
