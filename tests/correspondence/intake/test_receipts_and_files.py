"""Class 9 (issue 13): receipts stored once and visible to admins; long file names."""

from collections import Counter
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from correspondence.intake.ingest import message_ingest
from correspondence.intake.parsing import parse_message
from correspondence.models import Attachment, Mailbox, Message

MAIL = Path(__file__).resolve().parents[3] / "fixtures" / "mail"
LONG = MAIL / "real-world" / "c9-long-attachment-name.eml"


def test_class9_a_long_attachment_name_is_shortened_keeping_its_extension() -> None:
    (attachment,) = parse_message(LONG.read_bytes()).attachments
    assert 190 <= len(attachment.filename) <= 200
    assert attachment.filename.startswith("Verbale di constatazione amichevole")
    assert attachment.filename.endswith("\u2026.pdf")


@pytest.mark.django_db
def test_class9_a_receipt_keeps_its_daticert_and_signature_once(folder_mailbox: Mailbox) -> None:
    raw = (MAIL / "19-pec-accettazione.eml").read_bytes()
    result = message_ingest(mailbox=folder_mailbox, raw=raw)
    assert result.outcome == "receipt"
    receipt = Message.objects.get(kind=Message.Kind.RECEIPT)
    names = Counter(Attachment.objects.filter(message=receipt).values_list("filename", flat=True))
    assert names["daticert.xml"] == 1 and names["smime.p7s"] == 1
    assert all(a.evidence for a in receipt.attachments.filter(filename="daticert.xml"))


@pytest.mark.django_db
def test_class9_receipts_matching_no_sent_mail_are_listed_for_admins(
    folder_mailbox: Mailbox, client: Client, django_user_model: type, make_operator
) -> None:
    message_ingest(mailbox=folder_mailbox, raw=(MAIL / "19-pec-accettazione.eml").read_bytes())
    url = reverse("correspondence_unmatched_receipts")
    client.force_login(make_operator("anna", folder_mailbox.pool))
    assert client.get(url).status_code in (302, 403)
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.it", "pw"))
    page = client.get(url).content.decode()
    assert "ACCETTAZIONE" in page and "accettazione" in page


@pytest.mark.django_db
def test_class9_the_long_name_is_stored_whole_with_its_extension(folder_mailbox: Mailbox) -> None:
    message_ingest(mailbox=folder_mailbox, raw=LONG.read_bytes())
    (attachment,) = Attachment.objects.all()
    assert attachment.filename.endswith(".pdf") and len(attachment.filename) <= 200
