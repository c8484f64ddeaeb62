"""PEC envelopes and receipts: certified facts come from daticert.xml."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from correspondence.intake.pec import PecKind, read_pec

CORPUS = Path(__file__).resolve().parents[3] / "fixtures" / "mail"


def _read(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def test_ordinary_mail_is_not_pec() -> None:
    assert read_pec(_read("01-plain-utf8.eml")) is None
    assert read_pec(_read("26-bounce-dsn.eml")) is None


def test_transport_envelope_gives_certified_facts_and_the_original() -> None:
    envelope = read_pec(_read("17-pec-posta-certificata.eml"))
    assert envelope is not None
    info = envelope.info
    assert info.kind is PecKind.POSTA_CERTIFICATA and not info.is_receipt
    assert info.sender == "avv.bianchi@pec.example.it"
    assert info.recipients == ["reclami@pec.assicura.example.it"]
    assert info.certified_at == datetime(
        2026, 3, 3, 10, 15, 22, tzinfo=timezone(timedelta(hours=1))
    )
    assert info.gestore == "Gestore PEC di Esempio S.p.A."
    assert info.subject == "Diffida e messa in mora - sinistro SIN-2026-000042"
    assert envelope.inner is not None
    assert b"Message-ID: <A1B2C3D4.5060708@pec.example.it>" in envelope.inner
    assert envelope.signature is not None and envelope.daticert_xml is not None
    assert "Messaggio di posta certificata" in envelope.text


def test_anomaly_envelope_without_daticert_uses_headers() -> None:
    envelope = read_pec(_read("18-pec-anomalia.eml"))
    assert envelope is not None
    assert envelope.info.kind is PecKind.ANOMALIA and not envelope.info.is_receipt
    assert envelope.info.sender == "sara.colombo@example.it"  # "Per conto di:" in From
    assert envelope.info.subject == "Reclamo per disdetta non registrata"
    assert envelope.inner is not None and envelope.daticert_xml is None


@pytest.mark.parametrize(
    ("name", "kind", "error"),
    [
        ("19-pec-accettazione.eml", PecKind.ACCETTAZIONE, ""),
        ("20-pec-non-accettazione.eml", PecKind.NON_ACCETTAZIONE, "dimensione massima"),
        ("21-pec-presa-in-carico.eml", PecKind.PRESA_IN_CARICO, ""),
        ("22-pec-avvenuta-consegna.eml", PecKind.AVVENUTA_CONSEGNA, ""),
        ("23-pec-errore-consegna.eml", PecKind.ERRORE_CONSEGNA, "5.1.1"),
        ("24-pec-preavviso-errore-consegna.eml", PecKind.PREAVVISO_ERRORE_CONSEGNA, "4.4.7"),
        ("25-pec-rilevazione-virus.eml", PecKind.RILEVAZIONE_VIRUS, "EICAR"),
    ],
)
def test_receipts_point_at_the_message_we_sent(name: str, kind: PecKind, error: str) -> None:
    envelope = read_pec(_read(name))
    assert envelope is not None
    info = envelope.info
    assert info.kind is kind and info.is_receipt
    assert info.msgid == "20260305113000.reply.REC-2026-000007.1@assicura.example.it"
    assert info.references == [info.msgid]
    assert info.sender == "reclami@pec.assicura.example.it"
    assert error in info.error if error else info.error == ""


def test_complete_delivery_receipt_carries_the_original() -> None:
    envelope = read_pec(_read("22-pec-avvenuta-consegna.eml"))
    assert envelope is not None
    assert envelope.info.receipt_type == "completa"
    assert envelope.info.delivered_to == "avv.bianchi@pec.example.it"
    assert envelope.inner is not None and b"REC-2026-000007" in envelope.inner


def _receipt(daticert: str, header: str = "X-Ricevuta: accettazione") -> bytes:
    return (
        "From: posta-certificata@pec.example.it\r\n"
        f"{header}\r\n"
        "Subject: ACCETTAZIONE: prova\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nRicevuta\r\n"
        '--b\r\nContent-Type: application/xml; name="daticert.xml"\r\n\r\n'
        f"{daticert}\r\n--b--\r\n"
    ).encode()


def test_daticert_without_zone_is_read_as_italian_time() -> None:
    xml = (
        '<postacert tipo="accettazione" errore="nessuno"><dati><data>'
        "<giorno>15/07/2026</giorno><ora>09:00:00</ora></data>"
        "<msgid>&lt;x@example.it&gt;</msgid></dati></postacert>"
    )
    envelope = read_pec(_receipt(xml))
    assert envelope is not None
    assert envelope.info.certified_at == datetime(
        2026, 7, 15, 9, 0, tzinfo=timezone(timedelta(hours=2))
    )
    assert envelope.info.msgid == "x@example.it"


def test_daticert_alone_identifies_pec_and_hostile_xml_is_ignored() -> None:
    plain = _receipt('<postacert tipo="presa-in-carico" errore="nessuno"/>', "X-Other: 1")
    envelope = read_pec(plain)
    assert envelope is not None and envelope.info.kind is PecKind.PRESA_IN_CARICO
    bomb = '<!DOCTYPE x [<!ENTITY a "aaaa">]><postacert tipo="accettazione">&a;</postacert>'
    assert read_pec(_receipt(bomb, "X-Other: 1")) is None
    broken = read_pec(_receipt("<postacert tipo=", "X-Ricevuta: avvenuta-consegna"))
    assert broken is not None and broken.info.kind is PecKind.AVVENUTA_CONSEGNA
