"""Italian PEC (Posta Elettronica Certificata): recognise and unwrap envelopes and receipts.

Pure: bytes in, values out. The rules are those of DPR 68/2005 and the
technical rules of DM 2 novembre 2005 (RFC 6109 describes them in English):
a transport envelope (``X-Trasporto: posta-certificata``) or an anomaly
envelope (``X-Trasporto: errore``) wraps the sender's message as
``postacert.eml``; a receipt carries ``X-Ricevuta``. Both carry ``daticert.xml``,
the certified data, which wins over anything the visible headers say.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.message import Message
from enum import StrEnum

import defusedxml.ElementTree as defused
from defusedxml import DefusedXmlException

from correspondence.intake.decoding import decode_bytes, decode_words, normalise_space
from correspondence.intake.mime import message_bytes, message_ids


class PecKind(StrEnum):
    """What a PEC message is: the values of ``X-Trasporto`` / ``X-Ricevuta`` / daticert tipo."""

    POSTA_CERTIFICATA = "posta-certificata"
    ANOMALIA = "errore"
    ACCETTAZIONE = "accettazione"
    NON_ACCETTAZIONE = "non-accettazione"
    PRESA_IN_CARICO = "presa-in-carico"
    AVVENUTA_CONSEGNA = "avvenuta-consegna"
    ERRORE_CONSEGNA = "errore-consegna"
    PREAVVISO_ERRORE_CONSEGNA = "preavviso-errore-consegna"
    RILEVAZIONE_VIRUS = "rilevazione-virus"


TRANSPORT_KINDS = frozenset({PecKind.POSTA_CERTIFICATA, PecKind.ANOMALIA})


@dataclass(frozen=True)
class PecInfo:
    """The certified facts of a PEC message, from daticert.xml with header fallbacks."""

    kind: PecKind
    is_receipt: bool
    identificativo: str
    msgid: str
    sender: str
    recipients: list[str]
    certified_at: datetime | None
    subject: str
    gestore: str
    error: str
    references: list[str]
    delivered_to: str = ""  # daticert <consegna>: whose mailbox a receipt is about
    receipt_type: str = ""  # daticert <ricevuta tipo>: completa, breve or sintetica
    error_code: str = ""  # daticert errore attribute when not "nessuno"
    security_error: bool = False  # X-VerificaSicurezza: errore (signature check failed)


@dataclass(frozen=True)
class PecEnvelope:
    """A PEC message taken apart: facts, the wrapped message, the certificate parts."""

    info: PecInfo
    inner: bytes | None
    daticert_xml: bytes | None
    signature: bytes | None
    text: str = field(default="", compare=False)  # the provider's human-readable text


_SIGNATURE_TYPES = frozenset({"application/pkcs7-signature", "application/x-pkcs7-signature"})
_MESSAGE_TYPES = frozenset({"message/rfc822", "message/global"})
# Subject prefixes providers put on envelopes and receipts (regole tecniche, allegato).
_SUBJECT_PREFIX_RE = re.compile(
    r"^(POSTA CERTIFICATA|ANOMALIA MESSAGGIO|ACCETTAZIONE|AVVISO DI NON ACCETTAZIONE"
    r"(?: PER VIRUS)?|PRESA IN CARICO|CONSEGNA|AVVISO DI MANCATA CONSEGNA(?: PER VIRUS| PER "
    r"SUP\. TEMPO MASSIMO)?|AVVISO DI MANCATA CONSEGNA ENTRO \d+ ORE|PROBLEMA DI SICUREZZA)"
    r"\s*:\s*",
    re.IGNORECASE,
)


def read_pec(raw: bytes) -> PecEnvelope | None:
    """Take a PEC message apart; None when ``raw`` is not PEC.

    PEC means an ``X-Trasporto`` or ``X-Ricevuta`` header, or a ``daticert.xml``
    part. A daticert that cannot be read is tolerated: the headers still say
    what the message is. Never raises on malformed input.
    """
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    parts = _pec_parts(message)
    daticert = _read_daticert(parts.daticert) if parts.daticert else None
    kind = _kind(message, daticert)
    if kind is None:
        return None
    info = _info(kind, message, daticert or _Daticert())
    return PecEnvelope(
        info=info,
        inner=message_bytes(parts.inner) if parts.inner is not None else None,
        daticert_xml=parts.daticert,
        signature=parts.signature,
        text=parts.text,
    )


@dataclass
class _Parts:
    daticert: bytes | None = None
    inner: Message | None = None
    signature: bytes | None = None
    text: str = ""


def _pec_parts(message: Message) -> _Parts:
    """Find daticert.xml, postacert.eml, smime.p7s and the provider's text."""
    parts = _Parts()
    for part in _walk_outer(message):
        ctype = part.get_content_type()
        name = str(part.get_filename() or part.get_param("name") or "").lower()
        if ctype in _MESSAGE_TYPES:
            if parts.inner is None or name == "postacert.eml":
                parts.inner = _first_child(part)
        elif name == "daticert.xml":
            parts.daticert = _payload(part)
        elif ctype in _SIGNATURE_TYPES or name == "smime.p7s":
            parts.signature = _payload(part)
        elif ctype == "text/plain" and not parts.text and not name:
            parts.text = decode_bytes(_payload(part), part.get_content_charset())[0]
    return parts


def _walk_outer(message: Message) -> list[Message]:
    """Every part of the envelope without descending into attached messages."""
    found: list[Message] = []
    stack = [message]
    while stack:
        part = stack.pop(0)
        payload = part.get_payload()
        if part.get_content_type() in _MESSAGE_TYPES or not part.is_multipart():
            found.append(part)
        elif isinstance(payload, list):
            stack[0:0] = [p for p in payload if isinstance(p, Message)]
    return found


def _first_child(part: Message) -> Message | None:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    return None


def _payload(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


# --- daticert.xml -----------------------------------------------------------


@dataclass
class _Daticert:
    tipo: str = ""
    errore: str = ""
    mittente: str = ""
    destinatari: list[str] = field(default_factory=list)
    oggetto: str = ""
    gestore: str = ""
    identificativo: str = ""
    msgid: str = ""
    consegna: str = ""
    ricevuta: str = ""
    errore_esteso: str = ""
    data: datetime | None = None


def _read_daticert(data: bytes) -> _Daticert | None:
    """The fields of daticert.xml, or None when it cannot be read even after repair.

    Providers write characters XML 1.0 forbids (control characters raw or as
    character references) and bytes outside the declared encoding; those are
    repaired first (``daticert_repaired``). Documents declaring entities
    are refused (defusedxml): the certified data never needs them and
    they are the vector of entity-expansion and external-reference attacks.
    """
    root = _xml_root(data)
    if root is None:
        root = _xml_root(daticert_repaired(data))
    if root is None:
        return None
    return _Daticert(
        tipo=root.get("tipo", "").strip().lower(),
        errore=root.get("errore", "").strip().lower(),
        mittente=_text(root, "intestazione/mittente").lower(),
        destinatari=[normalise_space(e.text or "").lower() for e in root.iter("destinatari")],
        oggetto=_text(root, "intestazione/oggetto"),
        gestore=_text(root, "dati/gestore-emittente"),
        identificativo=_text(root, "dati/identificativo"),
        msgid=_text(root, "dati/msgid"),
        consegna=_text(root, "dati/consegna").lower(),
        ricevuta=_attribute(root, "dati/ricevuta", "tipo"),
        errore_esteso=_text(root, "dati/errore-esteso"),
        data=_certified_time(root.find("dati/data")),
    )


def _xml_root(data: bytes) -> ElementTree.Element | None:
    if b"<!ENTITY" in data:
        return None
    try:
        # Providers name Postacert.dtd in a DOCTYPE; it is never fetched, and
        # defusedxml refuses any entity or external reference.
        root: ElementTree.Element = defused.fromstring(data)
    except (ElementTree.ParseError, DefusedXmlException, LookupError, ValueError):
        return None  # LookupError: an unknown encoding
    return root


# Characters XML 1.0 forbids (section 2.2), raw or as character references.
_FORBIDDEN_CHARS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FORBIDDEN_REFS_RE = re.compile(
    r"&#(?:x0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|[fF]{3}[eEfF])|0*(?:[0-8]|1[1-24-9]|2[0-9]|3[01]));"
)
_DECLARED_ENCODING_RE = re.compile(rb"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])([^"']*)(["'])""")


def daticert_repaired(data: bytes) -> bytes:
    """daticert.xml as UTF-8 without the characters XML 1.0 forbids.

    The text is decoded in its declared encoding when the bytes fit it, else
    detected; the declaration is rewritten to UTF-8 to match.
    """
    match = _DECLARED_ENCODING_RE.match(data)
    text = decode_bytes(data, match.group(2).decode("ascii", "replace") if match else "utf-8")[0]
    text = _FORBIDDEN_REFS_RE.sub("", _FORBIDDEN_CHARS_RE.sub("", text))
    repaired = text.encode("utf-8")
    return _DECLARED_ENCODING_RE.sub(rb"\1utf-8\3", repaired, count=1)


def _text(root: ElementTree.Element, path: str) -> str:
    element = root.find(path)
    return normalise_space(element.text or "") if element is not None else ""


def _attribute(root: ElementTree.Element, path: str, name: str) -> str:
    element = root.find(path)
    return (element.get(name) or "").strip().lower() if element is not None else ""


def _certified_time(element: ElementTree.Element | None) -> datetime | None:
    """``<data zona="+0100"><giorno>dd/mm/yyyy</giorno><ora>hh:mm:ss</ora></data>``."""
    if element is None:
        return None
    day = (element.findtext("giorno") or "").strip()
    time = (element.findtext("ora") or "").strip()
    zone = re.fullmatch(r"([+-])(\d\d):?(\d\d)", (element.get("zona") or "").strip())
    try:
        naive = datetime.strptime(f"{day} {time}", "%d/%m/%Y %H:%M:%S")
    except ValueError:
        return None
    if zone is None:
        # Providers always send zona; without it the only sane reading is Italian time.
        return naive.replace(tzinfo=_italian_offset(naive))
    sign = -1 if zone.group(1) == "-" else 1
    offset = timedelta(hours=int(zone.group(2)), minutes=int(zone.group(3)))
    return naive.replace(tzinfo=timezone(sign * offset))


def _italian_offset(naive: datetime) -> timezone:
    """CET or CEST for a wall-clock time (EU rule: last Sundays of March and October)."""
    start = _last_sunday(naive.year, 3).replace(hour=2)
    end = _last_sunday(naive.year, 10).replace(hour=3)
    return timezone(timedelta(hours=2 if start <= naive < end else 1))


def _last_sunday(year: int, month: int) -> datetime:
    day = datetime(year, month, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


# --- facts ------------------------------------------------------------------


def _header(message: Message, name: str) -> str:
    value = message.get(name)
    return normalise_space(decode_words(str(value))) if value is not None else ""


def _kind(message: Message, daticert: _Daticert | None) -> PecKind | None:
    """The kind from the envelope headers, else from daticert's tipo attribute."""
    candidates = [
        _header(message, "X-Ricevuta").lower(),
        _header(message, "X-Trasporto").lower(),
        daticert.tipo if daticert else "",
    ]
    for value in candidates:
        if value in PecKind._value2member_map_:
            return PecKind(value)
    if daticert is not None and daticert.tipo == "":
        # An anomaly envelope may carry a daticert without tipo; never guess a receipt.
        return PecKind.ANOMALIA if _header(message, "X-Trasporto") else None
    return None


def _info(kind: PecKind, message: Message, daticert: _Daticert) -> PecInfo:
    values = [_header(message, "X-Riferimento-Message-ID"), daticert.msgid]
    references = message_ids([v for v in values if v.strip("<> ")])
    msgid = daticert.msgid.strip().strip("<>") or (references[0] if references else "")
    return PecInfo(
        kind=kind,
        is_receipt=kind not in TRANSPORT_KINDS,
        identificativo=daticert.identificativo,
        msgid=msgid,
        sender=daticert.mittente or _claimed_sender(message),
        recipients=daticert.destinatari,
        certified_at=daticert.data,
        subject=daticert.oggetto or _SUBJECT_PREFIX_RE.sub("", _header(message, "Subject")),
        gestore=daticert.gestore,
        error=daticert.errore_esteso
        or (daticert.errore if daticert.errore not in {"", "nessuno"} else ""),
        references=references,
        delivered_to=daticert.consegna,
        receipt_type=daticert.ricevuta,
        error_code=daticert.errore if daticert.errore != "nessuno" else "",
        security_error=_header(message, "X-VerificaSicurezza").lower() == "errore",
    )


def _claimed_sender(message: Message) -> str:
    """The sender an envelope names when daticert is missing: ``Per conto di: x@y``."""
    for name in ("From", "Reply-To"):
        match = re.search(r"per conto di:?\s*([^\s\"<>]+@[^\s\"<>]+)", _header(message, name), re.I)
        if match:
            return match.group(1).lower()
    reply_to = email.utils.parseaddr(_header(message, "Reply-To"))[1]
    return reply_to.lower()
