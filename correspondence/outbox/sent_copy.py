"""A copy of every sent mail in its mailbox's Sent folder, and the look-up that trusts it.

Users expect what the intranet sent to show in their mail client's Sent folder; the
outbox also uses that copy as the record it can still read when its own record was
lost. A sender that died after the SMTP server accepted a mail but before the database
recorded it leaves its row ``sending``: before that mail is ever tried again, the
Sent folder is searched for its Message-ID, and a mail found there is recorded as sent
instead of being sent twice. Only a sender that dies in the milliseconds between the
server's acceptance and the APPEND can still cause a second delivery (see the README's
reliability section), and so can a mailbox that keeps no copy (no IMAP, or no folder
configured).
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial

from imapclient import SEEN, IMAPClient

from correspondence.errors import MailboxUnavailable
from correspondence.mailserver import imap_errors, imap_session
from correspondence.models import Mailbox

logger = logging.getLogger(__name__)


def sent_copy_kept(mailbox: Mailbox) -> bool:
    """Whether the mailbox keeps copies of what it sends: IMAP, with a Sent folder named."""
    return bool(
        mailbox.protocol == Mailbox.Protocol.IMAP and mailbox.imap_host and mailbox.sent_folder
    )


@contextmanager
def sent_copy_ready(*, mailbox: Mailbox) -> Iterator[Callable[[bytes], bool]]:
    """An IMAP session opened before the mail is sent, so that the copy follows the
    server's acceptance by one APPEND round trip; yields ``copy(raw) -> bool``.

    ``copy`` APPENDs the mail, marked seen, to the Sent folder (created if missing) and
    returns False, logged, when there is no copy to keep or the server fails us: the
    mail has left already, and a missing copy must never make it leave again.
    """
    with ExitStack() as stack:
        client: IMAPClient | None = None
        if sent_copy_kept(mailbox):
            try:
                client = stack.enter_context(imap_session(mailbox))
            except MailboxUnavailable as exc:
                logger.warning("mailbox %s: no copy in the Sent folder: %s", mailbox.slug, exc)
        yield _no_copy if client is None else partial(_copy, client, mailbox)


def _no_copy(_raw: bytes) -> bool:
    return False


def _copy(client: IMAPClient, mailbox: Mailbox, raw: bytes) -> bool:
    folder = mailbox.sent_folder
    try:
        with imap_errors(mailbox, f"copying a sent mail to {folder}"):
            if not client.folder_exists(folder):
                client.create_folder(folder)
            client.append(folder, raw, flags=[SEEN])
    except MailboxUnavailable as exc:
        logger.warning("mailbox %s: no copy in the Sent folder: %s", mailbox.slug, exc)
        return False
    return True


def sent_copy_find(*, mailbox: Mailbox, message_id: str) -> bool | None:
    """Whether the Sent folder holds a mail with this Message-ID (stored without brackets).

    None when it cannot be told: the mailbox keeps no copies, or its server fails us.
    """
    if not sent_copy_kept(mailbox):
        return None
    folder = mailbox.sent_folder
    try:
        with (
            imap_session(mailbox) as client,
            imap_errors(mailbox, f"searching {folder} for <{message_id}>"),
        ):
            if not client.folder_exists(folder):
                return False
            client.select_folder(folder, readonly=True)
            found = client.search(["HEADER", "Message-ID", f"<{message_id}>"])
    except MailboxUnavailable as exc:
        logger.warning("mailbox %s: cannot search the Sent folder: %s", mailbox.slug, exc)
        return None
    return bool(found)
