"""Reading an IMAP mailbox: new messages by UID, each filed once, then left, flagged or moved.

The mailbox remembers the folder's UIDVALIDITY and the last UID it filed. Messages are
fetched and filed in batches, each batch in one transaction (the next batch is fetched
and understood while this one is filed: ``batches_parsed``); ``last_uid`` advances after
a batch is filed (and flagged or moved), so a dropped connection or a killed worker reads
again at most the unfinished batch, which the pipeline then recognises as already
received. Every network, protocol, login or secret failure becomes
:class:`MailboxUnavailable` naming the server and the step that failed; a message that
cannot be understood is the pipeline's business (quarantine), and the mailbox goes on.
"""

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone
from imapclient import DELETED, SEEN, IMAPClient

from correspondence.errors import MailboxUnavailable
from correspondence.intake.fetch import FetchSummary
from correspondence.intake.ingest import (
    BATCH_MESSAGES,
    IncomingMessage,
    IngestResult,
    Parsed,
    batches_parsed,
    parsed_file,
)
from correspondence.mailserver import imap_errors, imap_session
from correspondence.models import Mailbox

__all__ = ["FetchProgress", "imap_errors", "imap_fetch", "imap_session"]

logger = logging.getLogger(__name__)
# After a UIDVALIDITY change, mail that reached the folder this long before our last
# successful read is read again (the pipeline ignores what it already filed); older mail
# is history, and re-reading it would flood the team.
UIDVALIDITY_RESET_MARGIN = timedelta(days=1)
# A batch is fetched, parsed and filed in one go: bounded in bytes as well as in messages.
BATCH_BYTES = 32 * 1024 * 1024


def _ignore(_value: object) -> None:
    return None


@dataclass(frozen=True)
class FetchProgress:
    """Hooks for a caller showing progress: the number of messages to read, then each result."""

    on_total: Callable[[int], None] = _ignore
    on_result: Callable[[IngestResult], None] = _ignore


def imap_fetch(
    *,
    mailbox: Mailbox,
    batch_size: int = BATCH_MESSAGES,
    since: date | None = None,
    progress: FetchProgress | None = None,
) -> FetchSummary:
    """Files every new message of the mailbox's folder, oldest UID first.

    ``since`` reads again everything that reached the folder on or after that date (a
    back-fill from the command line); the pipeline ignores what it already filed.
    Raises MailboxUnavailable when the mailbox is misconfigured or the server fails us.
    """
    _settings_check(mailbox)
    progress = progress or FetchProgress()
    summary = FetchSummary()
    with imap_session(mailbox) as client:
        status = _folder_select(client, mailbox)
        _position_update(client, mailbox, status)
        uids = _uids_to_read(client, mailbox, since)
        progress.on_total(len(uids))
        fetched = _fetched(client, mailbox, _batches(client, mailbox, uids, batch_size))
        # closing(): the helper stops as soon as the loop ends, an error included.
        with closing(batches_parsed(fetched)) as parsed:
            for batch in parsed:
                _batch_file(client, mailbox, batch, summary, progress)
                if len(uids) > batch_size:  # a long read says how far it got (worker's log)
                    done = sum(summary.outcomes.values())
                    logger.info("mailbox %s: %d/%d messages filed", mailbox.slug, done, len(uids))
    return summary


def _batches(
    client: IMAPClient, mailbox: Mailbox, uids: list[int], batch_size: int
) -> Iterator[list[int]]:
    """The UIDs in batches of at most ``batch_size`` messages and BATCH_BYTES bytes (a
    larger message alone), so a worker never holds more than three batches in memory
    (one filed, the next understood, the one after fetched)."""
    sizes: dict[int, int] = {}
    if len(uids) > 1:
        with imap_errors(mailbox, "reading the sizes of new messages"):
            fetched = client.fetch(uids, ["RFC822.SIZE"])
        sizes = {uid: int(data.get(b"RFC822.SIZE", 0)) for uid, data in fetched.items()}
    batch: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if batch and (len(batch) >= batch_size or total + size > BATCH_BYTES):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        yield batch


def _settings_check(mailbox: Mailbox) -> None:
    problem = ""
    if not mailbox.imap_host:
        problem = "no IMAP host is configured"
    elif mailbox.after_processing == Mailbox.AfterProcessing.MOVE and not (
        mailbox.processed_folder
    ):
        problem = "processed messages should be moved, but no processed folder is configured"
    elif mailbox.start_from == Mailbox.StartFrom.DATE and mailbox.start_date is None:
        problem = "reading should start from a date, but no start date is configured"
    if problem:
        raise MailboxUnavailable(f"mailbox {mailbox.slug}: {problem}")


def _folder_select(client: IMAPClient, mailbox: Mailbox) -> dict[bytes, Any]:
    leave = mailbox.after_processing == Mailbox.AfterProcessing.LEAVE
    with imap_errors(mailbox, f"opening the folder {mailbox.imap_folder}"):
        moving = mailbox.after_processing == Mailbox.AfterProcessing.MOVE
        if moving and not client.folder_exists(mailbox.processed_folder):
            client.create_folder(mailbox.processed_folder)
        status: dict[bytes, Any] = client.select_folder(mailbox.imap_folder, readonly=leave)
    return status


def _position_update(client: IMAPClient, mailbox: Mailbox, status: dict[bytes, Any]) -> None:
    """Stores the folder's UIDVALIDITY; on a first read or a change, where to start.

    A new UIDVALIDITY means every UID changed: the old last_uid means nothing any more.
    """
    uidvalidity = int(status[b"UIDVALIDITY"])
    if mailbox.uidvalidity == uidvalidity:
        return
    reset = mailbox.uidvalidity is not None
    if reset:
        logger.warning(
            "mailbox %s: UIDVALIDITY changed from %s to %s, reading the folder again",
            mailbox.slug,
            mailbox.uidvalidity,
            uidvalidity,
        )
    last_uid = _start_position(client, mailbox, status, reset=reset)
    Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=uidvalidity, last_uid=last_uid)
    mailbox.uidvalidity, mailbox.last_uid = uidvalidity, last_uid


def _start_position(
    client: IMAPClient, mailbox: Mailbox, status: dict[bytes, Any], *, reset: bool
) -> int:
    """The highest UID to count as already read when (re)starting to read a folder."""
    if mailbox.start_from == Mailbox.StartFrom.ALL:
        return 0
    if mailbox.start_from == Mailbox.StartFrom.DATE:
        floor = mailbox.start_date
    elif reset:
        floor = ((mailbox.last_success_at or timezone.now()) - UIDVALIDITY_RESET_MARGIN).date()
    else:
        return _highest_uid(client, mailbox, status)
    with imap_errors(mailbox, f"searching for mail since {floor}"):
        recent = client.search(["SINCE", floor])
    return min(recent) - 1 if recent else _highest_uid(client, mailbox, status)


def _highest_uid(client: IMAPClient, mailbox: Mailbox, status: dict[bytes, Any]) -> int:
    if b"UIDNEXT" in status:
        return int(status[b"UIDNEXT"]) - 1
    with imap_errors(mailbox, "searching for the last message"):
        return max(client.search(["ALL"]), default=0)


def _uids_to_read(client: IMAPClient, mailbox: Mailbox, since: date | None) -> list[int]:
    """The UIDs to file now, ascending."""
    criteria: list[Any] = ["UID", f"{mailbox.last_uid + 1}:*"]
    if since is not None:
        criteria = ["SINCE", since]
    elif mailbox.start_from == Mailbox.StartFrom.DATE:
        # Mail copied in later can carry an old arrival date behind a new UID.
        criteria += ["SINCE", mailbox.start_date]
    with imap_errors(mailbox, "searching for new messages"):
        found = client.search(criteria)
    # "UID n:*" always matches the last message, even when its UID is below n.
    return sorted(uid for uid in found if since is not None or uid > mailbox.last_uid)


def _fetched(
    client: IMAPClient, mailbox: Mailbox, batches: Iterator[list[int]]
) -> Iterator[list[tuple[int, IncomingMessage]]]:
    """Each batch downloaded without marking it seen, by UID, in UID order."""
    for uids in batches:
        with imap_errors(mailbox, f"fetching messages {uids[0]} to {uids[-1]}"):
            fetched = client.fetch(uids, ["BODY.PEEK[]", "INTERNALDATE"])
        # A message deleted by someone else since our search is simply not there.
        yield [
            (
                uid,
                IncomingMessage(
                    raw=fetched[uid][b"BODY[]"],
                    uidvalidity=mailbox.uidvalidity,
                    uid=uid,
                    fetched_at=_aware(fetched[uid].get(b"INTERNALDATE")),
                ),
            )
            for uid in uids
            if b"BODY[]" in fetched.get(uid, {})
        ]


def _batch_file(
    client: IMAPClient,
    mailbox: Mailbox,
    batch: Sequence[tuple[int, Parsed]],
    summary: FetchSummary,
    progress: FetchProgress,
) -> None:
    """Files a downloaded batch together, in UID order, then flags or moves it."""
    results = parsed_file(mailbox=mailbox, parsed=[parsed for _uid, parsed in batch])
    # Flag or move before advancing: a failure in between re-reads the batch, which
    # is then ignored as already received and flagged or moved after all.
    for (uid, _parsed), result in zip(batch, results, strict=True):
        _after_processing(client, mailbox, uid)
        summary.add(result)
        progress.on_result(result)
    if batch:
        _last_uid_advance(mailbox, batch[-1][0])


def _aware(value: datetime | None) -> datetime | None:
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value, timezone.get_current_timezone())


def _after_processing(client: IMAPClient, mailbox: Mailbox, uid: int) -> None:
    action = mailbox.after_processing
    if action == Mailbox.AfterProcessing.FLAG:
        with imap_errors(mailbox, f"marking message {uid} as seen"):
            client.add_flags([uid], [SEEN])
    elif action == Mailbox.AfterProcessing.MOVE:
        with imap_errors(mailbox, f"moving message {uid} to {mailbox.processed_folder}"):
            if client.has_capability("MOVE"):
                client.move([uid], mailbox.processed_folder)
            else:
                _move_by_copy(client, mailbox, uid)


def _move_by_copy(client: IMAPClient, mailbox: Mailbox, uid: int) -> None:
    client.copy([uid], mailbox.processed_folder)
    client.add_flags([uid], [DELETED])
    if client.has_capability("UIDPLUS"):
        client.uid_expunge([uid])
    else:
        # Without UIDPLUS an expunge cannot name the message: it also removes any
        # message another client had already marked deleted, as every mail client does.
        client.expunge()


def _last_uid_advance(mailbox: Mailbox, uid: int) -> None:
    """Records the message as read: one UPDATE of one column, never backwards."""
    Mailbox.objects.filter(pk=mailbox.pk, uidvalidity=mailbox.uidvalidity, last_uid__lt=uid).update(
        last_uid=uid
    )
    mailbox.last_uid = max(mailbox.last_uid, uid)
