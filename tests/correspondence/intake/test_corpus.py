"""Every sample message in fixtures/mail understands, with the outcome listed for it.

One row per file (see fixtures/mail/README.md). A new real-world message that
broke intake goes into the corpus, anonymised, with its row here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from correspondence.intake.threads import case_numbers_in, thread_keys
from correspondence.intake.understand import understand

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / "fixtures" / "mail"
DEMO = ROOT / "fixtures" / "demo" / "mail"
ANY = object()


@dataclass(frozen=True)
class Expect:
    sender: str  # the real sender's address
    subject: str
    snippet: str = ""  # must appear in the text, charset-correct
    name: str | object = ANY  # the sender's decoded display name
    attachments: list[str] = field(default_factory=list)
    automatic: str | None = None  # substring of the automatic reason; None = human mail
    pec: tuple[str, str, str, str] | None = None  # kind, identificativo, msgid, certified time
    bounce_ids: list[str] | None = None
    cases: list[str] = field(default_factory=list)
    keys: list[str] | object = ANY  # thread_keys, newest first
    received: str | object | None = ANY  # ISO time, or None when unknown


OUR_REPLY = "20260305113000.reply.REC-2026-000007.1@assicura.example.it"
OUR_SUBJECT = "Re: [REC-2026-000007] Diffida e messa in mora"
SIN42_REPLY = "20260309075900.reply.SIN-2026-000042.2@assicura.example.it"


def _receipt(kind: str, time: str, seq: int) -> Expect:
    ident = f"opec210312.20260305{time.replace(':', '')}.{31000 + seq}.44.1.7@pec.example.it"
    return Expect(
        sender="posta-certificata@pec.example.it",
        subject=f"{_RECEIPT_PREFIX[kind]}: {OUR_SUBJECT}",
        attachments=ANY_ATTACHMENTS,
        automatic=f"PEC receipt: {kind}",
        pec=(kind, ident, OUR_REPLY, f"2026-03-05T{time}+01:00"),
        cases=["REC-2026-000007"],
    )


ANY_ATTACHMENTS: list[str] = ["*"]
_RECEIPT_PREFIX = {
    "accettazione": "ACCETTAZIONE",
    "non-accettazione": "AVVISO DI NON ACCETTAZIONE",
    "presa-in-carico": "PRESA IN CARICO",
    "avvenuta-consegna": "CONSEGNA",
    "errore-consegna": "AVVISO DI MANCATA CONSEGNA",
    "preavviso-errore-consegna": "AVVISO DI MANCATA CONSEGNA ENTRO 12 ORE",
    "rilevazione-virus": "PROBLEMA DI SICUREZZA",
}


def _reply(sender: str, subject: str, snippet: str, cases: list[str], keys: list[str]) -> Expect:
    return Expect(sender=sender, subject=subject, snippet=snippet, cases=cases, keys=keys)


GIULIA = "giulia.ferri@example.it"
EXPECTED: dict[str, Expect] = {
    "01-plain-utf8.eml": Expect(
        GIULIA,
        "Richiesta di informazioni sul sinistro del 12 febbraio",
        "a che punto è la pratica del sinistro avvenuto il 12 febbraio in via Po",
        name="Giulia Ferri",
        received="2026-03-02T09:14:07+01:00",
    ),
    "02-iso-8859-2-polish.eml": Expect(
        "pawel.wisniewski@example.pl",
        "Zgłoszenie szkody komunikacyjnej",
        "Zażółć gęślą jaźń.",
        name="Paweł Wiśniewski",
    ),
    "03-windows-1250-romanian.eml": Expect(
        "andrei.popescu@example.ro",
        "Confirmare plată factură",
        "vă rog să îmi confirmaţi primirea plăţii",
    ),
    "04-wrong-charset-us-ascii-cp1252.eml": Expect(
        "marco.esposito@example.it", "Rimborso franchigia", "la franchigia di 250 € è stata già"
    ),
    "05-wrong-charset-latin1-is-utf8.eml": Expect(
        "elena.dumitrescu@example.ro", "Reclamatie polita auto", "să depun o reclamaţie"
    ),
    "06-unknown-charset.eml": Expect(
        "katarzyna.nowak@example.pl", "Pytanie o fakture", "proszę o wyjaśnienie kwoty"
    ),
    "07-raw-8bit-headers.eml": Expect(
        "stefan.ionescu@example.ro",
        "Daună auto: cerere de despăgubire",
        "solicit despăgubirea",
        name="Ștefan Ionescu",
    ),
    "08-rfc2047-names.eml": Expect(
        "mario.rossi@example.it",
        "Sollecito \u2013 pratica n° 4512 ancora aperta",
        "sollecito una risposta",
        name="Rossi, Mario",
    ),
    "09-broken-rfc2047.eml": Expect(
        "jose.garcia@example.it",
        "Denuncia sinistro urgente =?utf-8?Q?unterminated",
        "Denuncia di sinistro urgente",
        name="José García",
    ),
    "10-html-only-script.eml": Expect(
        "luca.bianchi@example.it",
        "Reclamo per ritardo nel risarcimento",
        "presento reclamo per il ritardo nel risarcimento del danno.",
    ),
    "11-alternative.eml": Expect(
        "francesca.romano@example.it",
        "Invio numero di polizza",
        "il numero di polizza è 123-456-789",
    ),
    "12-related-inline-image.eml": Expect(
        "officina@example.it",
        "Foto del danno al paraurti",
        "foto del danno al paraurti anteriore",
        attachments=["foto_danno.png"],
    ),
    "13-mixed-pdf-rfc2231.eml": Expect(
        "alessandro.conti@example.it",
        "Denuncia sinistro con modulo CAI",
        "Allego la constatazione amichevole",
        attachments=[
            "constatazione_amichevole_è_firmata.pdf",
            "Pełnomocnictwo_kierowcy.pdf",
            "image-3.png",
        ],
    ),
    "14-forward-rfc822.eml": Expect(
        "roberta.galli@example.it",
        "Fwd: Comunicazione del perito",
        "Vi inoltro la mail del perito",
        attachments=["Comunicazione del perito_ stima del danno.eml"],
    ),
    "15-calendar-invite.eml": Expect(
        "perito@example.it",
        "Invito: sopralluogo veicolo 20 marzo",
        "Sopralluogo del veicolo il 20 marzo",
        attachments=["invite.ics"],
    ),
    "16-tnef-winmail.eml": Expect(
        "info@carrozzeria.example.it",
        "Preventivo riparazione",
        "In allegato il preventivo",
        attachments=["preventivo_carrozzeria.pdf", "nota.txt"],
    ),
    "17-pec-posta-certificata.eml": Expect(
        "avv.bianchi@pec.example.it",
        "Diffida e messa in mora - sinistro SIN-2026-000042",
        "Vi diffido a liquidare il danno entro quindici giorni",
        name="Avv. Carlo Bianchi",
        attachments=["diffida.pdf"],
        pec=(
            "posta-certificata",
            "opec210312.20260303101522.04567.123.1.45@pec.example.it",
            "A1B2C3D4.5060708@pec.example.it",
            "2026-03-03T10:15:22+01:00",
        ),
        cases=["SIN-2026-000042"],
        received="2026-03-03T10:15:22+01:00",
    ),
    "18-pec-anomalia.eml": Expect(
        "sara.colombo@example.it",
        "Reclamo per disdetta non registrata",
        "mi è stato addebitato il rinnovo",
        pec=("errore", "", "anomalia-orig.0304@example.it", ""),
        received="2026-03-04T08:40:12+01:00",
    ),
    "19-pec-accettazione.eml": _receipt("accettazione", "11:30:02", 0),
    "20-pec-non-accettazione.eml": _receipt("non-accettazione", "11:30:03", 1),
    "21-pec-presa-in-carico.eml": _receipt("presa-in-carico", "11:30:05", 2),
    "22-pec-avvenuta-consegna.eml": _receipt("avvenuta-consegna", "11:30:09", 3),
    "23-pec-errore-consegna.eml": _receipt("errore-consegna", "11:30:10", 4),
    "24-pec-preavviso-errore-consegna.eml": _receipt("preavviso-errore-consegna", "23:30:01", 5),
    "25-pec-rilevazione-virus.eml": _receipt("rilevazione-virus", "11:30:11", 6),
    "26-bounce-dsn.eml": Expect(
        "mailer-daemon@mx.assicura.example.it",
        "Undelivered Mail Returned to Sender",
        "your message could not",
        attachments=ANY_ATTACHMENTS,
        automatic="Auto-Submitted: auto-replied",
        bounce_ids=["20260306085959.reply.SIN-2026-000042.3@assicura.example.it"],
    ),
    "27-bounce-qmail.eml": Expect(
        "mailer-daemon@mail.example.pl",
        "failure notice",
        "qmail-send program",
        automatic="sent by mailer-daemon",
        bounce_ids=["20260306101240.reply.PAG-2026-000107.1@assicura.example.it"],
    ),
    "28-ooo-auto-submitted.eml": Expect(
        "giovanni.ricci@example.it",
        "Fuori sede: Re: [SIN-2026-000042] Documenti mancanti",
        "Sono fuori sede fino al 16 marzo",
        automatic="Auto-Submitted: auto-replied",
        cases=["SIN-2026-000042"],
        keys=[SIN42_REPLY],
    ),
    "29-ooo-exchange.eml": Expect(
        "anna.lombardi@example.it",
        "Risposta automatica: [PAG-2026-000110] Variazione IBAN",
        "Sarò assente dall'ufficio fino a lunedì",
        automatic="X-Auto-Response-Suppress: All",
        cases=["PAG-2026-000110"],
    ),
    "30-ooo-x-autoreply.eml": Expect(
        "mihai.georgescu@example.ro",
        "Răspuns automat: Dosar daună",
        "Sunt în concediu până pe 20 martie.",
        automatic="auto-reply header (x-autoreply)",
    ),
    "31-mailing-list.eml": Expect(
        "notizie@lists.example.it",
        "[assicurazioni-news] Nuove tabelle per il danno biologico",
        "danno biologico di lieve entità",
        automatic="mailing list (list-id)",
    ),
    "32-bulk-precedence.eml": Expect(
        "promo@example.pl",
        "Promocja: tonery do drukarek -30%",
        "tonery do drukarek taniej",
        automatic="Precedence: bulk",
    ),
    "33-reply-re.eml": _reply(
        GIULIA,
        "Re: [SIN-2026-000042] Richiesta documenti",
        "Ecco i documenti",
        ["SIN-2026-000042"],
        [SIN42_REPLY],
    ),
    "34-reply-r.eml": _reply(
        GIULIA,
        "R: [SIN-2026-000042] Richiesta documenti",
        "libretto",
        ["SIN-2026-000042"],
        [SIN42_REPLY],
    ),
    "35-reply-rif.eml": _reply(
        "marco.esposito@example.it",
        "RIF: SIN-2026-000042 perizia",
        "chiedo la perizia",
        ["SIN-2026-000042"],
        [],
    ),
    "36-forward-i.eml": _reply(
        "marco.esposito@example.it",
        "I: [PAG-2026-000107] Rimborso",
        "comunicazione della banca",
        ["PAG-2026-000107"],
        [],
    ),
    "37-forward-fwd.eml": _reply(
        GIULIA, "Fwd: Fw: [SIN-2026-000042] Foto", "le foto", ["SIN-2026-000042"], []
    ),
    "38-forward-tr.eml": _reply(
        "claire.martin@example.it",
        "TR: [REC-2026-000007] Réclamation",
        "Je vous transfère ma réclamation.",
        ["REC-2026-000007"],
        [],
    ),
    "39-reply-aw.eml": _reply(
        "hans.weber@example.it",
        "AW: WG: [SIN-2026-000042] Schadenmeldung",
        "Anbei die Unterlagen.",
        ["SIN-2026-000042"],
        [SIN42_REPLY],
    ),
    "40-reply-sv.eml": _reply(
        "erik.larsen@example.it",
        "SV: [PAG-2026-000110] Betalning",
        "betalningen är gjord",
        ["PAG-2026-000110"],
        [],
    ),
    "41-reply-vs.eml": _reply(
        "erik.larsen@example.it",
        "VS: [PAG-2026-000110] Maksu",
        "Välitän viestin.",
        ["PAG-2026-000110"],
        [],
    ),
    "42-reply-odp.eml": _reply(
        "pawel.wisniewski@example.pl",
        "Odp: [SIN-2026-000043] Zgłoszenie szkody",
        "Dziękuję, przesyłam zdjęcia.",
        ["SIN-2026-000043"],
        ["20260310100000.reply.SIN-2026-000043.1@assicura.example.it"],
    ),
    "43-forward-pd.eml": _reply(
        "katarzyna.nowak@example.pl",
        "PD: [SIN-2026-000043] Zdjęcia",
        "Przesyłam dalej.",
        ["SIN-2026-000043"],
        [],
    ),
    "44-reply-raspuns.eml": _reply(
        "andrei.popescu@example.ro",
        "Răspuns: [PAG-2026-000015] Confirmare plată",
        "Mulțumesc pentru confirmare.",
        ["PAG-2026-000015"],
        ["20260311120000.reply.PAG-2026-000015.1@assicura.example.it"],
    ),
    "45-reply-re-re.eml": _reply(
        GIULIA,
        "RE: RE: Re[2]: [sin-2026-000042] Richiesta documenti",
        "manca solo la firma",
        ["SIN-2026-000042"],
        [
            "20260309100000.reply.SIN-2026-000042.4@assicura.example.it",
            SIN42_REPLY,
            "20260302091407.4f2a@example.it",
        ],
    ),
    "46-reply-header-only.eml": _reply(
        GIULIA,
        "Re: Richiesta di informazioni sul sinistro del 12 febbraio",
        "attendo notizie",
        [],
        [
            "20260302101500.reply.SIN-2026-000042.1@assicura.example.it",
            "20260302091407.4f2a@example.it",
        ],
    ),
    "47-no-message-id.eml": Expect("laura.gallo@example.it", "Bonifico effettuato", "bonifico"),
    "48-no-date.eml": Expect(
        "piotr.zielinski@example.pl",
        "Szkoda bez daty",
        "Wiadomość bez nagłówka daty.",
        received=None,
    ),
    "49-empty-body.eml": Expect("davide.marino@example.it", "", ""),
    "50-huge-line.eml": Expect(
        "perizie@example.it", "Elenco danni esportato", "paraurti, faro, cofano, parafango;"
    ),
}


def test_every_corpus_file_has_a_row() -> None:
    assert sorted(p.name for p in CORPUS.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message(name: str) -> None:
    expect = EXPECTED[name]
    understood = understand((CORPUS / name).read_bytes())
    msg = understood.message
    assert understood.sender is not None
    assert understood.sender.address == expect.sender
    if expect.name is not ANY:
        assert understood.sender.name == expect.name
    assert msg.subject == expect.subject
    assert expect.snippet in msg.text
    if expect.attachments != ANY_ATTACHMENTS:
        assert [a.filename for a in msg.attachments] == expect.attachments
    assert understood.automatic == expect.automatic or (
        expect.automatic is not None and expect.automatic in (understood.automatic or "")
    )
    assert case_numbers_in(msg.subject) == expect.cases
    if expect.keys is not ANY:
        assert thread_keys(msg) == expect.keys
    if expect.received is not ANY:
        received = understood.received_at.isoformat() if understood.received_at else None
        assert received == expect.received
    _check_pec(understood.pec, expect.pec)
    if expect.bounce_ids is None:
        assert understood.bounce is None
    else:
        assert understood.bounce is not None
        assert understood.bounce.original_message_ids == expect.bounce_ids


def _check_pec(pec: object, expected: tuple[str, str, str, str] | None) -> None:
    if expected is None:
        assert pec is None
        return
    from correspondence.intake.pec import PecEnvelope

    assert isinstance(pec, PecEnvelope)
    kind, identificativo, msgid, certified = expected
    assert pec.info.kind.value == kind
    assert pec.info.identificativo == identificativo
    assert pec.info.msgid == msgid
    at = pec.info.certified_at
    assert (at.isoformat() if isinstance(at, datetime) else "") == certified


def test_forwarded_message_text_is_not_merged_into_the_body() -> None:
    msg = understand((CORPUS / "14-forward-rfc822.eml").read_bytes()).message
    assert "1.200 euro" not in msg.text
    assert b"1.200 euro" in msg.attachments[0].content


def test_html_only_message_is_sanitised() -> None:
    msg = understand((CORPUS / "10-html-only-script.eml").read_bytes()).message
    for dangerous in ("<script", "onclick", "onload", "javascript:", "<iframe", "position"):
        assert dangerous not in msg.html
    assert 'href="https://www.example.it/pratica"' in msg.html
    assert "document.cookie" not in msg.text


def test_inline_image_keeps_its_cid_reference() -> None:
    msg = understand((CORPUS / "12-related-inline-image.eml").read_bytes()).message
    image = msg.attachments[0]
    assert image.inline and image.content_id == "foto-danno@officina.example.it"
    assert image.content.startswith(b"\x89PNG")
    assert 'src="cid:foto-danno@officina.example.it"' in msg.html


def test_tnef_attachments_are_extracted() -> None:
    msg = understand((CORPUS / "16-tnef-winmail.eml").read_bytes()).message
    pdf, note = msg.attachments
    assert pdf.content.startswith(b"%PDF-") and pdf.content_type == "application/pdf"
    assert note.content == b"Telaio da verificare.\r\n"


def test_pec_envelope_keeps_evidence_and_routes_by_certified_recipient() -> None:
    understood = understand((CORPUS / "17-pec-posta-certificata.eml").read_bytes())
    assert understood.envelope is not None
    assert understood.envelope.subject.startswith("POSTA CERTIFICATA:")
    assert understood.pec is not None and understood.pec.signature
    assert understood.pec.daticert_xml and b"<postacert" in understood.pec.daticert_xml
    assert understood.recipients == ["reclami@pec.assicura.example.it"]
    assert "Messaggio di posta certificata" not in understood.message.text


def test_message_without_message_id_or_date() -> None:
    assert understand((CORPUS / "47-no-message-id.eml").read_bytes()).message.message_id == ""
    assert understand((CORPUS / "48-no-date.eml").read_bytes()).message.date is None


@pytest.mark.parametrize(
    "path", sorted(DEMO.glob("*/*.eml")), ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_demo_message_understands_as_human_mail(path: Path) -> None:
    understood = understand(path.read_bytes())
    assert understood.sender is not None and understood.automatic is None
    assert understood.message.subject and understood.message.text
    assert understood.received_at is not None
