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

from imapclient import SEEN

from correspondence.errors import MailboxUnavailable
from correspondence.intake.imap import imap_errors, imap_session
from correspondence.models import Mailbox

logger = logging.getLogger(__name__)


def sent_copy_kept(mailbox: Mailbox) -> bool:
    """Whether the mailbox keeps copies of what it sends: IMAP, with a Sent folder named."""
    return bool(
        mailbox.protocol == Mailbox.Protocol.IMAP and mailbox.imap_host and mailbox.sent_folder
    )


def sent_copy_append(*, mailbox: Mailbox, raw: bytes) -> bool:
    """APPENDs the sent mail, marked seen, to the Sent folder (created if missing).

    Returns False, logged, when the server fails us: the mail has left already, and a
    missing copy must never make it leave again.
    """
    if not sent_copy_kept(mailbox):
        return False
    folder = mailbox.sent_folder
    try:
        with (
            imap_session(mailbox) as client,
            imap_errors(mailbox, f"copying a sent mail to {folder}"),
        ):
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
