"""Database side of intake: storing messages with their files, keeping what cannot be filed."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.core.files.base import ContentFile

from correspondence.intake.storage import content_store, db_text, sha256_of
from correspondence.intake.understand import Understood
from correspondence.models import Attachment, CasePage, Mailbox, Message, QuarantinedMessage
from correspondence.services.rows import rows_insert
from correspondence.services.search import cases_search_add


@dataclass(frozen=True)
class MessageEntry:
    """One received message to store: what it is, where it belongs, where it came from."""

    kind: str
    case: CasePage | None
    mailbox: Mailbox
    raw: bytes
    understood: Understood
    uidvalidity: int | None
    uid: int | None
    arrived_at: datetime
    certifies: Message | None = None


def messages_record(entries: Sequence[MessageEntry]) -> list[Message]:
    """Writes the messages, their raw bytes and attachments (PEC evidence included) in
    bulk, and adds each inbound message's words to its case's search document."""
    messages = [_message_new(entry) for entry in entries]
    rows_insert(model=Message, objs=messages)
    attachments: list[Attachment] = []
    words: dict[int, list[str]] = {}
    for entry, message in zip(entries, messages, strict=True):
        parsed, sender = entry.understood.message, entry.understood.sender
        evidence = _evidence(entry.understood)
        kept = {(name, content) for name, content, _ctype in evidence}
        for item in parsed.attachments:
            # A receipt is its own message: its daticert.xml and smime.p7s are
            # already among the evidence, once.
            if (item.filename.lower(), item.content) not in kept:
                attachments.append(attachment_of(message, item, inline=item.inline))
        for name, content, ctype in evidence:
            attachments.append(
                attachment_new(
                    message=message,
                    filename=name,
                    content=content,
                    content_type=ctype,
                    evidence=True,
                )
            )
        if entry.case is not None and entry.kind == Message.Kind.INBOUND:
            words.setdefault(entry.case.pk, []).extend([sender.name if sender else "", parsed.text])
    rows_insert(model=Attachment, objs=attachments)
    cases_search_add(texts_of=words)
    return messages


def _message_new(entry: MessageEntry) -> Message:
    parsed = entry.understood.message
    sender = entry.understood.sender
    raw_name, raw_sha = content_store(prefix="raw", content=entry.raw, suffix=".eml")
    message = Message(
        case=entry.case,
        kind=entry.kind,
        mailbox=entry.mailbox,
        certifies=entry.certifies,
        message_id=parsed.message_id[:998],
        in_reply_to=" ".join(parsed.in_reply_to),
        references=" ".join(parsed.references),
        from_address=sender.address if sender else "",
        from_name=db_text(sender.name) if sender else "",
        to=[a.address for a in parsed.to],
        cc=[a.address for a in parsed.cc],
        date=entry.arrived_at,
        claimed_date=parsed.date,
        subject=db_text(parsed.subject)[:998],
        text=db_text(parsed.text),
        html=db_text(parsed.html),
        raw_sha256=raw_sha,
        pec=_pec_data(entry.understood),
        imap_uidvalidity=entry.uidvalidity,
        imap_uid=entry.uid,
    )
    message.stamp()
    message.raw.name = raw_name
    return message


class FileOfMail(Protocol):
    """A file of a received or outgoing message."""

    @property
    def filename(self) -> str: ...
    @property
    def content(self) -> bytes: ...
    @property
    def content_type(self) -> str: ...
    @property
    def content_id(self) -> str: ...


def attachment_of(message: Message, item: FileOfMail, *, inline: bool) -> Attachment:
    """The unsaved attachment row of one file of a message."""
    return attachment_new(
        message=message,
        filename=item.filename,
        content=item.content,
        content_type=item.content_type,
        content_id=item.content_id,
        inline=inline,
    )


def attachment_new(
    *,
    message: Message,
    filename: str,
    content: bytes,
    content_type: str,
    content_id: str = "",
    inline: bool = False,
    evidence: bool = False,
) -> Attachment:
    """The unsaved attachment row of a file, the file itself stored once by its hash."""
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
    check = understood.signature
    return {
        "signature": check.status if check else "absent",
        "signer": check.signer if check else None,
        "signature_reason": check.reason if check else "",
        "signature_cms": (check.cms or check.status) if check else "absent",
        "signer_certificate": check.certificate_pem if check else None,
        "signer_intermediates": list(check.intermediates_pem) if check else [],
        "kind": info.kind.value,
        "identificativo": info.identificativo,
        "msgid": info.msgid,
        "sender": info.sender,
        "recipients": info.recipients,
        "gestore": info.gestore,
        "certified_at": info.certified_at.isoformat() if info.certified_at else None,
        "error": info.error,
    }


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
