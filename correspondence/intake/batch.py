"""Filing a batch of messages together: the pages of its new cases created in one go.

``message_ingest`` files one message per transaction and creates each case page with
``add_child`` (about thirty queries), which caps intake near thirty messages a second.
Here a batch is one transaction: every message goes through the same checks and the
same ``_file`` as ``message_ingest``, except that messages opening a case wait in a
queue and their pages are created together by ``cases_create_batch`` (one lock, one
block of numbers, bulk inserts). The queue is flushed before any message that could
depend on it: a reply to, or a copy of, a message still waiting.

If anything in the batch fails, the whole batch is rolled back and each message is
filed again, alone, by ``message_ingest``: a poison message is quarantined there and
the others go through; a broken system (database down) raises there.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from correspondence.intake.ingest import (
    IngestResult,
    _already_received,
    _certified_ids,
    _file,
    _message_id_seen,
    _new_case,
    case_opened,
    message_ingest,
    pool_for,
)
from correspondence.intake.parsing import MessageTooLarge, UnparseableMessage
from correspondence.intake.records import case_find_for_thread
from correspondence.intake.storage import sha256_of
from correspondence.intake.threads import thread_keys
from correspondence.intake.understand import Understood, understand
from correspondence.models import CasePage, Mailbox, PoolPage
from correspondence.services.batch import cases_create_batch

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IncomingMessage:
    """One raw message to file, with where it came from (as ``message_ingest`` takes it)."""

    raw: bytes
    uidvalidity: int | None = None
    uid: int | None = None
    fetched_at: datetime | None = None


@dataclass
class _Waiting:
    """A message that opens a case, waiting for its page to be created with the others."""

    index: int
    item: IncomingMessage
    sha: str
    understood: Understood
    fetched_at: datetime


@dataclass
class _Batch:
    mailbox: Mailbox
    results: list[IngestResult | None]
    waiting: list[_Waiting]


def messages_ingest_batch(
    *, mailbox: Mailbox, messages: Sequence[IncomingMessage]
) -> list[IngestResult]:
    """Files the messages in order; one result per message, as ``message_ingest`` gives.

    Same guarantees as ``message_ingest``: nothing lost, nothing filed twice, a message
    that cannot be filed quarantined while the rest go through. Raises what
    ``message_ingest`` raises when the system (not a message) is broken.
    """
    if not messages:
        return []
    try:
        with transaction.atomic():
            return _batch_file(mailbox, messages)
    except Exception:  # not swallowed: every message is filed again below
        logger.warning(
            "mailbox %s: a batch of %d messages failed, filing them one by one",
            mailbox.slug,
            len(messages),
            exc_info=True,
        )
    return [_ingest_one(mailbox, item) for item in messages]


def _ingest_one(mailbox: Mailbox, item: IncomingMessage) -> IngestResult:
    return message_ingest(
        mailbox=mailbox,
        raw=item.raw,
        uidvalidity=item.uidvalidity,
        uid=item.uid,
        fetched_at=item.fetched_at,
    )


def _batch_file(mailbox: Mailbox, messages: Sequence[IncomingMessage]) -> list[IngestResult]:
    batch = _Batch(mailbox, [None] * len(messages), [])
    for index, item in enumerate(messages):
        _message_file(batch, index, item)
    _waiting_flush(batch)
    return [result for result in batch.results if result is not None]


def _message_file(batch: _Batch, index: int, item: IncomingMessage) -> None:
    """Files one message now, or queues it when it opens a new case."""
    mailbox = batch.mailbox
    sha = sha256_of(item.raw)
    if _depends_on_waiting(batch, sha=sha, keys=[]):
        _waiting_flush(batch)
    if _already_received(mailbox, item.raw, item.uidvalidity, item.uid):
        batch.results[index] = IngestResult("ignored", reason="already received")
        return
    try:
        understood = understand(item.raw)
    except (MessageTooLarge, UnparseableMessage):
        batch.results[index] = _ingest_one(mailbox, item)  # quarantined there, with the reason
        return
    message_id = understood.message.message_id
    if _depends_on_waiting(batch, sha="", keys=[message_id, *thread_keys(understood.message)]):
        _waiting_flush(batch)
    if message_id and _message_id_seen(mailbox, message_id):
        batch.results[index] = IngestResult(
            "ignored", understood=understood, reason="already received"
        )
        return
    fetched_at = item.fetched_at or timezone.now()
    if _opens_case(understood):
        batch.waiting.append(_Waiting(index, item, sha, understood, fetched_at))
        return
    batch.results[index] = _file(
        mailbox, item.raw, understood, item.uidvalidity, item.uid, fetched_at
    )


def _depends_on_waiting(batch: _Batch, *, sha: str, keys: Sequence[str]) -> bool:
    """True when the message repeats or answers a message still waiting for its case."""
    for waiting in batch.waiting:
        if sha and waiting.sha == sha:
            return True
        if waiting.understood.message.message_id in keys:
            return True
    return False


def _opens_case(understood: Understood) -> bool:
    """What ``_file`` decides: not a receipt, no thread to join, not automatic mail."""
    return (
        _certified_ids(understood) is None
        and understood.automatic is None
        and case_find_for_thread(understood) is None
    )


def _waiting_flush(batch: _Batch) -> None:
    """Creates the pages of the waiting messages, pool by pool, then records each message."""
    if not batch.waiting:
        return
    mailbox = batch.mailbox
    by_pool: dict[int, list[_Waiting]] = {}
    pools: dict[int, PoolPage] = {}
    for waiting in batch.waiting:
        pool = pool_for(mailbox, waiting.understood)
        pools[pool.pk] = pool
        by_pool.setdefault(pool.pk, []).append(waiting)
    for pool_id, group in by_pool.items():
        items = [_new_case(mailbox, w.understood, w.fetched_at) for w in group]
        cases = cases_create_batch(pool=pools[pool_id], items=items)
        for waiting, case in zip(group, cases, strict=True):
            _case_opened(batch, waiting, case)
    batch.waiting = []


def _case_opened(batch: _Batch, waiting: _Waiting, case: CasePage) -> None:
    """The end of ``_file`` for a new case: the message, the rules, the acknowledgement."""
    item = waiting.item
    batch.results[waiting.index] = case_opened(
        case=case,
        record={
            "mailbox": batch.mailbox,
            "raw": item.raw,
            "understood": waiting.understood,
            "uidvalidity": item.uidvalidity,
            "uid": item.uid,
            "fetched_at": waiting.fetched_at,
        },
    )
