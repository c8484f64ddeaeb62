"""A seeded generator of realistic inbound mail, written once as .eml files for both systems.

Plain, HTML-only, alternative and mixed messages with attachments, in Italian, Polish and
Romanian, UTF-8 or ISO-8859-2; about a third are replies (In-Reply-To and References to
an earlier message of the set); a few are PEC envelopes and PEC receipts built from the
project's sample messages. Every body uses quoted-printable or base64, so each file is
ASCII, as mail on the wire mostly is. The same seed always gives the same bytes.
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mail"
OUR_ADDRESS = "bench@assicura.example.it"
TEXTS = {
    "it": (
        ["Richiesta di rimborso", "Denuncia sinistro", "Documenti mancanti", "Disdetta polizza"],
        "Buongiorno, vi scrivo per la pratica in oggetto. Allego la documentazione "
        "richiesta e resto in attesa di un vostro cortese riscontro. Perché è urgente, "
        "vi prego di rispondere entro la settimana. Cordiali saluti.",
        ["Giulia Rossi", "Marco Bianchi", "Francesca Esposito", "Luca Ricci"],
    ),
    "pl": (
        ["Prośba o zwrot", "Zgłoszenie szkody", "Brakujące dokumenty", "Wypowiedzenie umowy"],
        "Dzień dobry, piszę w sprawie zgłoszenia. Załączam żądane dokumenty i czekam na "
        "odpowiedź. Sprawa jest pilna, proszę o kontakt w tym tygodniu. Z poważaniem.",
        ["Łukasz Żółkiewski", "Małgorzata Wiśniewska", "Paweł Kowalczyk", "Zofia Dąbrowska"],
    ),
    "ro": (
        ["Cerere de rambursare", "Declarație de daună", "Documente lipsă", "Reziliere poliță"],
        "Bună ziua, vă scriu în legătură cu dosarul meu. Atașez documentele cerute și aștept "
        "răspunsul dumneavoastră. Este urgent, vă rog să răspundeți săptămâna aceasta.",
        ["Ioana Popescu", "Mihai Ionescu", "Ștefan Dumitrescu", "Elena Constantinescu"],
    ),
}


@dataclass(frozen=True)
class GeneratedMessage:
    """One file of the set: its name, bytes, Message-ID and the Message-ID it answers."""

    name: str
    raw: bytes
    message_id: str
    kind: str  # original | reply | pec | receipt
    answers: str = ""


def _address(name: str, rng: random.Random) -> str:
    local = name.lower().replace(" ", ".").encode("ascii", "ignore").decode() or "cliente"
    return f"{local}{rng.randint(1, 999)}@example.{rng.choice(['it', 'pl', 'ro', 'com'])}"


def _charset(lang: str, text: str, rng: random.Random) -> str:
    if lang in ("pl", "ro") and rng.random() < 0.5:
        try:
            text.encode("iso-8859-2")
            return "iso-8859-2"
        except UnicodeEncodeError:
            return "utf-8"
    return "utf-8"


def _body_set(msg: EmailMessage, text: str, shape: str, charset: str, rng: random.Random) -> None:
    cte = rng.choice(["quoted-printable", "base64"])
    html = f"<html><body><p>{text}</p><p><b>{text[:40]}</b></p></body></html>"
    if shape == "html":
        msg.set_content(html, subtype="html", charset=charset, cte=cte)
        return
    msg.set_content(text, charset=charset, cte=cte)
    if shape in ("alternative", "mixed"):
        msg.add_alternative(html, subtype="html", charset=charset, cte=cte)
    if shape == "mixed":
        payload = rng.randbytes(rng.randint(2_000, 20_000))
        msg.add_attachment(
            b"%PDF-1.4\n" + payload, maintype="application", subtype="pdf", filename="doc.pdf"
        )


def _plain_message(
    rng: random.Random, when: datetime, sender: tuple[str, str], lang: str, subject: str
) -> EmailMessage:
    _subjects, text, _names = TEXTS[lang]
    msg = EmailMessage()
    msg["From"] = f"{sender[0]} <{sender[1]}>"
    msg["To"] = OUR_ADDRESS
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<{when:%Y%m%d%H%M%S}.{rng.getrandbits(64):016x}@example.net>"
    body = f"{text}\n\n{rng.getrandbits(64):x}"
    shape = rng.choice(["plain", "plain", "html", "alternative", "mixed"])
    _body_set(msg, body, shape, _charset(lang, body, rng), rng)
    for part in msg.walk():
        if part.is_multipart():  # the default boundary is random: the seed decides instead
            part.set_boundary(f"=_bench_{rng.getrandbits(64):016x}")
    return msg


def _pec_message(index: int, template: str) -> tuple[bytes, str]:
    """A PEC envelope or receipt from the sample, its identifiers made unique."""
    raw = (FIXTURES / template).read_text(encoding="ascii")
    unique = f"bench{index:07d}"
    for number, old in enumerate(
        (
            "opec210312.20260303101522.04567.123.1.45",
            "A1B2C3D4.5060708",
            "opec210312.20260305113002.31000.44.1.7",
            "20260305113000.reply.REC-2026-000007.1",
        ),
    ):
        raw = raw.replace(old, f"{unique}.{number}")
    raw = raw.replace("SIN-2026-000042", f"pratica {unique}")
    raw = raw.replace("REC-2026-000007", f"pratica {unique}")
    return raw.replace("\r\n", "\n").replace("\n", "\r\n").encode("ascii"), unique


def messages_generate(*, count: int, seed: int) -> list[GeneratedMessage]:
    """The set of `count` messages for `seed`: same seed, same bytes."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    originals: list[tuple[str, str, tuple[str, str], str]] = []  # id, subject, sender, lang
    out: list[GeneratedMessage] = []
    for index in range(count):
        when = start + timedelta(minutes=7 * index)
        roll = rng.random()
        name = f"{index:07d}.eml"
        if roll < 0.04:
            raw, unique = _pec_message(index, "17-pec-posta-certificata.eml")
            out.append(GeneratedMessage(name, raw, unique, "pec"))
        elif roll < 0.06:
            raw, unique = _pec_message(index, "19-pec-accettazione.eml")
            out.append(GeneratedMessage(name, raw, unique, "receipt"))
        elif roll < 0.39 and originals:
            answered, subject, sender, lang = rng.choice(originals[-300:])
            msg = _plain_message(rng, when, sender, lang, f"Re: {subject}")
            msg["In-Reply-To"] = answered
            msg["References"] = answered
            out.append(GeneratedMessage(name, bytes(msg), msg["Message-ID"], "reply", answered))
        else:
            lang = rng.choice(list(TEXTS))
            subjects, _text, names = TEXTS[lang]
            person = rng.choice(names)
            sender = (person, _address(person, rng))
            subject = f"{rng.choice(subjects)} {rng.randint(1000, 99999)}"
            msg = _plain_message(rng, when, sender, lang, subject)
            originals.append((msg["Message-ID"], subject, sender, lang))
            out.append(GeneratedMessage(name, bytes(msg), msg["Message-ID"], "original"))
    return out


def messages_write(messages: list[GeneratedMessage], folder: Path) -> None:
    """Writes each message as <folder>/<name>, replacing what the folder held."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.eml"):
        old.unlink()
    for message in messages:
        (folder / message.name).write_bytes(message.raw.replace(b"\r\n", b"\n"))
