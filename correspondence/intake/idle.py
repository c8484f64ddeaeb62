"""Watching mailboxes with IMAP IDLE, so that new mail becomes a case within seconds.

A watcher keeps one connection per mailbox in IDLE (or, where the server's CAPABILITY
lacks IDLE, wakes every few seconds) and on new mail runs the ordinary ``mailbox_fetch``.
The fetch's claim (``lease``) keeps reading to one worker at a time, so the watchers
run safely alongside Celery beat's ``mailboxes_poll_task``, which stays on as the
fallback: a mailbox whose watcher is down is still read every few seconds, only less
promptly. A lost database connection pauses the watcher at most a few seconds.
"""

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import InterfaceError, OperationalError, connections
from imapclient import IMAPClient

from correspondence.errors import MailboxBusy, MailboxUnavailable
from correspondence.intake.fetch import mailbox_fetch
from correspondence.mailserver import imap_errors, imap_session
from correspondence.models import Mailbox

logger = logging.getLogger(__name__)
DATABASE_BACKOFF_MAX_SECONDS = 5.0


@dataclass(frozen=True)
class WatchTimings:
    """How often a watcher polls, renews IDLE, looks at its stop event and retries."""

    poll_seconds: float = 30.0
    # RFC 2177: a server may drop a client idle for 30 minutes; renew well before.
    idle_renew_seconds: float = 25 * 60
    check_seconds: float = 1.0
    backoff_first_seconds: float = 1.0
    backoff_max_seconds: float = 300.0


def backoff_next(seconds: float, timings: WatchTimings) -> float:
    """The wait before the next reconnection: doubled after each failure, capped."""
    return min(seconds * 2, timings.backoff_max_seconds)


class MailboxWatcher:
    """Watches one mailbox until ``stop`` is set; run it in a thread of its own.

    ``idling`` is set while the connection is in IDLE and caught up, cleared otherwise.
    """

    def __init__(
        self, *, mailbox_id: int, stop: threading.Event, timings: WatchTimings | None = None
    ) -> None:
        self.mailbox_id = mailbox_id
        self.stop = stop
        self.timings = timings or WatchTimings()
        self.idling = threading.Event()
        self._backoff = self.timings.backoff_first_seconds

    def run(self) -> None:
        """Watches until stopped or the mailbox is no longer an active IMAP mailbox.

        Neither a mail server failure nor a lost database connection ends the watcher:
        it waits, backing off, and starts again.
        """
        try:
            while not self.stop.is_set():
                try:
                    mailbox = self._mailbox()
                    if mailbox is None:
                        logger.info("mailbox %s is no longer watched", self.mailbox_id)
                        return
                    self._watch(mailbox)
                except (MailboxUnavailable, OperationalError, InterfaceError) as exc:
                    self._pause(exc)
        finally:
            connections.close_all()  # this thread's database connections

    def _pause(self, error: Exception) -> None:
        self.idling.clear()
        logger.warning("watching mailbox %s: %s", self.mailbox_id, error)
        wait = self._backoff
        if not isinstance(error, MailboxUnavailable):
            connections.close_all()  # a broken connection is replaced on next use
            # A database restart lasts seconds: never wait long for it to come back.
            wait = min(wait, DATABASE_BACKOFF_MAX_SECONDS)
        self.stop.wait(wait)
        self._backoff = backoff_next(self._backoff, self.timings)

    def _mailbox(self) -> Mailbox | None:
        return Mailbox.objects.filter(
            pk=self.mailbox_id, active=True, protocol=Mailbox.Protocol.IMAP
        ).first()

    def _watch(self, mailbox: Mailbox) -> None:
        with imap_session(mailbox) as client:
            with imap_errors(mailbox, f"opening the folder {mailbox.imap_folder}"):
                client.select_folder(mailbox.imap_folder, readonly=True)
                has_idle = client.has_capability("IDLE")
            self._backoff = self.timings.backoff_first_seconds
            if has_idle:
                self._idle_loop(client, mailbox)
                return
        logger.info("%s offers no IDLE: polling every %ss", mailbox.slug, self.timings.poll_seconds)
        self._poll_loop()

    def _poll_loop(self) -> None:
        while not self.stop.is_set():
            self._fetch()
            self.stop.wait(self.timings.poll_seconds)

    def _idle_loop(self, client: IMAPClient, mailbox: Mailbox) -> None:
        """IDLEs until stopped; the catch-up fetch runs once IDLE listens, so none is missed."""
        with imap_errors(mailbox, "starting IDLE"):
            client.idle()
        pending, renew_at = True, time.monotonic() + self.timings.idle_renew_seconds
        while not self.stop.is_set():
            if pending:
                # Busy: another worker is reading, maybe since before this mail came.
                pending = not self._fetch()
            if pending:
                self.idling.clear()
            else:
                self.idling.set()
            renew = time.monotonic() >= renew_at
            responses, renewed = self._idle_wait(client, mailbox, renew=renew)
            if renewed:
                renew_at = time.monotonic() + self.timings.idle_renew_seconds
            pending = pending or _has_new_mail(mailbox, responses)
        self.idling.clear()
        with imap_errors(mailbox, "leaving IDLE"):
            client.idle_done()

    def _idle_wait(
        self, client: IMAPClient, mailbox: Mailbox, *, renew: bool
    ) -> tuple[list[Any], bool]:
        """The server's IDLE responses within check_seconds, and whether IDLE was restarted."""
        timeout = self.timings.check_seconds
        with imap_errors(mailbox, "waiting for new mail (IDLE)"):
            started = time.monotonic()
            responses: list[Any] = client.idle_check(timeout=timeout)
            # Readable yet nothing complete: maybe a closed connection, which imapclient
            # reports as silence. Leaving IDLE then raises, or costs one round trip.
            stalled = not responses and time.monotonic() - started < timeout / 2
            if not (renew or stalled):
                return responses, False
            responses += client.idle_done()[1]
            client.idle()
        return responses, True

    def _fetch(self) -> bool:
        """Runs one fetch; False when another worker holds the mailbox.

        Raises MailboxUnavailable when the server fails the fetch.
        """
        try:
            summary = mailbox_fetch(mailbox_id=self.mailbox_id)
        except MailboxBusy:
            return False
        if summary.outcomes:
            logger.info("mailbox %s: %s", self.mailbox_id, summary.outcomes)
        return True


def _has_new_mail(mailbox: Mailbox, responses: Sequence[Any]) -> bool:
    """True on EXISTS; raises MailboxUnavailable when the server says BYE."""
    for response in responses:
        if response and response[0] == b"BYE":
            words = (w.decode(errors="replace") for w in response[1:] if isinstance(w, bytes))
            raise MailboxUnavailable(
                f"IMAP {mailbox.imap_host}:{mailbox.imap_port}: the server closed the "
                f"connection: {' '.join(words)}"
            )
        if len(response) > 1 and response[1] == b"EXISTS":
            return True
    return False


def mailboxes_watch(*, slugs: Sequence[str] = (), stop: threading.Event) -> list[threading.Thread]:
    """Starts one watcher thread per active IMAP mailbox (only those named, if any).

    Raises Mailbox.DoesNotExist naming the slugs that match no active IMAP mailbox.
    """
    mailboxes = Mailbox.objects.filter(active=True, protocol=Mailbox.Protocol.IMAP)
    if slugs:
        mailboxes = mailboxes.filter(slug__in=slugs)
        missing = set(slugs) - {m.slug for m in mailboxes}
        if missing:
            raise Mailbox.DoesNotExist(f"no active IMAP mailbox {', '.join(sorted(missing))}")
    threads = []
    for mailbox in mailboxes:
        watcher = MailboxWatcher(mailbox_id=mailbox.pk, stop=stop)
        thread = threading.Thread(target=watcher.run, name=f"watch-{mailbox.slug}", daemon=True)
        thread.start()
        threads.append(thread)
    return threads
