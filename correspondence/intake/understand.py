"""Understand one inbound message: parse, unwrap PEC, classify. The intake pure core.

``understand(raw)`` is the single call the intake shell makes per fetched
message; everything it returns is derived from the bytes alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from correspondence.intake.classify import Bounce, automatic_reason, read_bounce
from correspondence.intake.parsing import (
    DEFAULT_MAX_SIZE,
    Address,
    ParsedMessage,
    UnparseableMessage,
    parse_date,
    parse_message,
)
from correspondence.intake.pec import TRANSPORT_KINDS, PecEnvelope, read_pec
from correspondence.intake.smime import SignatureCheck, verify_message


@dataclass(frozen=True)
class Understood:
    """What intake needs to file a message.

    ``message`` is the inner ``postacert.eml`` for a PEC transport or anomaly
    envelope, else the message itself; ``envelope`` is the outer envelope
    exactly when ``message`` was unwrapped from one (receipts are not
    unwrapped: ``pec`` says what they certify). ``signature`` is the verdict on
    the provider's S/MIME signature of a PEC message (None for other mail).

    ``received_at`` is what the bytes say of the message's time: the certified
    time for PEC, else the sender's ``Date`` (a claim). ``arrived_at`` is the date
    of the topmost ``Received`` header (added by the last hop, our own server),
    None when there is none. Intake files by arrival (``filing._arrival``): the
    certified time of a verified PEC, else the server's times.
    """

    message: ParsedMessage
    envelope: ParsedMessage | None
    pec: PecEnvelope | None
    sender: Address | None
    received_at: datetime | None
    automatic: str | None
    bounce: Bounce | None
    recipients: list[str]
    signature: SignatureCheck | None = None
    arrived_at: datetime | None = None


def understand(raw: bytes, *, max_size: int = DEFAULT_MAX_SIZE) -> Understood:
    """Parse ``raw`` and work out sender, time, recipients and what kind of mail it is.

    Raises :class:`~correspondence.intake.parsing.MessageTooLarge` and
    :class:`~correspondence.intake.parsing.UnparseableMessage` like
    ``parse_message``; an unreadable ``postacert.eml`` inside a valid envelope
    is not an error: the envelope itself is used as the message.
    """
    outer = parse_message(raw, max_size=max_size)
    pec = read_pec(raw) if _may_be_pec(outer) else None
    inner = _inner_message(pec, max_size)
    signature = verify_message(raw) if pec is not None else None
    arrived = topmost_received_at(outer)
    if pec is not None and pec.info.kind in TRANSPORT_KINDS:
        understood = _understood_transport(outer, inner or outer, pec, unwrapped=inner is not None)
        return replace(understood, signature=signature, arrived_at=arrived)
    if pec is not None:
        return Understood(
            signature=signature,
            arrived_at=arrived,
            message=outer,
            envelope=None,
            pec=pec,
            sender=outer.sender,
            received_at=pec.info.certified_at or outer.date,
            automatic=automatic_reason(outer) or f"PEC receipt: {pec.info.kind.value}",
            bounce=None,
            recipients=_recipients(outer),
        )
    return Understood(
        message=outer,
        envelope=None,
        pec=None,
        sender=outer.sender,
        received_at=outer.date,
        automatic=automatic_reason(outer),
        bounce=read_bounce(raw, outer),
        recipients=_recipients(outer),
        arrived_at=arrived,
    )


def topmost_received_at(message: ParsedMessage) -> datetime | None:
    """The date of the topmost ``Received`` header: the time after its last ";"
    (RFC 5321 section 4.4), or None when there is none or it does not parse."""
    values = message.headers.get("received", [])
    if not values or ";" not in values[0]:
        return None
    return parse_date(values[0].rsplit(";", 1)[1])


def _may_be_pec(msg: ParsedMessage) -> bool:
    """Cheap pre-check so ordinary mail is not parsed a second time."""
    if "x-trasporto" in msg.headers or "x-ricevuta" in msg.headers:
        return True
    return any(a.filename.lower() == "daticert.xml" for a in msg.attachments)


def _inner_message(pec: PecEnvelope | None, max_size: int) -> ParsedMessage | None:
    if pec is None or pec.inner is None or pec.info.kind not in TRANSPORT_KINDS:
        return None
    try:
        return parse_message(pec.inner, max_size=max_size)
    except UnparseableMessage:
        return None


def _understood_transport(
    outer: ParsedMessage, message: ParsedMessage, pec: PecEnvelope, *, unwrapped: bool
) -> Understood:
    """A transport/anomaly envelope: human mail, facts certified by daticert when present."""
    return Understood(
        message=message,
        envelope=outer if unwrapped else None,
        pec=pec,
        sender=_certified_sender(pec, message),
        received_at=pec.info.certified_at or outer.date or message.date,
        # The provider's envelope is never "automatic"; what it carries may be
        # (an out-of-office sent from a PEC box), and that must not open a case.
        automatic=automatic_reason(message) if unwrapped else None,
        bounce=None,
        recipients=_recipients(message, outer, extra=pec.info.recipients),
    )


def _certified_sender(pec: PecEnvelope, message: ParsedMessage) -> Address | None:
    """daticert's mittente, named as the inner From names it when the address is the same."""
    certified = pec.info.sender
    if not certified:
        return message.sender
    if message.sender is not None and message.sender.address == certified:
        return message.sender
    return Address(name="", address=certified)


def _recipients(*messages: ParsedMessage, extra: list[str] | None = None) -> list[str]:
    """Every address the message was sent to, lower-cased, first occurrence first."""
    found: list[str] = []
    for msg in messages:
        found += [a.address for a in (*msg.to, *msg.cc)] + msg.delivered_to
    found += extra or []
    return list(dict.fromkeys(a.strip().lower() for a in found if "@" in a))
