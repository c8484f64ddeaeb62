"""The intake pipeline: raw messages in, each a case created or joined, exactly once.

``messages_ingest`` parses a fetched batch, then files it in one transaction
(``correspondence.intake.filing``); ``message_ingest`` is a batch of one. Idempotent
by UID, Message-ID and content hash. Bad input (not mail, too large, content the
database refuses) is quarantined with its bytes and the other messages go through;
a broken system (database down) raises, so the fetcher stops and retries later.
"""

import logging
from collections.abc import Sequence
from datetime import datetime

from django.db import DataError, IntegrityError, InterfaceError, OperationalError, transaction

from correspondence.intake.filing import IncomingMessage, IngestResult, Parsed, batch_file
from correspondence.intake.parsing import MessageTooLarge, UnparseableMessage
from correspondence.intake.records import quarantine_record
from correspondence.intake.storage import sha256_of
from correspondence.intake.understand import understand
from correspondence.models import Mailbox

__all__ = ["IncomingMessage", "IngestResult", "message_ingest", "messages_ingest"]
logger = logging.getLogger(__name__)


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
    """Files the messages in order, together; one result per message.

    If the batch fails as a whole, it is rolled back and each message is filed again
    alone: a message the database refuses is quarantined there and the others go
    through. A broken database (its connection lost) raises at once: filing one by one
    on a dead connection could only fail again.
    """
    parsed = [_parse(item) for item in messages]
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


def _parse(incoming: IncomingMessage) -> Parsed:
    """Understand one message; one that cannot be understood is marked for quarantine.

    ``understand`` is pure (no database, no network), so anything it raises is a
    fact about this message, never a broken system: the message is kept whole in
    quarantine and the mailbox goes on.
    """
    sha = sha256_of(incoming.raw)
    try:
        return Parsed(incoming, sha, understand(incoming.raw))
    except (MessageTooLarge, UnparseableMessage) as exc:
        return Parsed(incoming, sha, None, problem=str(exc))
    except (RecursionError, MemoryError) as exc:
        return Parsed(incoming, sha, None, problem=f"cannot be understood: {type(exc).__name__}")
    except Exception as exc:  # not swallowed: logged with its traceback, message quarantined
        logger.exception("intake could not understand message %s", sha)
        return Parsed(incoming, sha, None, problem=f"cannot be understood: {exc!r}"[:500])


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
