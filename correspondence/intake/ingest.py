"""The intake pipeline: one raw message in, a case created or joined, exactly once.

Bad input (unparseable, too large) is quarantined with its bytes and the mailbox goes
on; a broken system (database down) raises so the fetcher stops and retries later.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import DataError, IntegrityError, transaction
from django.utils import timezone

from correspondence.intake.parsing import MessageTooLarge, UnparseableMessage
from correspondence.intake.records import (
    case_find_for_thread,
    message_record,
    outgoing_find,
    quarantine_record,
)
from correspondence.intake.storage import db_text, sha256_of
from correspondence.intake.understand import Understood, understand
from correspondence.models import (
    CasePage,
    Channel,
    Mailbox,
    Message,
    PoolPage,
    QuarantinedMessage,
)
from correspondence.outbox.services import auto_reply_queue
from correspondence.services.cases import NewCase, case_create
from workflow.lifecycle import case_customer_wrote
from workflow.rules.services import rules_apply, subject_from_understood


@dataclass(frozen=True)
class IngestResult:
    """What became of one message: created, threaded, receipt, ignored or quarantined."""

    outcome: str
    case: CasePage | None = None
    understood: Understood | None = None
    reason: str = ""


def message_ingest(
    *,
    mailbox: Mailbox,
    raw: bytes,
    uidvalidity: int | None = None,
    uid: int | None = None,
    fetched_at: datetime | None = None,
) -> IngestResult:
    """Files one raw message of the mailbox. Idempotent by UID, Message-ID and content hash."""
    fetched_at = fetched_at or timezone.now()
    if _already_received(mailbox, raw, uidvalidity, uid):
        return IngestResult("ignored", reason="already received")
    try:
        understood = understand(raw)
    except (MessageTooLarge, UnparseableMessage) as exc:
        quarantine_record(
            mailbox=mailbox, raw=raw, reason=str(exc), uidvalidity=uidvalidity, uid=uid
        )
        return IngestResult("quarantined", reason=str(exc))
    message_id = understood.message.message_id
    if message_id and _message_id_seen(mailbox, message_id):
        return IngestResult("ignored", understood=understood, reason="already received")
    try:
        with transaction.atomic():
            return _file(mailbox, raw, understood, uidvalidity, uid, fetched_at)
    except IntegrityError:
        # A concurrent worker filed the same message between our check and our write.
        return IngestResult("ignored", understood=understood, reason="already received")
    except (DataError, ValueError) as exc:
        # This message's content cannot be stored as it is: keep it aside and go on.
        reason = f"cannot be filed: {exc}"
        quarantine_record(mailbox=mailbox, raw=raw, reason=reason, uidvalidity=uidvalidity, uid=uid)
        return IngestResult("quarantined", understood=understood, reason=reason)


def _already_received(
    mailbox: Mailbox, raw: bytes, uidvalidity: int | None, uid: int | None
) -> bool:
    messages = Message.objects.filter(mailbox=mailbox)
    if uid is not None and messages.filter(imap_uidvalidity=uidvalidity, imap_uid=uid).exists():
        return True
    sha = sha256_of(raw)
    quarantined = QuarantinedMessage.objects.filter(
        mailbox=mailbox, raw_sha256=sha, status=QuarantinedMessage.Status.OPEN
    )
    return messages.filter(raw_sha256=sha).exists() or quarantined.exists()


def _message_id_seen(mailbox: Mailbox, message_id: str) -> bool:
    return Message.objects.filter(
        mailbox=mailbox,
        message_id=message_id,
        kind__in=[Message.Kind.INBOUND, Message.Kind.RECEIPT],
    ).exists()


def _file(
    mailbox: Mailbox,
    raw: bytes,
    understood: Understood,
    uidvalidity: int | None,
    uid: int | None,
    fetched_at: datetime,
) -> IngestResult:
    record = {
        "mailbox": mailbox,
        "raw": raw,
        "understood": understood,
        "uidvalidity": uidvalidity,
        "uid": uid,
        "fetched_at": fetched_at,
    }
    receipt_of = _certified_ids(understood)
    if receipt_of is not None:
        outgoing = outgoing_find(receipt_of)
        message_record(
            kind=Message.Kind.RECEIPT,
            case=outgoing.case if outgoing else None,
            certifies=outgoing,
            **record,
        )
        reason = "" if outgoing else "certifies no message of ours"
        return IngestResult("receipt", outgoing.case if outgoing else None, understood, reason)
    case = case_find_for_thread(understood)
    if case is not None:
        message_record(kind=Message.Kind.INBOUND, case=case, **record)
        if understood.automatic is None:
            case_customer_wrote(case=case)
        return IngestResult("threaded", case, understood)
    if understood.automatic is not None:
        message_record(kind=Message.Kind.INBOUND, case=None, **record)
        return IngestResult("ignored", None, understood, understood.automatic)
    case = case_create(
        pool=pool_for(mailbox, understood), data=_new_case(mailbox, understood, fetched_at)
    )
    return case_opened(case=case, record=record)


def case_opened(*, case: CasePage, record: dict[str, Any]) -> IngestResult:
    """What follows a new case, however it was created: its message, the leaders' rules,
    the acknowledgement. `record` holds message_record's arguments but kind and case."""
    understood = record["understood"]
    message_record(kind=Message.Kind.INBOUND, case=case, **record)
    rules_apply(case=case, subject=subject_from_understood(understood, case))
    auto_reply_queue(case=case, mailbox=record["mailbox"], understood=understood)
    return IngestResult("created", case, understood)


def _certified_ids(understood: Understood) -> list[str] | None:
    """The Message-IDs a receipt or bounce reports on; None when it is neither."""
    pec = understood.pec
    if pec is not None and pec.info.is_receipt:
        return [i for i in [pec.info.msgid, *pec.info.references] if i]
    if understood.bounce is not None:
        return understood.bounce.original_message_ids
    return None


def pool_for(mailbox: Mailbox, understood: Understood) -> PoolPage:
    """The pool named by the address the message was sent to, else the mailbox's pool."""
    recipients = set(understood.recipients)
    for pool in PoolPage.objects.exclude(addresses=""):
        if recipients.intersection(pool.address_list()):
            return pool
    return mailbox.pool


def _new_case(mailbox: Mailbox, understood: Understood, fetched_at: datetime) -> NewCase:
    sender = understood.sender
    is_pec = understood.pec is not None
    return NewCase(
        channel=Channel.PEC if is_pec else Channel.EMAIL,
        subject=db_text(understood.message.subject),
        received_at=_received_at(understood, fetched_at),
        customer_name=db_text(sender.name) if sender else "",
        customer_email=sender.address if sender else "",
        mailbox_id=mailbox.pk,
    )


def _received_at(understood: Understood, fetched_at: datetime) -> datetime:
    """The certified time for PEC, else the sender's Date unless it lies in the future."""
    claimed = understood.received_at
    if claimed is None or claimed > fetched_at + timedelta(minutes=5):
        return fetched_at
    return claimed
