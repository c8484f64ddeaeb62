"""Notices by e-mail, chosen in the profile, over the real SMTP server on loopback: work
assigned by a rule, a consultation answered, a reply rejected, a reply awaiting approval
and an escalation each leave once, written from the published notification text in the
recipient's language with a link to the case; a user who chose nothing gets nothing; a
server that refuses loses nothing, and the retry delivers once."""

import email
import email.policy
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone, translation

from correspondence.intake.ingest import message_ingest
from correspondence.models import (
    CasePage,
    Department,
    Mailbox,
    MailText,
    Message,
    OutgoingMail,
    PoolPage,
)
from correspondence.outbox.sending import outgoing_due, outgoing_send
from intranet.models import NOTIFY_ALL, Absence, UserProfile
from tests.support.smtp import SmtpServer
from workflow import consultation, lifecycle
from workflow.escalation import escalations_run
from workflow.models import EscalationRule, EscalationWhen, PendingReply, RoutingRule
from workflow.rules.services import rule_save

pytestmark = pytest.mark.django_db

NEW_MAIL = (
    b"From: Mario Rossi <mario@carrozzeria.it>\r\n"
    b"To: sinistri@assicura.example.it\r\n"
    b"Subject: Denuncia sinistro\r\n"
    b"Message-ID: <denuncia-1@carrozzeria.it>\r\n"
    b"Date: Mon, 02 Mar 2026 09:14:07 +0100\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    b"Buongiorno, denuncio un sinistro.\r\n"
)


@pytest.fixture
def mailbox(folder_mailbox: Mailbox, smtp: SmtpServer) -> Mailbox:
    smtp.start()
    folder_mailbox.smtp_host, folder_mailbox.smtp_port = "127.0.0.1", smtp.port
    folder_mailbox.smtp_security = Mailbox.Security.NONE
    folder_mailbox.auto_reply = Mailbox.AutoReply.OFF
    folder_mailbox.save()
    return folder_mailbox


@pytest.fixture
def captured(
    eager: None, django_capture_on_commit_callbacks: Callable[..., Any]
) -> Callable[..., Any]:
    """Runs ``action`` and then what its commit queued (the outbox's sending)."""

    def run(action: Callable[[], Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


def _person(
    make_operator: Callable[..., User],
    name: str,
    pool: PoolPage,
    *,
    chosen: list[str],
    language: str = "it",
    role: str = "operators",
) -> User:
    user = make_operator(name, pool, role=role)
    user.email, user.first_name = f"{name}@assicura.example.it", name.capitalize()
    user.save()
    UserProfile.objects.filter(user=user).update(notify_by_email=chosen, language=language)
    return user


def _mails_to(smtp: SmtpServer, address: str) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(e.content, policy=email.policy.default)  # type: ignore[misc]
        for e in smtp.envelopes
        if address in e.rcpt_tos
    ]


def _text(mail: email.message.EmailMessage) -> str:
    return str(mail.get_body(("plain",)).get_content())


def _assign_rule(sinistri: PoolPage, leader: User, operator: User) -> None:
    UserProfile.objects.filter(user=operator).update(presence="available")
    rule = RoutingRule(pool=sinistri, name="Tutto a Ola", assignment="operator")
    rule_save(user=leader, rule=rule, operator_ids=[operator.pk])


def test_work_assigned_by_a_rule_is_mailed_once_from_the_published_text_in_polish(
    mailbox: Mailbox,
    sinistri: PoolPage,
    make_operator: Callable[..., User],
    smtp: SmtpServer,
    captured: Callable[..., Any],
) -> None:
    leader = make_operator("lea", sinistri, role="team leaders")
    ola = _person(make_operator, "ola", sinistri, chosen=["assigned"], language="pl")
    _assign_rule(sinistri, leader, ola)
    MailText.objects.create(
        kind=MailText.Kind.NOTIFICATION,
        language="pl",
        subject="Powiadomienie: {event}",
        body="Cześć {operator_name}! {event} Sprawa {case_number}: {link}",
        live=True,
    )
    case = captured(lambda: message_ingest(mailbox=mailbox, raw=NEW_MAIL)).case
    case.refresh_from_db()
    assert case.assignee == ola
    (mail,) = _mails_to(smtp, "ola@assicura.example.it")
    assert mail["Subject"] == f"Powiadomienie: Sprawa {case.number} została Ci przydzielona."
    link = f"http://127.0.0.1:8000{case.url}"
    assert _text(mail).strip() == (
        f"Cześć Ola! Sprawa {case.number} została Ci przydzielona. Sprawa {case.number}: {link}"
    )
    assert mail["Auto-Submitted"] == "auto-generated"  # RFC 3834: no out-of-office answers it
    assert Message.objects.filter(case=case, kind=Message.Kind.NOTIFICATION).count() == 1
    reader = Client()
    reader.force_login(ola)
    with translation.override("pl"):
        label = str(Message.Kind.NOTIFICATION.label)
    assert label in reader.get(case.url).content.decode()  # on the case's record
    assert len(smtp.envelopes) == 1  # the leader chose nothing, the customer no auto-reply
    for outgoing_id in outgoing_due(now=timezone.now() + timedelta(hours=3)):
        outgoing_send(outgoing_id=outgoing_id)
    assert len(smtp.envelopes) == 1  # the sweep finds nothing left to send


def test_a_user_who_chose_nothing_gets_no_mail_but_still_the_intranet_notice(
    mailbox: Mailbox,
    sinistri: PoolPage,
    make_operator: Callable[..., User],
    smtp: SmtpServer,
    captured: Callable[..., Any],
) -> None:
    leader = make_operator("lea", sinistri, role="team leaders")
    ola = _person(make_operator, "ola", sinistri, chosen=[])
    _assign_rule(sinistri, leader, ola)
    case = captured(lambda: message_ingest(mailbox=mailbox, raw=NEW_MAIL)).case
    assert CasePage.objects.get(pk=case.pk).assignee == ola
    assert smtp.envelopes == []
    assert not OutgoingMail.objects.exists()
    client = Client()
    client.force_login(ola)
    assert client.get("/work/notifications/").json()["count"] == 1


def test_an_answered_consultation_is_mailed_to_its_operator_in_italian(
    mailbox: Mailbox,
    sinistri: PoolPage,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
    smtp: SmtpServer,
    captured: Callable[..., Any],
) -> None:
    ola = _person(make_operator, "ola", sinistri, chosen=[NOTIFY_ALL])
    legale = Department.objects.create(name="Ufficio legale", emails="legale@assicura.example.it")
    case = make_case(sinistri, mailbox_id=mailbox.pk)
    lifecycle.case_take(case_id=case.pk, user=ola)
    captured(
        lambda: consultation.consultation_send(
            case_id=case.pk, user=ola, department=legale, question="Parere?"
        )
    )
    (question,) = (email.message_from_bytes(e.content) for e in smtp.envelopes)
    answer = (
        "From: legale@assicura.example.it\r\nTo: sinistri@assicura.example.it\r\n"
        f"Subject: Re: {question['Subject']}\r\nMessage-ID: <parere-1@assicura.example.it>\r\n"
        f"In-Reply-To: {question['Message-ID']}\r\nDate: Mon, 02 Mar 2026 10:00:00 +0100\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nSì, è coperto.\r\n"
    ).encode()
    captured(lambda: message_ingest(mailbox=mailbox, raw=answer))
    (mail,) = _mails_to(smtp, "ola@assicura.example.it")
    assert f"Ufficio legale ha risposto alla consultazione sulla pratica {case.number}." in (
        _text(mail)
    )
    assert f"http://127.0.0.1:8000{case.url}" in _text(mail)


def test_a_rejected_reply_is_mailed_to_its_author_and_the_waiting_one_to_the_leader(
    mailbox: Mailbox,
    sinistri: PoolPage,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
    smtp: SmtpServer,
    captured: Callable[..., Any],
) -> None:
    junior = _person(make_operator, "junior", sinistri, chosen=["reply_rejected"], language="en")
    UserProfile.objects.filter(user=junior).update(needs_approval=True)
    leader = _person(
        make_operator, "lea", sinistri, chosen=["approval_waiting"], role="team leaders"
    )
    case = make_case(sinistri, customer_email="cliente@example.it", mailbox_id=mailbox.pk)
    author, boss = Client(), Client()
    author.force_login(junior)
    boss.force_login(leader)
    author.post(f"/work/cases/{case.pk}/take/")
    captured(
        lambda: author.post(
            f"/work/cases/{case.pk}/reply/", {"to": "cliente@example.it", "text": "Ecco."}
        )
    )
    (waiting,) = _mails_to(smtp, "lea@assicura.example.it")
    assert f"Una risposta sulla pratica {case.number} attende la tua approvazione." in (
        _text(waiting)
    )
    assert boss.get("/work/notifications/").json()["count"] == 1  # the intranet's too
    pending = PendingReply.objects.get(case=case)
    captured(
        lambda: boss.post(
            f"/work/cases/{case.pk}/reject/", {"reply": pending.pk, "comment": "Manca la polizza."}
        )
    )
    (rejected,) = _mails_to(smtp, "junior@assicura.example.it")
    assert f"Your reply on case {case.number} was rejected: Manca la polizza." in _text(rejected)
    assert len(smtp.envelopes) == 2  # nothing to the customer, nothing else


def test_a_refusing_smtp_server_loses_no_notice_and_the_retry_sends_it_once(
    mailbox: Mailbox,
    sinistri: PoolPage,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
    smtp: SmtpServer,
    captured: Callable[..., Any],
) -> None:
    ola = _person(make_operator, "ola", sinistri, chosen=[NOTIFY_ALL])
    bruno = make_operator("bruno", sinistri)
    case = make_case(sinistri, mailbox_id=mailbox.pk)
    lifecycle.case_take(case_id=case.pk, user=bruno)
    smtp.handler.refuse = "451 4.3.0 Try again later"
    captured(
        lambda: lifecycle.case_hand_over(case_id=case.pk, user=bruno, colleague=ola, reason="Ferie")
    )
    assert CasePage.objects.get(pk=case.pk).assignee == ola  # the action went through
    outgoing = OutgoingMail.objects.get(case=case)
    assert (outgoing.state, outgoing.attempts, smtp.envelopes) == ("queued", 1, [])
    assert "451" in outgoing.last_error
    smtp.handler.refuse = ""
    later = timezone.now() + timedelta(hours=3)
    for _round in range(2):
        for outgoing_id in outgoing_due(now=later):
            outgoing_send(outgoing_id=outgoing_id)
    (mail,) = _mails_to(smtp, "ola@assicura.example.it")
    assert mail["Subject"] == f"La pratica {case.number} è stata assegnata a te."
    assert OutgoingMail.objects.get(pk=outgoing.pk).state == "sent"


def test_an_escalation_mails_the_leaders_who_chose_it_exactly_once(
    mailbox: Mailbox,
    sinistri: PoolPage,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
    smtp: SmtpServer,
    captured: Callable[..., Any],
) -> None:
    _person(
        make_operator, "lea", sinistri, chosen=["escalation"], role="team leaders", language="ro"
    )
    quiet = _person(make_operator, "leo", sinistri, chosen=[], role="team leaders")
    EscalationRule.objects.create(pool=sinistri, name="Ritardo", when=EscalationWhen.BREACH)
    case = make_case(sinistri, mailbox_id=mailbox.pk)
    CasePage.objects.filter(pk=case.pk).update(deadline_at=timezone.now() - timedelta(hours=1))
    assert captured(escalations_run) == 1
    assert captured(escalations_run) == 0
    (mail,) = _mails_to(smtp, "lea@assicura.example.it")
    assert f"Cazul {case.number} și-a depășit termenul (Ritardo)." in _text(mail)
    assert _mails_to(smtp, quiet.email) == []
    board = Client()
    board.force_login(quiet)  # who chose no mail is still told in the intranet
    told = board.get("/work/notifications/").json()
    assert told["count"] == 1 and told["items"][0]["case"] == case.number
    assert len(smtp.envelopes) == 1


def test_the_substitute_of_an_absent_leader_is_told_of_a_reply_awaiting_approval(
    mailbox: Mailbox,
    sinistri: PoolPage,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
    smtp: SmtpServer,
    captured: Callable[..., Any],
) -> None:
    junior = _person(make_operator, "junior", sinistri, chosen=[])
    UserProfile.objects.filter(user=junior).update(needs_approval=True)
    leader = _person(
        make_operator, "lea", sinistri, chosen=["approval_waiting"], role="team leaders"
    )
    stand_in = _person(make_operator, "sara", sinistri, chosen=["approval_waiting"])
    now = timezone.now()
    Absence.objects.create(
        user=leader,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
        substitute=stand_in,
    )
    case = make_case(sinistri, customer_email="cliente@example.it", mailbox_id=mailbox.pk)
    author = Client()
    author.force_login(junior)
    author.post(f"/work/cases/{case.pk}/take/")
    captured(
        lambda: author.post(
            f"/work/cases/{case.pk}/reply/", {"to": "cliente@example.it", "text": "Ecco."}
        )
    )
    assert len(_mails_to(smtp, "lea@assicura.example.it")) == 1
    (told,) = _mails_to(smtp, "sara@assicura.example.it")
    assert f"Una risposta sulla pratica {case.number} attende la tua approvazione." in _text(told)


def test_an_unusable_staff_address_sends_nothing_and_the_action_goes_through(
    mailbox: Mailbox,
    sinistri: PoolPage,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
    smtp: SmtpServer,
    captured: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    ola = _person(make_operator, "ola", sinistri, chosen=[NOTIFY_ALL])
    User.objects.filter(pk=ola.pk).update(email="ola at assicura")
    bruno = make_operator("bruno", sinistri)
    case = make_case(sinistri, mailbox_id=mailbox.pk)
    lifecycle.case_take(case_id=case.pk, user=bruno)
    captured(
        lambda: lifecycle.case_hand_over(case_id=case.pk, user=bruno, colleague=ola, reason="x")
    )
    assert CasePage.objects.get(pk=case.pk).assignee == ola
    assert not OutgoingMail.objects.exists() and smtp.envelopes == []
    assert f"no notice to user {ola.pk} about {case.number}" in caplog.text
