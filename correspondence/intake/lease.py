"""One reader per mailbox, and a claim that dies with its reader.

On PostgreSQL the claim is a session advisory lock: the server drops it the moment the
reader's connection ends, whether the process exited, was SIGKILLed, or the database
restarted, so a restarted watcher reads again within seconds. Two readers can never
hold it at once.

Elsewhere (SQLite, where the demo runs one worker on one machine) the claim is a short
lease on the mailbox row with an owner token (host, process, random part): the reader
renews it at every step of a fetch (:func:`mailbox_lease_renew`), it runs out
:data:`LEASE` after the last renewal, and a reader on the same host takes it over at
once when the owner's process is gone.
"""

import logging
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError, connection
from django.db.models import Q
from django.utils import timezone

from correspondence.errors import MailboxBusy
from correspondence.models import Mailbox

logger = logging.getLogger(__name__)
# The row lease on databases without advisory locks: renewed at every batch and message.
LEASE = timedelta(seconds=60)
# First key of our advisory locks ("Corr"), so they never collide with another program's.
ADVISORY_NAMESPACE = 0x436F7272
# A reader that holds a mailbox while its session has been idle this long is hung (a
# live fetch queries the database at every batch): the mailbox records it as an error.
HUNG_AFTER = timedelta(minutes=5)
_HOST = socket.gethostname()[:60]


@dataclass(frozen=True)
class Claim:
    """Who holds a mailbox: an advisory lock on this connection, or a row lease's token."""

    mailbox_id: int
    token: str = ""  # empty for an advisory lock


def _advisory() -> bool:
    return connection.vendor == "postgresql"


def mailbox_lease_acquire(*, mailbox_id: int) -> Claim:
    """Claims the mailbox for this process; raises MailboxBusy while another reader holds it."""
    if _advisory():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [ADVISORY_NAMESPACE, mailbox_id])
            (taken,) = cursor.fetchone()
        if not taken:
            raise MailboxBusy(f"mailbox {mailbox_id} is being read by another worker")
        return Claim(mailbox_id)
    token = f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    now = timezone.now()
    free = Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    orphan = _orphaned_owner(mailbox_id)
    if orphan:
        free |= Q(lease_owner=orphan)
    taken = (
        Mailbox.objects.filter(pk=mailbox_id)
        .filter(free)
        .update(locked_until=now + LEASE, lease_owner=token)
    )
    if not taken:
        raise MailboxBusy(f"mailbox {mailbox_id} is being read by another worker")
    if orphan:
        logger.warning("mailbox %s: taken over from %s, which is gone", mailbox_id, orphan)
    return Claim(mailbox_id, token)


def _orphaned_owner(mailbox_id: int) -> str:
    """The lease owner's token when it names a process of this host that no longer runs."""
    owner = Mailbox.objects.filter(pk=mailbox_id).values_list("lease_owner", flat=True).first()
    host, _, rest = (owner or "").partition(":")
    pid = rest.partition(":")[0]
    if host != _HOST or not pid.isdigit() or int(pid) == os.getpid():
        return ""
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return owner or ""
    except PermissionError:
        return ""  # alive, under another user
    return ""


def mailbox_lease_renew(*, claim: Claim) -> None:
    """Extends a row lease; raises MailboxBusy when it was lost (it ran out, another took it)."""
    if not claim.token:
        return  # an advisory lock lasts as long as the connection
    renewed = Mailbox.objects.filter(pk=claim.mailbox_id, lease_owner=claim.token).update(
        locked_until=timezone.now() + LEASE
    )
    if not renewed:
        raise MailboxBusy(f"mailbox {claim.mailbox_id}: the lease ran out during the fetch")


def mailbox_lease_release(*, claim: Claim) -> None:
    """Gives the mailbox back. Never raises: on a broken connection, closing it frees the lock."""
    try:
        if not claim.token:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, %s)", [ADVISORY_NAMESPACE, claim.mailbox_id]
                )
            return
        Mailbox.objects.filter(pk=claim.mailbox_id, lease_owner=claim.token).update(
            locked_until=None, lease_owner=""
        )
    except DatabaseError as exc:
        # The server ended our session (which ends an advisory lock with it); a row lease
        # runs out by itself, or is taken over once this process is gone.
        logger.warning("mailbox %s: releasing the claim failed: %s", claim.mailbox_id, exc)
        connection_reset()


def mailbox_holder_hung(*, mailbox_id: int) -> str:
    """Why the mailbox cannot be read when its holder hangs, else "" (PostgreSQL only).

    A holder whose database session sits idle past HUNG_AFTER is a stopped or stuck
    process: its lock lasts as long as that session, which an admin can end.
    """
    if not _advisory():
        return ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.pid, host(a.client_addr), a.state_change FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
            "AND l.granted AND l.classid = %s AND l.objid = %s AND l.objsubid = 2 "
            "AND a.state = 'idle' AND a.state_change < %s",
            [ADVISORY_NAMESPACE, mailbox_id, timezone.now() - HUNG_AFTER],
        )
        row = cursor.fetchone()
    if row is None:
        return ""
    pid, client, since = row
    return (
        f"the reader holding this mailbox (database session {pid}, from {client or 'local'}) "
        f"has done nothing since {since:%Y-%m-%d %H:%M:%S %Z}: it hangs. Stop that process, "
        f"or end its session (SELECT pg_terminate_backend({pid})), and reading resumes."
    )


def connection_reset() -> None:
    """Drops this thread's database connection if it is broken; the next query reconnects.

    Inside a transaction (a test's) the connection cannot be closed: it is left alone.
    """
    if connection.in_atomic_block:
        return
    with suppress(DatabaseError):
        connection.close()


@contextmanager
def mailbox_claimed(*, mailbox_id: int) -> Iterator[Claim]:
    """The mailbox claimed for the duration of the block; raises MailboxBusy if taken."""
    claim = mailbox_lease_acquire(mailbox_id=mailbox_id)
    try:
        yield claim
    finally:
        mailbox_lease_release(claim=claim)
