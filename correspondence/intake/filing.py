"""Filing a batch of parsed messages, set by set, inside the caller's transaction.

Every message gets the decisions of the intake pipeline, in order: already received
(same UID, same bytes, same Message-ID), a copy another watched mailbox already
received (kept as evidence on that case, no second case), a PEC receipt or a bounce of our outgoing
mail, a reply joining a case (by the Message-IDs it answers, else by a case number in
its subject), automatic mail kept without a case, or a new case in the pool its
address names. What those decisions read is loaded once for the whole batch; an
earlier message of the same batch counts as received and as a thread to join. Then
the work is done per set: the new cases created together (``cases_create_batch``),
the messages and files inserted in bulk, the customers' write-backs, the leaders'
rules and the acknowledgements. A batch of one is the single-message pipeline.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from cryptography import x509
from django.utils import timezone

from correspondence.intake.language import language_guess
from correspondence.intake.records import MessageEntry, messages_record, quarantine_record
from correspondence.intake.smime import VALID
from correspondence.intake.storage import db_text, files_stored_together
from correspondence.intake.threads import case_numbers_in, thread_keys
from correspondence.intake.trust import TrustList, signature_checked, signer_trusted
from correspondence.intake.understand import Understood
from correspondence.models import (
    CasePage,
    Channel,
    Mailbox,
    Message,
    PoolPage,
    QuarantinedMessage,
)
from correspondence.outbox.services import auto_replies_queue
from correspondence.services.batch import cases_create_batch
from correspondence.services.cases import NewCase
from correspondence.services.pec_trust import pec_trust_list
from workflow.intake import cases_filed

RECEIVED_KINDS = (Message.Kind.INBOUND, Message.Kind.RECEIPT)
# A new case is acknowledged only when its message arrived this recently.
ACKNOWLEDGE_WITHIN = timedelta(days=2)


@dataclass(frozen=True)
class IncomingMessage:
    """One raw message to file, with where it came from."""

    raw: bytes
    uidvalidity: int | None = None
    uid: int | None = None
    fetched_at: datetime | None = None  # the server's arrival (IMAP INTERNALDATE); None for a file


@dataclass(frozen=True)
class Parsed:
    """A fetched message with what parsing made of it: understood, or the reason it is not."""

    incoming: IncomingMessage
    sha: str
    understood: Understood | None
    problem: str = ""


@dataclass(frozen=True)
class IngestResult:
    """What became of one message: created, threaded, receipt, ignored or quarantined."""

    outcome: str
    case: CasePage | None = None
    understood: Understood | None = None
    reason: str = ""
    arrived_at: datetime | None = None


@dataclass
class _Filing:
    """A message to store, with its case, or the message of this batch that opens it."""

    parsed: Parsed
    understood: Understood
    outcome: str
    arrived_at: datetime  # see _arrival
    kind: str = Message.Kind.INBOUND
    case: CasePage | None = None
    opener: "_Filing | None" = None
    certifies: Message | None = None
    reason: str = ""
    pool: PoolPage | None = None  # the pool of the case it opens

    def result(self) -> IngestResult:
        return IngestResult(self.outcome, self.case, self.understood, self.reason, self.arrived_at)


@dataclass
class _Known:
    """What the batch's decisions read, loaded once; messages of the batch are added."""

    uids: set[tuple[int | None, int]]
    shas: set[str]
    message_ids: set[str]
    # Message-ID → (date, case or the filing of this batch that opens or joins one)
    threads: dict[str, tuple[datetime, "CasePage | _Filing"]]
    numbered: dict[str, CasePage]
    outgoing: list[Message]
    pools: list[PoolPage]
    copies: dict[str, CasePage]  # Message-ID → case, for messages other mailboxes received
    trust: TrustList  # the PEC trust list and CRLs, loaded when the batch has PEC
    filings: list[_Filing] = field(default_factory=list)


@files_stored_together()  # the raw messages and attachments the helper did not store
def batch_file(*, mailbox: Mailbox, batch: Sequence[Parsed]) -> list[IngestResult]:
    """Files the parsed messages in order; one result each. Call inside a transaction."""
    known = _known_load(mailbox, batch)
    decided = [_decide(mailbox, item, known) for item in batch]
    _cases_open(mailbox, known.filings)
    messages_record(
        [
            MessageEntry(
                kind=f.kind,
                case=f.case,
                mailbox=mailbox,
                raw=f.parsed.incoming.raw,
                understood=f.understood,
                uidvalidity=f.parsed.incoming.uidvalidity,
                uid=f.parsed.incoming.uid,
                arrived_at=f.arrived_at,
                certifies=f.certifies,
            )
            for f in known.filings
        ]
    )
    opened = [
        (f.case, f.understood)
        for f in known.filings
        if f.outcome == "created" and f.case is not None
    ]
    cases_filed(
        threaded=[
            (f.case, f.understood)
            for f in known.filings
            if f.outcome == "threaded" and f.case is not None and f.understood.automatic is None
        ],
        opened=opened,
    )
    # An archive import does not acknowledge mail that reached us long ago.
    recent = timezone.now() - ACKNOWLEDGE_WITHIN
    auto_replies_queue(mailbox=mailbox, opened=[o for o in opened if o[0].received_at >= recent])
    return [item.result() if isinstance(item, _Filing) else item for item in decided]


def _known_load(mailbox: Mailbox, batch: Sequence[Parsed]) -> _Known:
    understood = [p.understood for p in batch if p.understood is not None]
    mine = Message.objects.filter(mailbox=mailbox)
    uids: dict[int | None, list[int]] = defaultdict(list)
    for p in batch:
        if p.incoming.uid is not None:
            uids[p.incoming.uidvalidity].append(p.incoming.uid)
    ids = [u.message.message_id for u in understood if u.message.message_id]
    shas = [p.sha for p in batch]
    keys = {key for u in understood for key in thread_keys(u.message)}
    numbers = {n for u in understood for n in case_numbers_in(u.message.subject)}
    receipts = {i for u in understood for i in _certified_ids(u) or []}
    threads = _threads_load(keys)
    return _Known(
        uids={
            (validity, uid)
            for validity, some in uids.items()
            for uid in mine.filter(imap_uidvalidity=validity, imap_uid__in=some).values_list(
                "imap_uid", flat=True
            )
        },
        shas=set(mine.filter(raw_sha256__in=shas).values_list("raw_sha256", flat=True))
        | set(
            QuarantinedMessage.objects.filter(
                mailbox=mailbox, raw_sha256__in=shas, status=QuarantinedMessage.Status.OPEN
            ).values_list("raw_sha256", flat=True)
        ),
        message_ids=set(
            mine.filter(message_id__in=ids, kind__in=RECEIVED_KINDS).values_list(
                "message_id", flat=True
            )
            if ids
            else []
        ),
        threads=threads,
        numbered={case.number: case for case in CasePage.objects.filter(number__in=numbers)}
        if numbers
        else {},
        outgoing=list(
            Message.objects.filter(message_id__in=receipts)
            .exclude(kind__in=RECEIVED_KINDS)
            .select_related("case")
        )
        if receipts
        else [],
        pools=list(PoolPage.objects.exclude(addresses="")),
        copies=_copies_load(mailbox, ids),
        trust=pec_trust_list() if any(u.pec is not None for u in understood) else TrustList(),
    )


def _copies_load(mailbox: Mailbox, ids: list[str]) -> dict[str, CasePage]:
    """The cases that messages with these Message-IDs opened or joined in other mailboxes."""
    if not ids:
        return {}
    rows = (
        Message.objects.filter(message_id__in=ids, kind=Message.Kind.INBOUND, case__isnull=False)
        .exclude(mailbox=mailbox)
        .select_related("case")
    )
    return {row.message_id: row.case for row in rows if row.case is not None}


def _threads_load(keys: set[str]) -> dict[str, tuple[datetime, CasePage | _Filing]]:
    """The newest message with a case for each Message-ID, and that case."""
    if not keys:
        return {}
    newest: dict[str, tuple[datetime, int]] = {}
    rows = Message.objects.filter(message_id__in=keys, case__isnull=False).values_list(
        "message_id", "date", "case_id"
    )
    for message_id, date, case_id in rows:
        if message_id not in newest or date > newest[message_id][0]:
            newest[message_id] = (date, case_id)
    cases = CasePage.objects.in_bulk([case_id for _date, case_id in newest.values()])
    return {
        message_id: (date, cases[case_id])
        for message_id, (date, case_id) in newest.items()
        if case_id in cases
    }


def _decide(mailbox: Mailbox, item: Parsed, known: _Known) -> IngestResult | _Filing:
    """What becomes of one message; a message to store joins ``known.filings``."""
    incoming = item.incoming
    uid_key = (incoming.uidvalidity, incoming.uid) if incoming.uid is not None else None
    if uid_key in known.uids or item.sha in known.shas:
        return IngestResult("ignored", reason="already received")
    known.shas.add(item.sha)
    if uid_key is not None:
        known.uids.add(uid_key)
    if item.understood is None:
        quarantine_record(
            mailbox=mailbox,
            raw=incoming.raw,
            reason=item.problem,
            uidvalidity=incoming.uidvalidity,
            uid=incoming.uid,
        )
        return IngestResult("quarantined", reason=item.problem)
    understood = _signature_checked(item.understood, incoming, known.trust)
    message_id = understood.message.message_id
    if message_id in known.message_ids:
        return IngestResult("ignored", understood=understood, reason="already received")
    if message_id:
        known.message_ids.add(message_id)
    filing = _copy_of(item, understood, known) or _filing_for(mailbox, item, understood, known)
    known.filings.append(filing)
    if message_id and (filing.case is not None or filing.opener is not None or filing.pool):
        date = filing.arrived_at
        seen = known.threads.get(message_id)
        if seen is None or date > seen[0]:
            known.threads[message_id] = (date, filing)
    return filing


def _copy_of(item: Parsed, understood: Understood, known: _Known) -> _Filing | None:
    """A copy of a message another watched mailbox received: evidence on that case."""
    case = known.copies.get(understood.message.message_id)
    if case is None:
        return None
    arrived_at = _arrival(understood, item.incoming, known.trust.anchors)
    reason = "already received by another mailbox"
    return _Filing(item, understood, "copy", arrived_at, Message.Kind.COPY, case, reason=reason)


def _filing_for(mailbox: Mailbox, item: Parsed, understood: Understood, known: _Known) -> _Filing:
    arrived_at = _arrival(understood, item.incoming, known.trust.anchors)
    receipt_of = _certified_ids(understood)
    if receipt_of is not None:
        outgoing = next((m for m in known.outgoing if m.message_id in receipt_of), None)
        return _Filing(
            item,
            understood,
            "receipt",
            arrived_at,
            kind=Message.Kind.RECEIPT,
            case=outgoing.case if outgoing else None,
            certifies=outgoing,
            reason="" if outgoing else "certifies no message of ours",
        )
    joined = _thread_find(understood, known)
    if isinstance(joined, _Filing):
        opener = joined.opener or (joined if joined.pool is not None else None)
        return _Filing(item, understood, "threaded", arrived_at, case=joined.case, opener=opener)
    if joined is not None:
        return _Filing(item, understood, "threaded", arrived_at, case=joined)
    if understood.automatic is not None:
        return _Filing(item, understood, "ignored", arrived_at, reason=understood.automatic)
    pool = _pool_for(mailbox, understood, known.pools)
    return _Filing(item, understood, "created", arrived_at, pool=pool)


def _thread_find(understood: Understood, known: _Known) -> CasePage | _Filing | None:
    """The case this message answers: by Message-ID chain (the newest message quoted
    wins), then by the newest case whose number the subject carries."""
    found = [known.threads[key] for key in thread_keys(understood.message) if key in known.threads]
    if found:
        return max(found, key=lambda pair: pair[0])[1]
    numbered = [
        known.numbered[n]
        for n in case_numbers_in(understood.message.subject)
        if n in known.numbered
    ]
    return max(numbered, key=lambda case: case.received_at, default=None)


def _certified_ids(understood: Understood) -> list[str] | None:
    """The Message-IDs a receipt or bounce reports on; None when it is neither."""
    pec = understood.pec
    if pec is not None and pec.info.is_receipt:
        return [i for i in [pec.info.msgid, *pec.info.references] if i]
    if understood.bounce is not None:
        return understood.bounce.original_message_ids
    return None


def _pool_for(mailbox: Mailbox, understood: Understood, pools: Sequence[PoolPage]) -> PoolPage:
    """The pool named by the address the message was sent to, else the mailbox's pool."""
    recipients = set(understood.recipients)
    for pool in pools:
        if recipients.intersection(pool.address_list()):
            return pool
    return mailbox.pool


def _cases_open(mailbox: Mailbox, filings: Sequence[_Filing]) -> None:
    """Creates the cases the batch opens, pool by pool, and hands them to their replies."""
    by_pool: dict[int, list[_Filing]] = defaultdict(list)
    pools: dict[int, PoolPage] = {}
    for filing in filings:
        if filing.pool is not None:
            pools[filing.pool.pk] = filing.pool
            by_pool[filing.pool.pk].append(filing)
    for pool_id, group in by_pool.items():
        items = [_new_case(mailbox, f.understood, f.arrived_at) for f in group]
        cases = cases_create_batch(pool=pools[pool_id], items=items)
        for filing, case in zip(group, cases, strict=True):
            filing.case = case
    for filing in filings:
        if filing.opener is not None:
            filing.case = filing.opener.case


def _new_case(mailbox: Mailbox, understood: Understood, arrived_at: datetime) -> NewCase:
    sender = understood.sender
    is_pec = understood.pec is not None
    return NewCase(
        channel=Channel.PEC if is_pec else Channel.EMAIL,
        subject=db_text(understood.message.subject),
        received_at=arrived_at,
        customer_name=db_text(sender.name) if sender else "",
        customer_email=sender.address if sender else "",
        mailbox_id=mailbox.pk,
        language=language_guess(f"{understood.message.subject}\n{understood.message.text}") or "",
    )


def _signature_checked(
    understood: Understood, incoming: IncomingMessage, trust: TrustList
) -> Understood:
    """A PEC signature's verdict with its certificate checked (trust list, validity,
    CRLs) at the certified time, else when the message arrived."""
    pec, check = understood.pec, understood.signature
    if pec is None or check is None:
        return understood
    now = timezone.now()
    at = pec.info.certified_at or incoming.fetched_at or understood.arrived_at or now
    return replace(understood, signature=signature_checked(check, at=at, trust=trust, now=now))


def _arrival(
    understood: Understood, incoming: IncomingMessage, anchors: list[x509.Certificate]
) -> datetime:
    """When the message reached us, which numbering, deadlines and reports use.

    The certified time of a PEC envelope or receipt whose signature is valid and
    by a provider that chains to the trust list (a forged daticert.xml cannot
    backdate a case); else the IMAP INTERNALDATE
    (``fetched_at``); else, for a file, its topmost Received header; else now.
    Never the sender's Date (a message claiming 2003 is not numbered in 2003),
    never a time in the future.
    """
    now = timezone.now()
    pec, check = understood.pec, understood.signature
    certified = (
        pec is not None
        and check is not None
        and check.status == VALID
        and signer_trusted(check.certificate_pem, anchors, check.intermediates_pem)
    )
    candidates = [
        pec.info.certified_at if certified and pec is not None else None,
        incoming.fetched_at,
        understood.arrived_at,
    ]
    for moment in candidates:
        if moment is not None and moment <= now + timedelta(minutes=5):
            return moment
    return now
