"""Fetching a mailbox: one worker at a time (a lease), every message through the pipeline."""

import logging
import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.db.models import Q
from django.utils import timezone

from correspondence.errors import MailboxBusy, MailboxUnavailable
from correspondence.intake.ingest import IncomingMessage, IngestResult, messages_ingest
from correspondence.models import Mailbox

logger = logging.getLogger(__name__)
LEASE = timedelta(minutes=15)
# Files of a folder mailbox filed in one transaction (the demo's mailboxes, local imports).
DIRECTORY_BATCH = 100


@dataclass
class FetchSummary:
    """Outcomes of one fetch of one mailbox, counted."""

    outcomes: dict[str, int] = field(default_factory=dict)

    def add(self, result: IngestResult) -> None:
        self.outcomes[result.outcome] = self.outcomes.get(result.outcome, 0) + 1


def mailbox_lease_acquire(*, mailbox_id: int) -> Mailbox:
    """Takes the mailbox for this worker; raises MailboxBusy while another holds it.

    A lease rather than a lock held open: a worker killed mid-batch frees the
    mailbox when its lease runs out.
    """
    now = timezone.now()
    taken = (
        Mailbox.objects.filter(pk=mailbox_id, active=True)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(locked_until=now + LEASE)
    )
    if not taken:
        raise MailboxBusy(f"mailbox {mailbox_id} is inactive or being read by another worker")
    return Mailbox.objects.get(pk=mailbox_id)


def mailbox_lease_release(*, mailbox: Mailbox) -> None:
    Mailbox.objects.filter(pk=mailbox.pk).update(locked_until=None)


def mailbox_fetch(*, mailbox_id: int) -> FetchSummary:
    """Reads every new message of the mailbox; records the last success or error."""
    mailbox = mailbox_lease_acquire(mailbox_id=mailbox_id)
    try:
        summary = _fetch_by_protocol(mailbox)
    except MailboxUnavailable as exc:
        _record_error(mailbox, str(exc))
        raise
    else:
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_success_at=timezone.now(), failing_since=None, last_error=""
        )
        return summary
    finally:
        mailbox_lease_release(mailbox=mailbox)


def _fetch_by_protocol(mailbox: Mailbox) -> FetchSummary:
    if mailbox.protocol == Mailbox.Protocol.DIRECTORY:
        return directory_fetch(mailbox=mailbox)
    from correspondence.intake.imap import imap_fetch

    return imap_fetch(mailbox=mailbox)


def _record_error(mailbox: Mailbox, error: str) -> None:
    now = timezone.now()
    logger.warning("mailbox %s: %s", mailbox.slug, error)
    Mailbox.objects.filter(pk=mailbox.pk).update(last_error=error, last_error_at=now)
    Mailbox.objects.filter(pk=mailbox.pk, failing_since__isnull=True).update(failing_since=now)


def directory_fetch(*, mailbox: Mailbox) -> FetchSummary:
    """Reads the .eml files of a local folder, oldest name first, moving each when filed.

    Files are filed in batches of ``DIRECTORY_BATCH``, one transaction each, as an IMAP
    fetch is. A file moves only after its batch committed; a crash in between leaves
    it in place, and the next run finds it already received.
    """
    folder = Path(mailbox.directory)
    if not folder.is_dir():
        raise MailboxUnavailable(f"the folder {folder} does not exist")
    done = folder / "processed"
    done.mkdir(exist_ok=True)
    summary = FetchSummary()
    paths = sorted(folder.glob("*.eml"))
    for start in range(0, len(paths), DIRECTORY_BATCH):
        batch = paths[start : start + DIRECTORY_BATCH]
        incoming = [IncomingMessage(raw=path.read_bytes()) for path in batch]
        for path, result in zip(
            batch, messages_ingest(mailbox=mailbox, messages=incoming), strict=True
        ):
            summary.add(result)
            shutil.move(path, done / path.name)
    return summary
