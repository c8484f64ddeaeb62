"""The outbox under faults: accepted mail is recorded, never sent twice; tasks retry."""

import socket
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import OperationalError
from django.utils import timezone

from correspondence import tasks
from correspondence.models import CasePage, Mailbox, OutgoingMail, PoolPage
from correspondence.outbox import sending
from correspondence.outbox.sending import outgoing_due, outgoing_send
from correspondence.outbox.services import outgoing_queue
from correspondence.tasks import outbox_send_task
from tests.support.imap import (
    IMAP_USERS,
    imap_account,
    imap_client,
    imap_mailbox_create,
    needs_imap,
)
from tests.support.processes import backends_terminate, own_backend_pid
from tests.support.smtp import SmtpServer

pytestmark = [pytest.mark.imap, needs_imap]
USER = IMAP_USERS[-2] if len(IMAP_USERS) > 1 else ""
threaded_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class WorkerKilled(BaseException):
    """The sender's process ends here (as with SIGKILL: nothing after it runs)."""


@pytest.fixture
def mailbox(sinistri: PoolPage, smtp: SmtpServer) -> Mailbox:
    return imap_mailbox_create(
        pool=sinistri, user=imap_account(USER), slug="sinistri-outbox", name="Sinistri", smtp=smtp
    )


def _queued(mailbox: Mailbox, make_case: Callable[..., CasePage]) -> OutgoingMail:
    return outgoing_queue(
        case=make_case(mailbox.pool, subject="Rimborso"),
        mailbox=mailbox,
        to=["giulia.ferri@example.it"],
        cc=(),
        subject="Rimborso",
        text="Gentile cliente, ...",
        in_reply_to=None,
        references=(),
        automatic=False,
    )


def _in_sent_folder(message_id: str) -> int:
    with imap_client(USER, "Sent") as client:
        return len(client.search(["HEADER", "Message-ID", f"<{message_id}>"]))


def _state(outgoing: OutgoingMail) -> str:
    outgoing.refresh_from_db()
    return outgoing.state


@pytest.mark.django_db
def test_a_sent_mail_is_copied_to_the_sent_folder(
    mailbox: Mailbox, smtp: SmtpServer, make_case: Callable[..., CasePage]
) -> None:
    outgoing = _queued(mailbox, make_case)
    assert outgoing_send(outgoing_id=outgoing.pk) == "sent"
    assert len(smtp.envelopes) == 1 and _in_sent_folder(outgoing.message_id) == 1


@threaded_db
def test_the_database_lost_after_the_server_accepted_is_waited_for_not_sent_again(
    mailbox: Mailbox,
    smtp: SmtpServer,
    make_case: Callable[..., CasePage],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outgoing = _queued(mailbox, make_case)
    real = sending._success_record
    calls: list[int] = []

    def record(*args: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            backends_terminate(pids=[own_backend_pid()])  # the database restarts now
        real(*args)

    monkeypatch.setattr(sending, "_success_record", record)
    assert outgoing_send(outgoing_id=outgoing.pk) == "sent"
    assert len(calls) == 2 and _state(outgoing) == OutgoingMail.State.SENT
    assert len(smtp.envelopes) == 1


@pytest.mark.django_db
def test_a_sender_killed_after_the_server_accepted_is_settled_from_the_sent_folder(
    mailbox: Mailbox,
    smtp: SmtpServer,
    make_case: Callable[..., CasePage],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outgoing = _queued(mailbox, make_case)

    def killed(*args: Any) -> None:
        raise WorkerKilled

    with monkeypatch.context() as patch:
        patch.setattr(sending, "_success_record", killed)
        with pytest.raises(WorkerKilled):
            outgoing_send(outgoing_id=outgoing.pk)
    assert _state(outgoing) == OutgoingMail.State.SENDING
    assert outgoing_due(now=timezone.now() + timedelta(hours=1)) == []
    assert _state(outgoing) == OutgoingMail.State.SENT
    assert len(smtp.envelopes) == 1


@pytest.mark.django_db
def test_a_sender_killed_before_the_server_accepted_sends_it_again(
    mailbox: Mailbox, smtp: SmtpServer, make_case: Callable[..., CasePage]
) -> None:
    outgoing = _queued(mailbox, make_case)
    OutgoingMail.objects.filter(pk=outgoing.pk).update(state=OutgoingMail.State.SENDING, attempts=1)
    assert outgoing_due(now=timezone.now() + timedelta(hours=1)) == [outgoing.pk]
    assert outgoing_send(outgoing_id=outgoing.pk) == "sent"
    assert len(smtp.envelopes) == 1


@pytest.mark.django_db
def test_an_unknown_outcome_waits_while_the_sent_folder_cannot_be_searched(
    mailbox: Mailbox, smtp: SmtpServer, make_case: Callable[..., CasePage]
) -> None:
    outgoing = _queued(mailbox, make_case)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_port=closed_port)
    OutgoingMail.objects.filter(pk=outgoing.pk).update(state=OutgoingMail.State.SENDING, attempts=1)
    now = timezone.now() + timedelta(hours=1)
    assert outgoing_due(now=now) == []
    outgoing.refresh_from_db()
    assert outgoing.state == OutgoingMail.State.SENDING and outgoing.next_attempt_at > now
    assert smtp.envelopes == []


@pytest.mark.django_db
def test_the_send_task_retries_while_the_database_is_down(
    mailbox: Mailbox,
    smtp: SmtpServer,
    make_case: Callable[..., CasePage],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outgoing = _queued(mailbox, make_case)
    real = tasks.outgoing_send
    failures = [2]

    def flaky(**kwargs: Any) -> str:
        if failures[0]:
            failures[0] -= 1
            raise OperationalError("the database system is starting up")
        return real(**kwargs)

    monkeypatch.setattr(tasks, "outgoing_send", flaky)
    # apply() runs the task here as a worker would, its retries included (without waits).
    assert outbox_send_task.apply(args=[outgoing.pk]).get() == "sent"
    assert failures == [0] and len(smtp.envelopes) == 1


@pytest.mark.django_db
def test_an_accepted_mail_is_recorded_even_if_a_database_crash_lost_its_claim(
    mailbox: Mailbox,
    smtp: SmtpServer,
    make_case: Callable[..., CasePage],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A crashed database can come back without its last commits (our claim among them):
    the row is ``queued`` again while its mail has already left."""
    outgoing = _queued(mailbox, make_case)
    real = sending._success_record

    def after_crash_recovery(*args: Any) -> None:
        OutgoingMail.objects.filter(pk=outgoing.pk).update(
            state=OutgoingMail.State.QUEUED, attempts=0
        )
        real(*args)

    monkeypatch.setattr(sending, "_success_record", after_crash_recovery)
    assert outgoing_send(outgoing_id=outgoing.pk) == "sent"
    assert _state(outgoing) == OutgoingMail.State.SENT
    assert outgoing_due(now=timezone.now() + timedelta(hours=1)) == []
    assert len(smtp.envelopes) == 1
