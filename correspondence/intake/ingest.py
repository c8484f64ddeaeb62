"""The intake pipeline: raw messages in, each a case created or joined, exactly once.

``messages_ingest`` parses a fetched batch, then files it in one transaction
(``correspondence.intake.filing``); ``message_ingest`` is a batch of one. A long run
(``batches_parsed``, then ``parsed_file`` per batch) has the next batch understood in
a helper process while it files this one (``correspondence.intake.ahead``). Idempotent
by UID, Message-ID and content hash. Bad input (not mail, too large, content the
database refuses) is quarantined with its bytes and the other messages go through;
a broken system (database down) raises, so the fetcher stops and retries later.
"""

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import TypeVar

from django.core.files.storage import default_storage
from django.db import DataError, IntegrityError, InterfaceError, OperationalError, transaction

from correspondence.intake.ahead import ParseAhead, Store, Understanding, understand_safely
from correspondence.intake.filing import IncomingMessage, IngestResult, Parsed, batch_file
from correspondence.intake.records import quarantine_record
from correspondence.intake.storage import local_root
from correspondence.models import Mailbox

__all__ = [
    "BATCH_MESSAGES",
    "IncomingMessage",
    "IngestResult",
    "Parsed",
    "batches_parsed",
    "message_ingest",
    "messages_ingest",
    "messages_parse",
    "parsed_file",
]
logger = logging.getLogger(__name__)
# The most messages one transaction files (an import's batches; a poll files what it
# finds, up to this). A batch's lookups, locks and numbering are paid once: 250 files a
# batch imported 7-12% faster than 100 (bench, PostgreSQL). The pool's row stays locked
# for the batch, under half a second.
BATCH_MESSAGES = 250
K = TypeVar("K")  # what the caller keys each message of a batch by (a UID, a path)


def message_ingest(
    *,
    mailbox: Mailbox,
    raw: bytes,
    uidvalidity: int | None = None,
    uid: int | None = None,
    fetched_at: datetime | None = None,
) -> IngestResult:
    """Files one raw message of the mailbox."""
    incoming = IncomingMessage(raw=raw, uidvalidity=uidvalidity, uid=uid, fetched_at=fetched_at)
    (result,) = messages_ingest(mailbox=mailbox, messages=[incoming])
    return result


def messages_ingest(*, mailbox: Mailbox, messages: Sequence[IncomingMessage]) -> list[IngestResult]:
    """Files the messages in order, together; one result per message (``parsed_file``)."""
    return parsed_file(mailbox=mailbox, parsed=messages_parse(messages))


def messages_parse(messages: Sequence[IncomingMessage]) -> list[Parsed]:
    """Each message understood here, or marked for quarantine with the reason."""
    return _parsed(messages, [understand_safely(m.raw) for m in messages])


def batches_parsed(
    batches: Iterable[Sequence[tuple[K, IncomingMessage]]],
) -> Iterator[list[tuple[K, Parsed]]]:
    """The batches, each message with what parsing made of it, in order.

    While the caller files one batch, the next is read from ``batches`` and understood
    in a helper process (``correspondence.intake.ahead``), which also stores its files.
    The first batch is understood here once the second is handed over, so the helper
    starts while this process works, and a fetch of one batch starts no process.
    """
    store = None
    root = local_root()
    if root is not None:
        store = Store(root=str(root), mode=default_storage.file_permissions_mode)
    first: Sequence[tuple[K, IncomingMessage]] | None = None
    pending: tuple[Sequence[tuple[K, IncomingMessage]], Callable[[], list[Understanding]]] | None
    pending = None
    with ParseAhead(store) as helper:
        for number, batch in enumerate(batches):
            if number == 0:
                first = batch
                continue
            job = helper.submit(_raws(batch))
            if first is not None:
                pending, first = (first, _understood_here(_raws(first))), None
            if pending is not None:
                yield _keyed(*pending)
            pending = (batch, job)
        if first is not None:
            pending = (first, _understood_here(_raws(first)))
        if pending is not None:
            yield _keyed(*pending)


def _raws(batch: Sequence[tuple[K, IncomingMessage]]) -> list[bytes]:
    return [incoming.raw for _key, incoming in batch]


def _understood_here(raws: Sequence[bytes]) -> Callable[[], list[Understanding]]:
    done = [understand_safely(raw) for raw in raws]
    return lambda: done


def _keyed(
    batch: Sequence[tuple[K, IncomingMessage]], job: Callable[[], list[Understanding]]
) -> list[tuple[K, Parsed]]:
    parsed = _parsed([incoming for _key, incoming in batch], job())
    return [(key, item) for (key, _incoming), item in zip(batch, parsed, strict=True)]


def _parsed(messages: Sequence[IncomingMessage], done: Sequence[Understanding]) -> list[Parsed]:
    for item in done:
        if item.trace:
            logger.error("intake could not understand message %s\n%s", item.sha, item.trace)
    return [
        Parsed(incoming, item.sha, item.understood, problem=item.problem)
        for incoming, item in zip(messages, done, strict=True)
    ]


def parsed_file(*, mailbox: Mailbox, parsed: Sequence[Parsed]) -> list[IngestResult]:
    """Files the parsed messages in order, together, in one transaction; one result each.

    If the batch fails as a whole, it is rolled back and each message is filed again
    alone: a message the database refuses is quarantined there and the others go
    through. A broken database (its connection lost) raises at once: filing one by one
    on a dead connection could only fail again.
    """
    if len(parsed) > 1:
        try:
            with transaction.atomic():
                return batch_file(mailbox=mailbox, batch=parsed)
        except (OperationalError, InterfaceError):
            raise
        except Exception:  # not swallowed: every message is filed again below
            logger.warning(
                "mailbox %s: a batch of %d messages failed, filing them one by one",
                mailbox.slug,
                len(parsed),
                exc_info=True,
            )
    return [_file_alone(mailbox, item) for item in parsed]


def _file_alone(mailbox: Mailbox, item: Parsed) -> IngestResult:
    incoming = item.incoming
    try:
        with transaction.atomic():
            (result,) = batch_file(mailbox=mailbox, batch=[item])
            return result
    except IntegrityError:
        # A concurrent worker filed the same message between our check and our write.
        return IngestResult("ignored", understood=item.understood, reason="already received")
    except (DataError, ValueError) as exc:
        # This message's content cannot be stored as it is: keep it aside and go on.
        reason = f"cannot be filed: {exc}"
        quarantine_record(
            mailbox=mailbox,
            raw=incoming.raw,
            reason=reason,
            uidvalidity=incoming.uidvalidity,
            uid=incoming.uid,
        )
        return IngestResult("quarantined", understood=item.understood, reason=reason)
