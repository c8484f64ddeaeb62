"""Filing a batch of messages together: the same outcomes as one by one, pages made at once."""

from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from wagtail.models import Page

from correspondence.intake import filing
from correspondence.intake.ingest import IncomingMessage, messages_ingest
from correspondence.models import CasePage, Mailbox, Message, QuarantinedMessage

pytestmark = pytest.mark.django_db
CORPUS = Path(__file__).resolve().parents[3] / "fixtures" / "mail"


def _mail(n: int, *, answers: int | None = None) -> bytes:
    reply = f"In-Reply-To: <m{answers}@example.it>\r\n" if answers is not None else ""
    subject = f"Re: Richiesta {answers}" if answers is not None else f"Richiesta {n}"
    return (
        f"From: Cliente {n} <cliente{n}@example.it>\r\nTo: sinistri@assicura.example.it\r\n"
        f"Subject: {subject}\r\nMessage-ID: <m{n}@example.it>\r\n{reply}"
        f"Date: Tue, 03 Mar 2026 10:00:00 +0100\r\n\r\nTesto del messaggio {n}.\r\n"
    ).encode()


def _incoming(raws: list[bytes], first_uid: int = 1) -> list[IncomingMessage]:
    return [IncomingMessage(raw=r, uidvalidity=7, uid=first_uid + i) for i, r in enumerate(raws)]


def test_a_batch_opens_one_case_per_new_message_in_a_valid_tree(folder_mailbox: Mailbox) -> None:
    results = messages_ingest(
        mailbox=folder_mailbox, messages=_incoming([_mail(n) for n in range(5)])
    )
    assert [r.outcome for r in results] == ["created"] * 5
    numbers = sorted(CasePage.objects.values_list("number", flat=True))
    assert numbers == [f"SIN-2026-00000{n}" for n in range(1, 6)]
    assert all(len(problems) == 0 for problems in Page.find_problems())
    case = CasePage.objects.get(customer_email="cliente3@example.it")
    assert case.messages.get(kind=Message.Kind.INBOUND).message_id == "m3@example.it"


def test_a_reply_to_a_message_of_the_same_batch_joins_its_case(folder_mailbox: Mailbox) -> None:
    raws = [_mail(1), _mail(2), _mail(3, answers=1)]
    results = messages_ingest(mailbox=folder_mailbox, messages=_incoming(raws))
    assert [r.outcome for r in results] == ["created", "created", "threaded"]
    assert results[2].case is not None and results[0].case is not None
    assert results[2].case.pk == results[0].case.pk
    assert CasePage.objects.count() == 2


def test_the_same_batch_fetched_again_files_nothing_twice(folder_mailbox: Mailbox) -> None:
    raws = [_mail(n) for n in range(3)]
    messages_ingest(mailbox=folder_mailbox, messages=_incoming(raws))
    again = messages_ingest(mailbox=folder_mailbox, messages=_incoming(raws))
    assert [r.outcome for r in again] == ["ignored"] * 3
    duplicated = messages_ingest(
        mailbox=folder_mailbox, messages=_incoming([_mail(9)] * 2, first_uid=10)
    )
    assert [r.outcome for r in duplicated] == ["created", "ignored"]
    assert (
        CasePage.objects.count() == 4
        and Message.objects.filter(kind=Message.Kind.INBOUND).count() == 4
    )


def test_an_unreadable_message_is_quarantined_and_the_rest_of_the_batch_goes_on(
    folder_mailbox: Mailbox,
) -> None:
    raws = [_mail(1), b"\x00" * 10, _mail(2)]
    results = messages_ingest(mailbox=folder_mailbox, messages=_incoming(raws))
    assert [r.outcome for r in results] == ["created", "quarantined", "created"]
    assert QuarantinedMessage.objects.get().raw.read() == b"\x00" * 10


def test_a_failing_batch_is_filed_again_message_by_message(
    folder_mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    create = filing.cases_create_batch

    def broken_for_many(*, pool: Any, items: Any) -> Any:
        if len(items) > 1:
            raise ValueError("cannot store this batch")
        return create(pool=pool, items=items)

    monkeypatch.setattr(filing, "cases_create_batch", broken_for_many)
    raws = [_mail(1), _mail(2), _mail(3, answers=1)]
    results = messages_ingest(mailbox=folder_mailbox, messages=_incoming(raws))
    assert [r.outcome for r in results] == ["created", "created", "threaded"]
    assert (
        CasePage.objects.count() == 2
        and Message.objects.filter(kind=Message.Kind.INBOUND).count() == 3
    )
    assert all(len(problems) == 0 for problems in Page.find_problems())


def test_a_pec_receipt_in_a_batch_is_filed_as_a_receipt(folder_mailbox: Mailbox) -> None:
    raws = [_mail(1), (CORPUS / "19-pec-accettazione.eml").read_bytes()]
    results = messages_ingest(mailbox=folder_mailbox, messages=_incoming(raws))
    assert [r.outcome for r in results] == ["created", "receipt"]
    assert CasePage.objects.count() == 1


def test_copys_own_characters_and_a_nul_from_a_sender_lose_nothing(
    folder_mailbox: Mailbox,
) -> None:
    """Rows go to PostgreSQL with COPY, whose text format gives tabs, newlines, backslashes
    and ``\\N`` a meaning, and a NUL no text column takes. Whatever a sender writes, each
    message is filed with its values as they were, or quarantined with its bytes (a NUL
    on PostgreSQL, as an INSERT would refuse it), and the rest of the batch goes on."""
    copy_characters = (
        b'From: "Tab\\there \\\\N" <tab\\\\N@example.it>\r\nTo: sinistri@assicura.example.it\r\n'
        b"Subject: a\\tb \\N \\\\. end\r\nMessage-ID: <copy@example.it>\r\n"
        b"Date: Tue, 03 Mar 2026 10:00:00 +0100\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n"
        b"--x\r\nContent-Type: text/plain\r\n\r\nriga\\N\tcon\\\\tab\r\n"
        b"--x\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="a\tb\\\\N.pdf"\r\n\r\n%PDF\r\n--x--\r\n'
    )
    nul = _mail(3).replace(b"<m3@example.it>", b"<nul\x00id@example.it>")
    raws = [_mail(1), copy_characters, nul, _mail(2)]
    results = messages_ingest(mailbox=folder_mailbox, messages=_incoming(raws))
    assert [r.outcome for r in results[:2]] + [results[3].outcome] == ["created"] * 3
    understood = results[1].understood
    assert understood is not None and understood.sender is not None
    stored = Message.objects.get(imap_uid=2)
    assert (stored.subject, stored.from_address, stored.from_name, stored.text) == (
        understood.message.subject,
        understood.sender.address,
        understood.sender.name,
        understood.message.text,
    )
    assert "\\N" in stored.text and "\t" in stored.text
    (attachment,) = stored.attachments.filter(evidence=False)
    assert attachment.filename == understood.message.attachments[0].filename
    if connection.vendor == "postgresql":
        assert results[2].outcome == "quarantined" and "NUL" in results[2].reason
        assert QuarantinedMessage.objects.get().raw.read() == nul
    else:  # SQLite stores a NUL
        assert results[2].outcome == "created"
