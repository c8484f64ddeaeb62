"""PEC certification is verified, never assumed (issue 13, DESIGN decision 6).

A fake provider (CA and signing certificate made with ``cryptography`` in
tests/support/pec_signing.py) signs corpus envelopes as real providers do.
"""

import base64
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from correspondence.intake.smime import ABSENT, INVALID, VALID, verify_message
from correspondence.intake.understand import understand
from correspondence.models import CasePage, Mailbox, Message, PecTrustedCertificate
from correspondence.services.pec_trust import pec_trust_import
from tests.support.pec_signing import ca_pem, envelope_signed, provider_ca, stranger_signer

MAIL = Path(__file__).resolve().parents[3] / "fixtures" / "mail"
ENVELOPE = (MAIL / "17-pec-posta-certificata.eml").read_bytes()
RECEIPT = (MAIL / "19-pec-accettazione.eml").read_bytes()
SIGNER = "CN=posta-certificata@pec.example.it,O=Gestore PEC di Esempio S.p.A.,C=IT"


def _forged_daticert_in_plain_mail() -> bytes:
    """An ordinary e-mail carrying a hand-made daticert.xml (no provider signature)."""
    daticert = ENVELOPE.split(b"<?xml", 1)[1].split(b"</postacert>", 1)[0]
    xml = b"<?xml" + daticert + b"</postacert>"
    return (
        b"From: avv.bianchi@pec.example.it\r\nTo: sinistri@assicura.example.it\r\n"
        b"Subject: Diffida\r\nMessage-ID: <forged@example.it>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="f"\r\n\r\n--f\r\n'
        b"Content-Type: text/plain\r\n\r\nDiffida certificata.\r\n--f\r\n"
        b'Content-Type: application/xml; name="daticert.xml"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(xml) + b"--f--\r\n"
    )


def test_a_provider_signed_envelope_is_valid_with_its_signer() -> None:
    check = understand(envelope_signed(ENVELOPE)).signature
    assert check is not None and check.status == VALID and check.signer == SIGNER


def test_a_signed_receipt_is_valid() -> None:
    check = understand(envelope_signed(RECEIPT)).signature
    assert check is not None and check.status == VALID


def test_a_tampered_envelope_is_invalid() -> None:
    signed = envelope_signed(ENVELOPE)
    tampered = signed.replace(b"<ora>10:15:22</ora>", b"<ora>09:15:22</ora>")
    assert tampered != signed
    check = verify_message(tampered)
    assert check.status == INVALID and "changed" in check.reason


def test_the_corpus_stand_in_signature_is_invalid_and_plain_mail_absent() -> None:
    assert verify_message(ENVELOPE).status == INVALID
    assert verify_message((MAIL / "01-plain-utf8.eml").read_bytes()).status == ABSENT


def test_a_forged_daticert_in_plain_mail_has_no_signature() -> None:
    understood = understand(_forged_daticert_in_plain_mail())
    assert understood.pec is not None  # it looks like PEC...
    assert understood.signature is not None and understood.signature.status == ABSENT


def test_a_forger_signature_is_valid_but_its_signer_is_not_trusted() -> None:
    from correspondence.intake.trust import signer_trusted

    check = understand(envelope_signed(ENVELOPE, stranger_signer())).signature
    assert check is not None and check.status == VALID
    assert not signer_trusted(check.certificate_pem, [provider_ca()[0]])
    ours = understand(envelope_signed(ENVELOPE)).signature
    assert ours is not None and signer_trusted(ours.certificate_pem, [provider_ca()[0]])


@pytest.mark.django_db
def test_ingest_eml_reports_signature_and_signer(folder_mailbox: Mailbox, tmp_path: Path) -> None:
    pec_trust_import(data=ca_pem(), source="agid.pem")  # else the chain is untrusted
    (tmp_path / "a-signed.eml").write_bytes(envelope_signed(ENVELOPE))
    (tmp_path / "b-unsigned.eml").write_bytes(RECEIPT)
    (tmp_path / "c-forged.eml").write_bytes(_forged_daticert_in_plain_mail())
    out = StringIO()
    call_command("ingest_eml", "--mailbox", "sinistri", str(tmp_path), stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["pec"]["signature"] for line in lines] == [VALID, INVALID, ABSENT]
    assert [line["pec"]["signer"] for line in lines] == [SIGNER, None, None]


@pytest.mark.django_db
def test_trust_list_import_from_pem_and_agid_xml() -> None:
    assert pec_trust_import(data=ca_pem(), source="bundle.pem") == 1
    assert pec_trust_import(data=ca_pem() + ca_pem(), source="again.pem") == 0
    der = provider_ca()[0].public_bytes(
        __import__("cryptography").hazmat.primitives.serialization.Encoding.DER
    )
    xml = (
        b'<?xml version="1.0"?><TrustServiceStatusList xmlns="http://uri.etsi.org/02231/v2#">'
        b"<DigitalId><X509Certificate>" + base64.b64encode(der) + b"</X509Certificate>"
        b"</DigitalId></TrustServiceStatusList>"
    )
    PecTrustedCertificate.objects.all().delete()
    assert pec_trust_import(data=xml, source="agid.xml") == 1
    with pytest.raises(ValueError):
        pec_trust_import(data=b"not a certificate", source="junk.txt")


@pytest.mark.django_db
def test_the_case_says_certified_only_for_a_valid_trusted_signature(
    folder_mailbox: Mailbox, tmp_path: Path, make_operator: Callable, client: Client
) -> None:
    pec_trust_import(data=ca_pem(), source="agid.pem")
    files = {
        "signed.eml": envelope_signed(ENVELOPE),
        "forger.eml": envelope_signed(
            ENVELOPE.replace(b"A1B2C3D4", b"F0F0F0F0"), stranger_signer()
        ),
        "unsigned.eml": ENVELOPE.replace(b"A1B2C3D4", b"E0E0E0E0"),
    }
    for name, raw in files.items():
        (tmp_path / name).write_bytes(raw)
    call_command("ingest_eml", "--mailbox", "sinistri", str(tmp_path), stdout=StringIO())
    operator = make_operator("anna", folder_mailbox.pool)
    client.force_login(operator)
    pages = {}
    for message in Message.objects.filter(kind=Message.Kind.INBOUND).select_related("case"):
        case = CasePage.objects.get(pk=message.case_id)
        signer = {SIGNER: "provider", None: "unsigned"}.get(message.pec["signer"], "forger")
        pages[signer] = (message.pec["signature"], client.get(case.url).content.decode())
    assert pages["provider"][0] == "valid" and "unverified PEC" not in pages["provider"][1]
    assert "certified" in pages["provider"][1]
    # A forger's signature is sound, but its chain is not on the trust list: invalid.
    assert pages["forger"][0] == "invalid" and "not on the trust list" in pages["forger"][1]
    assert "unverified PEC" in pages["forger"][1]
    assert pages["unsigned"][0] == "invalid" and "not valid" in pages["unsigned"][1]


@pytest.mark.django_db
def test_an_administrator_imports_the_trust_list_in_the_admin(
    client: Client, django_user_model: type
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    admin = django_user_model.objects.create_superuser("root", "root@example.it", "pw")
    client.force_login(admin)
    url = reverse("correspondence_pec_trust")
    upload = SimpleUploadedFile("agid.pem", ca_pem(), content_type="application/x-pem-file")
    response = client.post(url, {"trust_list": upload}, follow=True)
    assert response.status_code == 200
    assert "Esempio PEC CA" in response.content.decode()
    assert PecTrustedCertificate.objects.count() == 1
    junk = SimpleUploadedFile("junk.txt", b"hello", content_type="text/plain")
    response = client.post(url, {"trust_list": junk}, follow=True)
    assert "not imported" in response.content.decode()
    assert PecTrustedCertificate.objects.count() == 1


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
@pytest.mark.parametrize("mode", [["-stream"], ["-stream", "-nodetach"], []])
def test_envelopes_signed_by_openssl_as_providers_do_verify(tmp_path: Path, mode: list) -> None:
    """OpenSSL streams BER with indefinite lengths; detached and opaque both verify."""
    from cryptography.hazmat.primitives import serialization

    from tests.support.pec_signing import provider_signer

    cert, key = provider_signer()
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    plain = (MAIL / "01-plain-utf8.eml").read_bytes()
    body = re.split(rb"\r?\n\r?\n", plain, maxsplit=1)[1]
    (tmp_path / "content.eml").write_bytes(
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + body
    )
    subprocess.run(
        [
            "openssl",
            "smime",
            "-sign",
            *mode,
            "-in",
            "content.eml",
            "-signer",
            "cert.pem",
            "-inkey",
            "key.pem",
            "-out",
            "signed.eml",
        ],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    signed = b"From: posta-certificata@pec.example.it\r\n" + (tmp_path / "signed.eml").read_bytes()
    check = verify_message(signed)
    assert check.status == VALID and check.signer == SIGNER
    if "-nodetach" not in mode:  # opaque content is inside the signature, base64
        assert verify_message(signed.replace(b"Buongiorno", b"Buonasera")).status == INVALID
