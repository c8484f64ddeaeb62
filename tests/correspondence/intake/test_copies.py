"""One message reaching two watched mailboxes becomes one case (issue 13)."""

from pathlib import Path

import pytest

from correspondence.intake.ingest import message_ingest
from correspondence.models import CasePage, Mailbox, Message, PoolPage

pytestmark = pytest.mark.django_db

RAW = (
    b"From: Mario Rossi <mario.rossi@example.it>\r\nTo: sinistri@assicura.example.it\r\n"
    b"Cc: pagamenti@assicura.example.it\r\nSubject: Rimborso del sinistro\r\n"
    b"Date: Tue, 3 Mar 2026 09:00:00 +0100\r\nMessage-ID: <twice@example.it>\r\n\r\n"
    b"Buongiorno, attendo il rimborso.\r\n"
)


def test_a_message_to_two_watched_mailboxes_opens_one_case(
    folder_mailbox: Mailbox, pagamenti: PoolPage, tmp_path: Path
) -> None:
    other = Mailbox.objects.create(
        name="Pagamenti",
        slug="pagamenti",
        pool=pagamenti,
        address="pagamenti@assicura.example.it",
        protocol=Mailbox.Protocol.DIRECTORY,
        directory=str(tmp_path),
    )
    first = message_ingest(mailbox=folder_mailbox, raw=RAW)
    second = message_ingest(mailbox=other, raw=RAW)
    assert first.outcome == "created" and second.outcome == "copy"
    assert second.case == first.case
    assert CasePage.objects.count() == 1
    kinds = sorted(
        Message.objects.exclude(kind=Message.Kind.AUTO_REPLY).values_list("kind", flat=True)
    )
    assert kinds == [Message.Kind.COPY, Message.Kind.INBOUND]
    copy = Message.objects.get(kind=Message.Kind.COPY)
    assert copy.mailbox == other and copy.raw_sha256
    assert message_ingest(mailbox=other, raw=RAW).outcome == "ignored"
