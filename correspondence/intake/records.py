"""Database side of intake: storing a message with its files, finding its thread."""

from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db.models import Q

from correspondence.intake.storage import content_store, db_text, sha256_of
from correspondence.intake.threads import case_numbers_in, thread_keys
from correspondence.intake.understand import Understood
from correspondence.models import Attachment, CasePage, Mailbox, Message, QuarantinedMessage
from correspondence.services.search import case_search_add


def message_record(
    *,
    kind: str,
    case: CasePage | None,
    mailbox: Mailbox,
    raw: bytes,
    understood: Understood,
    uidvalidity: int | None,
    uid: int | None,
    fetched_at: datetime,
    certifies: Message | None = None,
) -> Message:
    """Writes the message row, its raw bytes and attachments (PEC evidence included)."""
    parsed = understood.message
    sender = understood.sender
    raw_name, raw_sha = content_store(prefix="raw", content=raw, suffix=".eml")
    message = Message(
        case=case,
        kind=kind,
        mailbox=mailbox,
        certifies=certifies,
        message_id=parsed.message_id[:998],
        in_reply_to=" ".join(parsed.in_reply_to),
        references=" ".join(parsed.references),
        from_address=sender.address if sender else "",
        from_name=db_text(sender.name) if sender else "",
        to=[a.address for a in parsed.to],
        cc=[a.address for a in parsed.cc],
        date=understood.received_at or fetched_at,
        subject=db_text(parsed.subject)[:998],
        text=db_text(parsed.text),
        html=db_text(parsed.html),
        raw_sha256=raw_sha,
        pec=_pec_data(understood),
        imap_uidvalidity=uidvalidity,
        imap_uid=uid,
    )
    message.raw.name = raw_name
    message.save()
    if case is not None and kind == Message.Kind.INBOUND:
        case_search_add(case_id=case.pk, texts=[sender.name if sender else "", parsed.text])
    for item in parsed.attachments:
        attachment_record(
            message=message,
            filename=item.filename,
            content=item.content,
            content_type=item.content_type,
            content_id=item.content_id,
            inline=item.inline,
        )
    for name, content, ctype in _evidence(understood):
        attachment_record(
            message=message, filename=name, content=content, content_type=ctype, evidence=True
        )
    return message


def attachment_record(
    *,
    message: Message,
    filename: str,
    content: bytes,
    content_type: str,
    content_id: str = "",
    inline: bool = False,
    evidence: bool = False,
) -> Attachment:
    """Stores a file of a message once by its hash and records it on the message."""
    name, sha = content_store(prefix="attachments", content=content)
    attachment = Attachment(
        message=message,
        filename=filename[:255] or "file",
        content_type=(content_type or "application/octet-stream")[:255],
        size=len(content),
        sha256=sha,
        content_id=content_id[:255],
        inline=inline,
        evidence=evidence,
    )
    attachment.file.name = name
    attachment.save()
    return attachment


def _evidence(understood: Understood) -> list[tuple[str, bytes, str]]:
    pec = understood.pec
    if pec is None:
        return []
    files = []
    if pec.daticert_xml:
        files.append(("daticert.xml", pec.daticert_xml, "application/xml"))
    if pec.signature:
        files.append(("smime.p7s", pec.signature, "application/pkcs7-signature"))
    return files


def _pec_data(understood: Understood) -> dict[str, Any] | None:
    pec = understood.pec
    if pec is None:
        return None
    info = pec.info
    return {
        "kind": info.kind.value,
        "identificativo": info.identificativo,
        "msgid": info.msgid,
        "sender": info.sender,
        "recipients": info.recipients,
        "gestore": info.gestore,
        "certified_at": info.certified_at.isoformat() if info.certified_at else None,
        "error": info.error,
    }


def case_find_for_thread(understood: Understood) -> CasePage | None:
    """The case this message answers: by Message-ID chain first, then by number in subject."""
    keys = thread_keys(understood.message)
    if keys:
        known = (
            Message.objects.filter(message_id__in=keys, case__isnull=False)
            .select_related("case")
            .order_by("-date")
            .first()
        )
        if known is not None:
            return known.case
    numbers = case_numbers_in(understood.message.subject)
    if numbers:
        return CasePage.objects.filter(number__in=numbers).order_by("-received_at").first()
    return None


def outgoing_find(message_ids: list[str]) -> Message | None:
    """Our outgoing message with one of these Message-IDs."""
    if not message_ids:
        return None
    return (
        Message.objects.filter(message_id__in=message_ids)
        .filter(~Q(kind__in=[Message.Kind.INBOUND, Message.Kind.RECEIPT]))
        .select_related("case")
        .first()
    )


def quarantine_record(
    *, mailbox: Mailbox, raw: bytes, reason: str, uidvalidity: int | None, uid: int | None
) -> QuarantinedMessage:
    """Keeps a message intake could not process, whole, with the reason."""
    item = QuarantinedMessage(
        mailbox=mailbox,
        raw_sha256=sha256_of(raw),
        reason=reason,
        imap_uidvalidity=uidvalidity,
        imap_uid=uid,
    )
    item.raw.save(f"{item.raw_sha256}.eml", ContentFile(raw), save=False)
    item.save()
    return item
