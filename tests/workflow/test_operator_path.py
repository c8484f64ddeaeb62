"""The whole path of an operator, over a real SMTP server on loopback:
take next → read → answer with signature and attachment → the customer's reply threads
back → close with a resolution → reactivate."""

import email
import email.policy
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from correspondence.intake.ingest import message_ingest
from correspondence.models import CasePage, Mailbox, Message, PoolPage, ResolutionType
from tests.support.smtp import SmtpServer

pytestmark = pytest.mark.django_db
CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "mail"


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 12), (0, 125, 126)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def operator(sinistri: PoolPage, make_operator: Callable[..., User]) -> User:
    user = make_operator("ola", sinistri)
    user.first_name, user.last_name = "Ola", "Nowak"
    user.save()
    user.profile.signature = "Ola Nowak\nUfficio Sinistri"
    user.profile.signature_image.save("ola.jpg", ContentFile(_jpeg()))
    return user


@pytest.fixture
def smtp_mailbox(folder_mailbox: Mailbox, smtp: SmtpServer) -> Mailbox:
    smtp.start()
    folder_mailbox.smtp_host, folder_mailbox.smtp_port = "127.0.0.1", smtp.port
    folder_mailbox.smtp_security = Mailbox.Security.NONE
    folder_mailbox.auto_reply = Mailbox.AutoReply.OFF
    folder_mailbox.save()
    return folder_mailbox


def _parsed(envelope: Any) -> email.message.EmailMessage:
    return email.message_from_bytes(envelope.content, policy=email.policy.default)


def test_an_operator_answers_and_closes(
    smtp_mailbox: Mailbox,
    smtp: SmtpServer,
    operator: User,
    eager: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    customer_mail = (CORPUS / "01-plain-utf8.eml").read_bytes()
    case = message_ingest(mailbox=smtp_mailbox, raw=customer_mail).case
    customer_id = Message.objects.get(case=case, kind="inbound").message_id
    client = Client()
    client.force_login(operator)

    response = client.post("/work/take-next/")
    assert response.status_code == 302 and response["Location"] == case.url
    page = client.get(case.url).content.decode()
    assert "Answer the customer" in page and case.customer_email in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/work/cases/{case.pk}/reply/",
            {
                "to": case.customer_email,
                "cc": "perito@example.it",
                "text": "Gentile cliente,\n\nabbiamo ricevuto la denuncia.",
                "attachments": SimpleUploadedFile(
                    "modulo.pdf", b"%PDF-1.4 demo", content_type="application/pdf"
                ),
            },
        )
    (envelope,) = smtp.envelopes
    sent = _parsed(envelope)
    assert case.number in sent["Subject"]
    assert sent["In-Reply-To"] == f"<{customer_id}>"
    assert f"<{customer_id}>" in sent["References"]
    assert set(envelope.rcpt_tos) == {case.customer_email, "perito@example.it"}
    assert "Ufficio Sinistri" in sent.get_body(("plain",)).get_content()
    assert 'src="cid:signature"' in sent.get_body(("html",)).get_content()
    parts = {part.get_filename(): part for part in sent.walk() if part.get_filename()}
    assert parts["signature.jpg"]["Content-ID"] == "<signature>"
    assert parts["modulo.pdf"].get_content() == b"%PDF-1.4 demo"
    assert CasePage.objects.get(pk=case.pk).first_reply_at is not None

    answer = (
        b"From: Giulia Ferri <giulia.ferri@example.it>\r\nTo: sinistri@assicura.example.it\r\n"
        b"Subject: Re: " + sent["Subject"].encode() + b"\r\n"
        b"In-Reply-To: " + sent["Message-ID"].encode() + b"\r\n"
        b"Message-ID: <risposta-1@example.it>\r\nDate: Wed, 04 Mar 2026 10:00:00 +0100\r\n\r\n"
        b"Grazie mille.\r\n"
    )
    assert message_ingest(mailbox=smtp_mailbox, raw=answer).case.pk == case.pk

    resolved = ResolutionType.objects.create(name="Risposta inviata")
    client.post(
        f"/work/cases/{case.pk}/close/",
        {"resolution_type": resolved.pk, "resolution_text": "Denuncia registrata."},
    )
    assert CasePage.objects.get(pk=case.pk).state == "closed"
    client.post(f"/work/cases/{case.pk}/reopen/")
    assert CasePage.objects.get(pk=case.pk).state == "taken"


def test_a_draft_survives_and_a_junior_cannot_send_alone(
    smtp_mailbox: Mailbox,
    operator: User,
    make_case: Callable[..., CasePage],
    sinistri: PoolPage,
    make_operator: Callable[..., User],
) -> None:
    case = make_case(sinistri, customer_email="cliente@example.it")
    client = Client()
    client.force_login(operator)
    client.post(f"/work/cases/{case.pk}/take/")
    saved = client.post(
        f"/work/cases/{case.pk}/draft/",
        {"to": "cliente@example.it", "cc": "", "text": "Bozza in corso"},
    )
    assert saved.status_code == 200
    assert "Bozza in corso" in client.get(case.url).content.decode()

    junior = make_operator("junior", sinistri)
    junior.profile.needs_approval = True
    junior.profile.save()
    other = make_case(sinistri, customer_email="cliente@example.it")
    client.force_login(junior)
    client.post(f"/work/cases/{other.pk}/take/")
    response = client.post(
        f"/work/cases/{other.pk}/reply/",
        {"to": "cliente@example.it", "text": "Risposta"},
        follow=True,
    )
    assert "approval" in response.content.decode()
    assert not Message.objects.filter(case=other, kind="outbound").exists()
