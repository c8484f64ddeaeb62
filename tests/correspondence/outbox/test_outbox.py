"""The outbox against a real SMTP server on loopback: auto-replies, retries, exactly once."""

import email
import email.policy
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from correspondence.intake.ingest import message_ingest
from correspondence.intake.understand import understand
from correspondence.models import CasePage, Mailbox, MailText, Message, OutgoingMail, PoolPage
from correspondence.outbox.sending import MAX_ATTEMPTS, outgoing_due, outgoing_send, retry_delay
from correspondence.outbox.services import (
    Queued,
    auto_replies_queue,
    draft_new,
    outgoing_mailbox_for,
    outgoing_queue,
    outgoings_queue,
)
from correspondence.tasks import outbox_retry_task, outbox_send_many_task, outbox_send_task
from intranet.celery import app as celery_app
from tests.support.smtp import SmtpServer

pytestmark = pytest.mark.django_db
CORPUS = Path(__file__).resolve().parents[3] / "fixtures" / "mail"
CUSTOMER_ID = "20260302091407.4f2a@example.it"


def _raw(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


@pytest.fixture
def mailbox(folder_mailbox: Mailbox, smtp: SmtpServer) -> Mailbox:
    folder_mailbox.smtp_host = "127.0.0.1"
    folder_mailbox.smtp_port = smtp.port
    folder_mailbox.smtp_security = Mailbox.Security.NONE
    folder_mailbox.save()
    return folder_mailbox


@pytest.fixture
def ingest(
    mailbox: Mailbox, eager: None, django_capture_on_commit_callbacks: Callable[..., Any]
) -> Callable[..., Any]:
    """Files raw mail into ``mailbox`` and runs what its commit queued (the sends)."""

    def run(raw: bytes, into: Mailbox | None = None) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return message_ingest(mailbox=into or mailbox, raw=raw)

    return run


def _variant(n: int, sender: bytes = b"giulia.ferri@example.it") -> bytes:
    """Message 01 as a different mail (new Message-ID and text) from ``sender``."""
    return (
        _raw("01-plain-utf8.eml")
        .replace(b"20260302091407.4f2a", f"variant-{n}".encode())
        .replace(b"Buongiorno,", f"Buongiorno ({n}),".encode())
        .replace(b"giulia.ferri@example.it", sender)
    )


def _well_formed(content: bytes) -> email.message.EmailMessage:
    msg = email.message_from_bytes(content, policy=email.policy.default)
    assert isinstance(msg, email.message.EmailMessage)
    assert all(not part.defects for part in msg.walk())
    for name in ("From", "To", "Subject", "Date", "Message-ID"):
        assert len(msg.get_all(name, [])) == 1, name
    return msg


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_new_case_gets_one_auto_reply_through_smtp_after_commit(
    mailbox: Mailbox, smtp: SmtpServer, eager: None
) -> None:
    smtp.start()
    result = message_ingest(mailbox=mailbox, raw=_raw("01-plain-utf8.eml"))
    case = result.case
    outgoing = OutgoingMail.objects.get(case=case)
    assert outgoing.state == OutgoingMail.State.SENT and outgoing.attempts == 1
    assert len(smtp.envelopes) == 1
    envelope = smtp.envelopes[0]
    assert envelope.mail_from == "sinistri@assicura.example.it"
    assert envelope.rcpt_tos == ["giulia.ferri@example.it"]
    sent = _well_formed(envelope.content)
    # The customer wrote in Italian and the pool has no text: the default, in Italian.
    assert case.language == "it"
    assert sent["Subject"] == f"Abbiamo ricevuto il Suo messaggio [{case.number}]"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["In-Reply-To"] == f"<{CUSTOMER_ID}>"
    assert sent["Message-ID"] == f"<{outgoing.message_id}>"
    assert case.number in sent.get_content()
    timeline = case.messages.get(kind=Message.Kind.AUTO_REPLY)
    assert timeline.message_id == outgoing.message_id == sent["Message-ID"].strip("<>")
    assert timeline.raw.read() == outgoing.raw.read()


def test_the_customers_answer_to_the_auto_reply_joins_the_case(
    ingest: Callable[..., Any], smtp: SmtpServer
) -> None:
    smtp.start()
    case = ingest(_raw("01-plain-utf8.eml")).case
    ours = OutgoingMail.objects.get(case=case).message_id
    answer = (
        b"From: giulia.ferri@example.it\r\nTo: sinistri@assicura.example.it\r\n"
        b"Subject: grazie\r\nMessage-ID: <answer-1@example.it>\r\n"
        b"In-Reply-To: <" + ours.encode() + b">\r\n\r\nGrazie.\r\n"
    )
    result = ingest(answer)
    assert result.outcome == "threaded" and result.case.pk == case.pk
    assert len(smtp.envelopes) == 1


@pytest.mark.parametrize(
    "name",
    [
        "28-ooo-auto-submitted.eml",
        "29-ooo-exchange.eml",
        "30-ooo-x-autoreply.eml",
        "31-mailing-list.eml",
        "32-bulk-precedence.eml",
        "26-bounce-dsn.eml",
        "27-bounce-qmail.eml",
        "19-pec-accettazione.eml",
        "22-pec-avvenuta-consegna.eml",
        "23-pec-errore-consegna.eml",
    ],
)
def test_machines_get_no_auto_reply(
    name: str, ingest: Callable[..., Any], mailbox: Mailbox, make_case: Callable[..., CasePage]
) -> None:
    assert ingest(_raw(name)).outcome != "created"
    # The policy refuses on its own too, whoever opened the case.
    case = make_case(mailbox.pool)
    opened = [(case, understand(_raw(name)))]
    assert auto_replies_queue(mailbox=mailbox, opened=opened) == [None]
    assert not OutgoingMail.objects.exists()
    assert not Message.objects.filter(kind=Message.Kind.AUTO_REPLY).exists()


def test_loop_protection_stops_at_the_daily_limit_per_address(
    ingest: Callable[..., Any], smtp: SmtpServer, mailbox: Mailbox
) -> None:
    smtp.start()
    mailbox.auto_reply_daily_limit = 2
    mailbox.save()
    outcomes = [ingest(_variant(n)).outcome for n in range(4)]
    assert outcomes == ["created"] * 4
    assert OutgoingMail.objects.filter(recipient="giulia.ferri@example.it").count() == 2
    ingest(_variant(9, sender=b"someone.else@example.it"))
    assert [e.rcpt_tos for e in smtp.envelopes] == [
        ["giulia.ferri@example.it"],
        ["giulia.ferri@example.it"],
        ["someone.else@example.it"],
    ]


def test_yesterdays_auto_replies_do_not_count(
    ingest: Callable[..., Any], smtp: SmtpServer, mailbox: Mailbox
) -> None:
    smtp.start()
    mailbox.auto_reply_daily_limit = 1
    mailbox.save()
    ingest(_variant(1))
    OutgoingMail.objects.update(created_at=timezone.now() - timedelta(days=1))
    ingest(_variant(2))
    assert len(smtp.envelopes) == 2


@pytest.mark.parametrize(
    "sender", [b"pagamenti@assicura.example.it", b"SINISTRI@assicura.example.it"]
)
def test_our_own_addresses_get_no_auto_reply(
    sender: bytes, ingest: Callable[..., Any], pagamenti: PoolPage
) -> None:
    assert ingest(_variant(1, sender=sender)).outcome == "created"
    assert not OutgoingMail.objects.exists()


def test_a_mailbox_with_auto_reply_off_sends_none(
    ingest: Callable[..., Any], mailbox: Mailbox
) -> None:
    mailbox.auto_reply = Mailbox.AutoReply.OFF
    mailbox.save()
    assert ingest(_raw("01-plain-utf8.eml")).outcome == "created"
    assert not OutgoingMail.objects.exists()


def test_a_pool_with_auto_reply_off_sends_none_unless_the_mailbox_says_on(
    ingest: Callable[..., Any], mailbox: Mailbox, smtp: SmtpServer
) -> None:
    smtp.start()
    PoolPage.objects.filter(pk=mailbox.pool_id).update(auto_reply_enabled=False)
    ingest(_variant(1))
    assert not OutgoingMail.objects.exists()
    mailbox.auto_reply = Mailbox.AutoReply.ON
    mailbox.save()
    # Written before placeholders were checked on save: unknown ones are left as they are.
    MailText.objects.create(
        kind=MailText.Kind.AUTO_REPLY,
        pool_id=mailbox.pool_id,
        mailbox=mailbox,
        language="it",
        subject="Pratica {number}",
        body="Registrata come {number}: {subject} {unknown}",
    )
    case = ingest(_variant(2)).case
    sent = _well_formed(smtp.envelopes[0].content)
    assert sent["Subject"] == f"Pratica {case.number}"
    assert (
        sent.get_content().strip() == f"Registrata come {case.number}: {case.subject} {{unknown}}"
    )


def test_smtp_down_keeps_the_mail_queued_and_the_retry_sends_it_once(
    ingest: Callable[..., Any], smtp: SmtpServer
) -> None:
    case = ingest(_raw("01-plain-utf8.eml")).case
    outgoing = OutgoingMail.objects.get(case=case)
    assert outgoing.state == OutgoingMail.State.QUEUED and outgoing.attempts == 1
    assert "refused" in outgoing.last_error.lower()
    assert outgoing.next_attempt_at > timezone.now() + retry_delay(1) - timedelta(seconds=30)
    assert outbox_retry_task() == 0  # not due yet

    smtp.start()
    OutgoingMail.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert outbox_retry_task() == 1
    assert outbox_retry_task() == 0
    outgoing.refresh_from_db()
    assert outgoing.state == OutgoingMail.State.SENT and outgoing.attempts == 2
    assert len(smtp.envelopes) == 1
    assert _well_formed(smtp.envelopes[0].content)["Message-ID"] == f"<{outgoing.message_id}>"


def test_sending_the_same_mail_twice_sends_it_once(
    mailbox: Mailbox, smtp: SmtpServer, make_case: Callable[..., CasePage]
) -> None:
    smtp.start()
    outgoing = _queued(mailbox, make_case)
    assert outbox_send_task(outgoing.pk) == "sent"
    assert outbox_send_task(outgoing.pk) == "skipped"
    assert outgoing_send(outgoing_id=outgoing.pk) == "skipped"
    assert len(smtp.envelopes) == 1


def _queued(mailbox: Mailbox, make_case: Callable[..., CasePage], **extra: Any) -> OutgoingMail:
    case = make_case(mailbox.pool, subject="Rimborso")
    return outgoing_queue(
        case=case,
        mailbox=mailbox,
        to=["giulia.ferri@example.it"],
        cc=extra.pop("cc", ()),
        subject="Rimborso",
        text="Gentile cliente, ...",
        in_reply_to=None,
        references=(),
        automatic=False,
        **extra,
    )


def test_a_reply_by_a_person_is_an_outbound_message_with_the_number_in_the_subject(
    mailbox: Mailbox, smtp: SmtpServer, make_case: Callable[..., CasePage]
) -> None:
    smtp.start()
    outgoing = _queued(mailbox, make_case, cc=["avvocato@example.it"])
    outgoing_send(outgoing_id=outgoing.pk)
    (envelope,) = smtp.envelopes
    assert envelope.rcpt_tos == ["giulia.ferri@example.it", "avvocato@example.it"]
    sent = _well_formed(envelope.content)
    assert sent["Subject"] == f"Re: [{outgoing.case.number}] Rimborso"
    assert sent["Auto-Submitted"] is None
    assert outgoing.timeline_message.kind == Message.Kind.OUTBOUND


def test_a_permanent_refusal_fails_at_once(
    mailbox: Mailbox, smtp: SmtpServer, make_case: Callable[..., CasePage]
) -> None:
    smtp.handler.refuse = "550 5.1.1 No such user"
    smtp.start()
    outgoing = _queued(mailbox, make_case)
    assert outgoing_send(outgoing_id=outgoing.pk) == "failed"
    outgoing.refresh_from_db()
    assert outgoing.state == OutgoingMail.State.FAILED and "No such user" in outgoing.last_error


def test_retries_are_bounded(mailbox: Mailbox, make_case: Callable[..., CasePage]) -> None:
    outgoing = _queued(mailbox, make_case)  # nothing listens on the port
    OutgoingMail.objects.update(attempts=MAX_ATTEMPTS - 1)
    assert outgoing_send(outgoing_id=outgoing.pk) == "failed"
    outgoing.refresh_from_db()
    assert outgoing.state == OutgoingMail.State.FAILED and outgoing.attempts == MAX_ATTEMPTS


def test_a_sender_that_died_mid_attempt_is_retried_after_its_lease(
    mailbox: Mailbox, make_case: Callable[..., CasePage]
) -> None:
    outgoing = _queued(mailbox, make_case)
    OutgoingMail.objects.update(state=OutgoingMail.State.SENDING, attempts=1)
    assert outgoing_due() == []
    later = timezone.now() + timedelta(hours=1)
    assert outgoing_due(now=later) == [outgoing.pk]
    outgoing.refresh_from_db()
    assert outgoing.state == OutgoingMail.State.QUEUED


def test_a_mailbox_without_smtp_sends_through_the_django_backend(
    folder_mailbox: Mailbox, make_case: Callable[..., CasePage]
) -> None:
    outgoing = _queued(folder_mailbox, make_case)
    assert outgoing_send(outgoing_id=outgoing.pk) == "sent"
    (sent,) = mail.outbox
    assert sent.recipients() == ["giulia.ferri@example.it"]
    assert f"<{outgoing.message_id}>".encode() in sent.message().as_bytes(linesep="\r\n")


@pytest.fixture
def pec_mailbox(sinistri: PoolPage, smtp: SmtpServer) -> Mailbox:
    return Mailbox.objects.create(
        name="Reclami PEC",
        slug="reclami-pec",
        pool=sinistri,
        kind=Mailbox.Kind.PEC,
        address="reclami@pec.assicura.example.it",
        protocol=Mailbox.Protocol.DIRECTORY,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_security=Mailbox.Security.NONE,
    )


@pytest.mark.parametrize("receipt", ["19-pec-accettazione.eml", "22-pec-avvenuta-consegna.eml"])
def test_a_pec_receipt_attaches_to_the_auto_reply_it_certifies(
    receipt: str, ingest: Callable[..., Any], pec_mailbox: Mailbox, smtp: SmtpServer
) -> None:
    smtp.start()
    case = ingest(_raw("17-pec-posta-certificata.eml"), into=pec_mailbox).case
    outgoing = OutgoingMail.objects.get(case=case)
    assert outgoing.mailbox == pec_mailbox and outgoing.state == OutgoingMail.State.SENT
    assert smtp.envelopes[0].mail_from == "reclami@pec.assicura.example.it"
    assert smtp.envelopes[0].rcpt_tos == ["avv.bianchi@pec.example.it"]
    raw = _raw(receipt).replace(
        b"20260305113000.reply.REC-2026-000007.1@assicura.example.it",
        outgoing.message_id.encode(),
    )
    result = ingest(raw, into=pec_mailbox)
    assert result.outcome == "receipt" and result.case.pk == case.pk
    stored = Message.objects.get(kind=Message.Kind.RECEIPT)
    assert stored.certifies == outgoing.timeline_message
    assert OutgoingMail.objects.count() == 1 and len(smtp.envelopes) == 1


def test_a_bounce_attaches_to_the_mail_it_reports_on(
    ingest: Callable[..., Any], smtp: SmtpServer
) -> None:
    smtp.start()
    case = ingest(_raw("01-plain-utf8.eml")).case
    outgoing = OutgoingMail.objects.get(case=case)
    raw = _raw("26-bounce-dsn.eml").replace(
        b"20260306085959.reply.SIN-2026-000042.3@assicura.example.it",
        outgoing.message_id.encode(),
    )
    result = ingest(raw)
    assert result.outcome == "receipt" and result.case.pk == case.pk
    assert Message.objects.get(kind=Message.Kind.RECEIPT).certifies == outgoing.timeline_message


def test_retry_delays_grow_and_are_capped() -> None:
    delays = [retry_delay(n) for n in range(1, 12)]
    assert delays[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert delays == sorted(delays) and delays[-1] == timedelta(hours=2)


def test_a_pec_case_is_answered_from_the_pec_mailbox(
    mailbox: Mailbox, pec_mailbox: Mailbox, make_case: Callable[..., CasePage]
) -> None:
    case = make_case(mailbox.pool)
    assert outgoing_mailbox_for(case=case) == mailbox
    case.channel = "pec"
    assert outgoing_mailbox_for(case=case) == pec_mailbox
    case.mailbox = mailbox  # received through the ordinary mailbox: answered from it
    assert outgoing_mailbox_for(case=case) == mailbox


def test_a_process_that_only_sets_up_django_enqueues_the_sending_of_queued_mail() -> None:
    # The outbox service signals instead of importing the tasks above it: the receiver must
    # be connected in a web process too, where nothing else imports correspondence.tasks.
    code = (
        "import django; django.setup()\n"
        "from correspondence.models import OutgoingMail\n"
        "from correspondence.outbox.services import outgoing_queued\n"
        "print(outgoing_queued.has_listeners(OutgoingMail))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "intranet.settings.test"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.stdout.strip() == "True", done.stderr


def _outbox_queue_drained() -> list[tuple[str, list[Any]]]:
    """The tasks waiting on the broker's outbox queue (task name, arguments), taken off it."""
    taken = []
    with celery_app.connection_for_write() as connection:
        queue = connection.SimpleQueue("outbox", no_ack=True)
        while True:
            try:
                message = queue.get(block=False)
            except queue.Empty:
                break
            args, _kwargs, _embed = message.decode()
            taken.append((message.headers["task"], args))
        queue.close()
    return taken


def test_mail_queued_together_leaves_in_one_broker_message_per_twenty(
    mailbox: Mailbox,
    smtp: SmtpServer,
    make_case: Callable[..., CasePage],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    """An intake batch acknowledges up to a hundred cases: one task per twenty mails,
    each sent once, and a redelivered task sends nothing twice."""
    smtp.start()
    _outbox_queue_drained()
    cases = [make_case(mailbox.pool, subject=f"Sinistro {n}") for n in range(45)]
    drafts = [
        Queued(
            case=case,
            mailbox=mailbox,
            draft=draft_new(
                case=case,
                mailbox=mailbox,
                to=[f"cliente{n}@example.it"],
                subject="Ricevuta",
                text="Abbiamo ricevuto la sua richiesta.",
                in_reply_to=None,
                references=(),
                automatic=True,
            ),
        )
        for n, case in enumerate(cases)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        queued = outgoings_queue(drafts)
    tasks = _outbox_queue_drained()
    assert [(name, len(ids)) for name, (ids,) in tasks] == [
        ("correspondence.tasks.outbox_send_many_task", 20),
        ("correspondence.tasks.outbox_send_many_task", 20),
        ("correspondence.tasks.outbox_send_many_task", 5),
    ]
    assert [i for _name, (ids,) in tasks for i in ids] == [o.pk for o in queued]
    assert outbox_send_many_task(tasks[0][1][0]) == {"sent": 20}
    assert outbox_send_many_task(tasks[0][1][0]) == {"skipped": 20}  # redelivered
    assert len(smtp.envelopes) == 20
    recipients = sorted(r for e in smtp.envelopes for r in e.rcpt_tos)
    assert recipients == sorted(f"cliente{n}@example.it" for n in range(20))


def test_one_mail_queued_alone_is_one_task_of_its_own(
    mailbox: Mailbox,
    make_case: Callable[..., CasePage],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    _outbox_queue_drained()
    with django_capture_on_commit_callbacks(execute=True):
        outgoing = _queued(mailbox, make_case)
    assert _outbox_queue_drained() == [("correspondence.tasks.outbox_send_task", [outgoing.pk])]


def test_the_retry_sweep_enqueues_due_mail_twenty_to_a_task(
    mailbox: Mailbox, make_case: Callable[..., CasePage]
) -> None:
    queued = [_queued(mailbox, make_case) for _n in range(25)]
    OutgoingMail.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    _outbox_queue_drained()
    assert outbox_retry_task() == 25
    tasks = _outbox_queue_drained()
    assert [(name, len(ids)) for name, (ids,) in tasks] == [
        ("correspondence.tasks.outbox_send_many_task", 20),
        ("correspondence.tasks.outbox_send_many_task", 5),
    ]
    assert sorted(i for _name, (ids,) in tasks for i in ids) == sorted(o.pk for o in queued)
