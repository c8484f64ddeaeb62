"""Every path that creates a message stamps it with its case's pool and operator then.

Reports count messages by these stamps (``intranet/reports``): a message counts in the
pool its case was in, and for the operator who held the case, when it arrived or was
sent; a later transfer or hand-over does not move it.
"""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from correspondence.intake.ingest import IncomingMessage, message_ingest, messages_ingest
from correspondence.models import CasePage, Mailbox, Message, PoolPage
from correspondence.outbox.services import outgoing_queue
from correspondence.registration import ManualRequest, case_register
from workflow import handling, lifecycle

pytestmark = pytest.mark.django_db


def _mail(n: int, *, answers: int | None = None) -> bytes:
    reply = f"In-Reply-To: <s{answers}@example.it>\r\n" if answers is not None else ""
    return (
        f"From: Cliente <cliente{n}@example.it>\r\nTo: sinistri@assicura.example.it\r\n"
        f"Subject: Richiesta {n}\r\nMessage-ID: <s{n}@example.it>\r\n{reply}"
        f"Date: Tue, 03 Mar 2026 10:00:00 +0100\r\n\r\nTesto {n}.\r\n"
    ).encode()


def _stamp(message: Message) -> tuple[int | None, int | None]:
    message.refresh_from_db()
    return message.pool_id, message.holder_id


def _filed(n: int) -> Message:
    return Message.objects.get(message_id=f"s{n}@example.it")


def test_intake_stamps_the_pool_then_the_operator_and_a_transfer_moves_nothing(
    folder_mailbox: Mailbox,
    sinistri: PoolPage,
    pagamenti: PoolPage,
    make_operator: Callable[..., User],
) -> None:
    op1 = make_operator("op1", sinistri)
    admin = User.objects.create_superuser("admin", password="pw")
    # The batch path: the first message arrives while the case waits in the pool.
    first, _other = messages_ingest(
        mailbox=folder_mailbox,
        messages=[IncomingMessage(raw=_mail(n), uidvalidity=1, uid=n) for n in (1, 2)],
    )
    assert first.case is not None
    assert _stamp(_filed(1)) == (sinistri.pk, None)
    lifecycle.case_take(case_id=first.case.pk, user=op1)
    # The single path: the customer's reply reaches the case op1 now holds.
    reply = message_ingest(mailbox=folder_mailbox, raw=_mail(3, answers=1), uid=3)
    assert reply.outcome == "threaded"
    assert _stamp(_filed(3)) == (sinistri.pk, op1.pk)
    handling.case_transfer(case_id=first.case.pk, user=admin, pool=pagamenti, reason="altro")
    assert _stamp(_filed(3)) == (sinistri.pk, op1.pk)
    assert _stamp(_filed(1)) == (sinistri.pk, None)
    # An internal note made after the transfer is stamped with the new pool.
    note = handling.case_note_add(case_id=first.case.pk, user=admin, text="spostato")
    case = CasePage.objects.get(pk=first.case.pk)
    assert _stamp(note) == (pagamenti.pk, case.assignee_id)


def test_an_answer_sent_is_stamped_with_the_case_as_it_was(
    folder_mailbox: Mailbox,
    sinistri: PoolPage,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
) -> None:
    op1 = make_operator("op1", sinistri)
    case = make_case(sinistri, subject="Rimborso")
    lifecycle.case_take(case_id=case.pk, user=op1)
    outgoing = outgoing_queue(
        case=CasePage.objects.get(pk=case.pk),
        mailbox=folder_mailbox,
        to=["cliente@example.it"],
        cc=(),
        subject="Rimborso",
        text="Gentile cliente, ...",
        in_reply_to=None,
        references=(),
        automatic=False,
        author=op1,
    )
    assert outgoing.timeline_message.kind == Message.Kind.OUTBOUND
    assert _stamp(outgoing.timeline_message) == (sinistri.pk, op1.pk)


def test_a_request_entered_by_hand_is_stamped_with_its_pool(
    sinistri: PoolPage, make_operator: Callable[..., User]
) -> None:
    leader = make_operator("leader", sinistri, role="team leaders")
    request = ManualRequest(
        channel="phone",
        subject="Telefonata",
        text="Il cliente chiede del rimborso.",
        received_at=timezone.now() - timedelta(minutes=5),
        customer_email="cliente@example.it",
    )
    case = case_register(pool=sinistri, request=request, user=leader)
    message = case.messages.get(kind=Message.Kind.INBOUND)
    assert _stamp(message) == (sinistri.pk, case.assignee_id)
    assert message.pool_id is not None
