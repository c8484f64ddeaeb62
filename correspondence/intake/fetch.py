"""Fetching a mailbox: one reader at a time (``lease``), every message through the pipeline."""

import logging
import shutil
import time
from contextlib import closing
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.db import InterfaceError, OperationalError
from django.utils import timezone

from correspondence.errors import MailboxBusy, MailboxUnavailable
from correspondence.intake.ingest import (
    BATCH_MESSAGES,
    IncomingMessage,
    IngestResult,
    batches_parsed,
    parsed_file,
)
from correspondence.intake.lease import (
    Claim,
    connection_reset,
    mailbox_holder_hung,
    mailbox_lease_acquire,
    mailbox_lease_release,
    mailbox_lease_renew,
)
from correspondence.models import Mailbox

logger = logging.getLogger(__name__)
# How long a fetch that lost the database waits for it to record why, before giving up.
RECORD_PATIENCE = timedelta(seconds=20)
# Files of a folder mailbox filed in one transaction (the demo's mailboxes, local imports).
DIRECTORY_BATCH = BATCH_MESSAGES


@dataclass
class FetchSummary:
    """Outcomes of one fetch of one mailbox, counted."""

    outcomes: dict[str, int] = field(default_factory=dict)

    def add(self, result: IngestResult) -> None:
        self.outcomes[result.outcome] = self.outcomes.get(result.outcome, 0) + 1


def mailbox_fetch(*, mailbox_id: int) -> FetchSummary:
    """Reads every new message of the mailbox; records the last success or error.

    Raises MailboxBusy while another reader holds the mailbox (or it is inactive),
    MailboxUnavailable when the server fails us, and the database's OperationalError or
    InterfaceError when the database fails mid-fetch: then the broken connection is
    dropped, the claim with it, and the error is recorded on the mailbox as soon as the
    database answers again, so that the next fetch resumes where this one stopped.
    """
    try:
        claim = _claim(mailbox_id)
        try:
            mailbox = Mailbox.objects.filter(pk=mailbox_id, active=True).first()
            if mailbox is None:
                raise MailboxBusy(f"mailbox {mailbox_id} is inactive")
            return _fetch_recorded(mailbox, claim)
        finally:
            mailbox_lease_release(claim=claim)
    except (OperationalError, InterfaceError) as exc:
        connection_reset()
        _database_error_record(mailbox_id, exc)
        raise


def _claim(mailbox_id: int) -> Claim:
    """The mailbox claimed; when another reader holds it and hangs, that is recorded."""
    try:
        return mailbox_lease_acquire(mailbox_id=mailbox_id)
    except MailboxBusy:
        hung = mailbox_holder_hung(mailbox_id=mailbox_id)
        if hung:
            _record_error(mailbox_id, hung)
        raise


def _fetch_recorded(mailbox: Mailbox, claim: Claim) -> FetchSummary:
    try:
        summary = _fetch_by_protocol(mailbox, claim)
    except MailboxUnavailable as exc:
        _record_error(mailbox.pk, str(exc))
        raise
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_success_at=timezone.now(), failing_since=None, last_error=""
    )
    return summary


def _fetch_by_protocol(mailbox: Mailbox, claim: Claim) -> FetchSummary:
    if mailbox.protocol == Mailbox.Protocol.DIRECTORY:
        return directory_fetch(mailbox=mailbox, claim=claim)
    from correspondence.intake.imap import FetchProgress, imap_fetch

    # Each filed message renews a row lease (a no-op for an advisory lock).
    renew = FetchProgress(on_result=lambda _result: mailbox_lease_renew(claim=claim))
    return imap_fetch(mailbox=mailbox, progress=renew)


def _record_error(mailbox_id: int, error: str) -> None:
    now = timezone.now()
    logger.warning("mailbox %s: %s", mailbox_id, error)
    Mailbox.objects.filter(pk=mailbox_id).update(last_error=error, last_error_at=now)
    Mailbox.objects.filter(pk=mailbox_id, failing_since__isnull=True).update(failing_since=now)


def _database_error_record(mailbox_id: int, exc: Exception) -> None:
    """Records a database failure on the mailbox, waiting a little for the database to return.

    Gives up quietly (logged) after RECORD_PATIENCE: the caller re-raises the failure
    and retries the fetch later, which records it then if it persists.
    """
    error = f"the database failed during the fetch: {str(exc).strip() or type(exc).__name__}"
    logger.warning("mailbox %s: %s", mailbox_id, error)
    deadline = time.monotonic() + RECORD_PATIENCE.total_seconds()
    delay = 0.2
    while True:
        try:
            _record_error(mailbox_id, error[:2000])
            return
        except (OperationalError, InterfaceError):
            connection_reset()
            if time.monotonic() + delay > deadline:
                logger.warning("mailbox %s: could not record the error yet", mailbox_id)
                return
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def directory_fetch(*, mailbox: Mailbox, claim: Claim | None = None) -> FetchSummary:
    """Reads the .eml files of a local folder, oldest name first, moving each when filed.

    Files are filed in batches of ``DIRECTORY_BATCH``, one transaction each, as an IMAP
    fetch is (the next batch read and understood while this one is filed). A file moves
    only after its batch committed; a crash in between leaves it in place, and the next
    run finds it already received.
    """
    folder = Path(mailbox.directory)
    if not folder.is_dir():
        raise MailboxUnavailable(f"the folder {folder} does not exist")
    done = folder / "processed"
    done.mkdir(exist_ok=True)
    summary = FetchSummary()
    paths = sorted(folder.glob("*.eml"))
    batches = (
        [
            (path, IncomingMessage(raw=path.read_bytes()))
            for path in paths[start : start + DIRECTORY_BATCH]
        ]
        for start in range(0, len(paths), DIRECTORY_BATCH)
    )
    with closing(batches_parsed(batches)) as parsed:  # the helper stops with the loop
        for batch in parsed:
            results = parsed_file(mailbox=mailbox, parsed=[item for _path, item in batch])
            for (path, _item), result in zip(batch, results, strict=True):
                summary.add(result)
                shutil.move(path, done / path.name)
            if claim is not None:
                mailbox_lease_renew(claim=claim)
            if len(paths) > DIRECTORY_BATCH:  # a long read says how far it got (worker's log)
                filed = sum(summary.outcomes.values())
                logger.info("mailbox %s: %d/%d files filed", mailbox.slug, filed, len(paths))
    return summary
