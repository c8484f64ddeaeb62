"""The intake pipeline on the database: each message filed once, in the right place."""

from pathlib import Path

import pytest

from correspondence.intake.fetch import mailbox_fetch
from correspondence.intake.ingest import message_ingest
from correspondence.models import CasePage, Mailbox, Message, PoolPage, QuarantinedMessage

pytestmark = pytest.mark.django_db
CORPUS = Path(__file__).resolve().parents[3] / "fixtures" / "mail"


def _raw(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def test_a_new_message_opens_a_case_with_its_sender_and_files(folder_mailbox: Mailbox) -> None:
    result = message_ingest(mailbox=folder_mailbox, raw=_raw("13-mixed-pdf-rfc2231.eml"))
    assert result.outcome == "created"
    case = CasePage.objects.get(pk=result.case.pk)
    assert case.number == "SIN-2026-000001" and case.state == "new"
    assert case.customer_email == "alessandro.conti@example.it"
    message = case.messages.get(kind=Message.Kind.INBOUND)
    assert message.raw.read() == _raw("13-mixed-pdf-rfc2231.eml")
    assert len(message.raw_sha256) == 64
    assert {a.filename for a in message.attachments.all()} >= {"Pełnomocnictwo_kierowcy.pdf"}


def test_the_same_message_twice_makes_one_case(folder_mailbox: Mailbox) -> None:
    raw = _raw("01-plain-utf8.eml")
    assert message_ingest(mailbox=folder_mailbox, raw=raw, uidvalidity=7, uid=1).outcome == (
        "created"
    )
    again = message_ingest(mailbox=folder_mailbox, raw=raw, uidvalidity=7, uid=2)
    assert again.outcome == "ignored" and again.reason == "already received"
    assert CasePage.objects.count() == 1


def test_a_pec_envelope_opens_a_case_with_certified_sender_and_time(
    folder_mailbox: Mailbox,
) -> None:
    # Signed by a provider on the trust list, as real envelopes are (the corpus
    # file's signature is a stand-in: unverified, it would not date the case).
    from correspondence.services.pec_trust import pec_trust_import
    from tests.support.pec_signing import ca_pem, envelope_signed

    pec_trust_import(data=ca_pem(), source="test")
    raw = envelope_signed(_raw("17-pec-posta-certificata.eml"))
    result = message_ingest(mailbox=folder_mailbox, raw=raw)
    case = CasePage.objects.get(pk=result.case.pk)
    assert case.channel == "pec"
    assert case.customer_email == "avv.bianchi@pec.example.it"
    assert case.received_at.isoformat() == "2026-03-03T09:15:22+00:00"
    message = case.messages.get(kind=Message.Kind.INBOUND)
    assert message.pec["kind"] == "posta-certificata"
    evidence = set(message.attachments.filter(evidence=True).values_list("filename", flat=True))
    assert evidence == {"daticert.xml", "smime.p7s"}


def test_routing_by_address_picks_the_pool_the_message_was_sent_to(
    folder_mailbox: Mailbox, pagamenti: PoolPage
) -> None:
    raw = _raw("01-plain-utf8.eml").replace(
        b"sinistri@assicura.example.it", b"pagamenti@assicura.example.it"
    )
    result = message_ingest(mailbox=folder_mailbox, raw=raw)
    assert result.case.pool.pk == pagamenti.pk and result.case.number.startswith("PAG-")


def test_an_unreadable_message_is_quarantined_and_the_rest_goes_on(
    folder_mailbox: Mailbox,
) -> None:
    folder = Path(folder_mailbox.directory)
    (folder / "a-poison.eml").write_bytes(b"\x00" * 10)
    (folder / "b-good.eml").write_bytes(_raw("01-plain-utf8.eml"))
    summary = mailbox_fetch(mailbox_id=folder_mailbox.pk)
    assert summary.outcomes == {"quarantined": 1, "created": 1}
    item = QuarantinedMessage.objects.get()
    assert item.raw.read() == b"\x00" * 10 and item.reason
    assert not list(folder.glob("*.eml"))


def test_a_reply_with_the_case_number_joins_the_case(folder_mailbox: Mailbox) -> None:
    first = message_ingest(mailbox=folder_mailbox, raw=_raw("01-plain-utf8.eml"))
    reply = (
        b"From: Giulia Ferri <giulia.ferri@example.it>\r\nTo: sinistri@assicura.example.it\r\n"
        b"Subject: R: [" + first.case.number.encode() + b"] Richiesta\r\n"
        b"Message-ID: <reply-1@example.it>\r\nDate: Tue, 03 Mar 2026 10:00:00 +0100\r\n\r\n"
        b"Grazie, allego i documenti.\r\n"
    )
    result = message_ingest(mailbox=folder_mailbox, raw=reply)
    assert result.outcome == "threaded" and result.case.pk == first.case.pk
    assert Message.objects.filter(case=first.case, kind=Message.Kind.INBOUND).count() == 2


def test_a_missing_folder_is_a_clear_mailbox_error(folder_mailbox: Mailbox) -> None:
    from correspondence.errors import MailboxUnavailable

    folder_mailbox.directory = "/nonexistent/folder"
    folder_mailbox.save()
    with pytest.raises(MailboxUnavailable, match="does not exist"):
        mailbox_fetch(mailbox_id=folder_mailbox.pk)
    folder_mailbox.refresh_from_db()
    assert "does not exist" in folder_mailbox.last_error and folder_mailbox.failing_since
    assert folder_mailbox.locked_until is None


def test_nul_characters_are_dropped_not_fatal(folder_mailbox: Mailbox) -> None:
    raw = (
        b"From: a@example.it\r\nTo: sinistri@assicura.example.it\r\nSubject: Nul\x00lo\r\n"
        b"Message-ID: <nul@example.it>\r\n\r\nTesto\x00 con NUL\r\n"
    )
    result = message_ingest(mailbox=folder_mailbox, raw=raw)
    assert result.outcome == "created"
    inbound = CasePage.objects.get(pk=result.case.pk).messages.get(kind="inbound")
    assert inbound.text.startswith("Testo con")


def test_a_quarantined_message_fetched_again_is_not_quarantined_twice(
    folder_mailbox: Mailbox,
) -> None:
    assert message_ingest(mailbox=folder_mailbox, raw=b"\x00" * 10).outcome == "quarantined"
    again = message_ingest(mailbox=folder_mailbox, raw=b"\x00" * 10)
    assert again.outcome == "ignored" and QuarantinedMessage.objects.count() == 1
